"""`hymar serve`: a hymar reward over HTTP (FastAPI + uvicorn).

Endpoints: ``POST /score`` (`hymar score` records), ``POST /get_reward`` (OpenRLHF remote reward
model protocol), ``GET /health``. See docs/server.md.

Example::

    from hymar.integrations.server import ServeSettings, create_app
    from hymar.rewards.hybrid import HybridReward

    app = create_app(HybridReward.from_preset("rule-only"), ServeSettings(token="secret"))
"""

from __future__ import annotations

from hymar.integrations.server.app import create_app
from hymar.integrations.server.launch import serve
from hymar.integrations.server.protocol import RequestError
from hymar.integrations.server.settings import ServeSettings

__all__ = ["RequestError", "ServeSettings", "create_app", "serve"]
