"""ms-swift plugin: registers hymar's ORMs (``hymar``, ``hymar_<component>``) for ``$HYMAR_PRESET``.

swift --external_plugins "$(python -c 'import hymar.integrations.swift_plugin as p; print(p.PLUGIN)')"
"""

import os

from hymar.integrations.swift import DEFAULT_PRESET, ENV_VAR, register_orms

REGISTERED = register_orms(os.environ.get(ENV_VAR) or DEFAULT_PRESET)
