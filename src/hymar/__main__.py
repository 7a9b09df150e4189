import sys

from hymar.cli import main

sys.exit(main())
