"""The ms-swift ``--external_plugins`` file: `PLUGIN` (see `hymar.integrations.swift`)."""

from pathlib import Path

PLUGIN = str(Path(__file__).with_name("hymar_swift_plugin.py"))
