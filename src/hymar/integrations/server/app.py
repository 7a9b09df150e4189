"""The FastAPI application of `hymar serve`: POST /score, POST /get_reward, GET /health.

Every endpoint checks the bearer token first (when one is set); the POST endpoints then read the body
under the size limit (and the body read timeout) and hand the rest (decode, score, encode) to the
`ScoringPool`. Refusals are ``{"error": message}`` with a 4xx/5xx status: 400 malformed JSON, 401 auth,
408 body not received in time, 413 body too large, 422 wrong shape or types (naming the field and
index), 503 queue full (Retry-After), 504 deadline, 500 for an unexpected failure outside the reward.
A reward that raises costs only the groups that make it raise: their records get error records on
/score and reward 0.0 with ``hymar_scorable`` 0.0 on /get_reward (see `hymar.rewards.isolation`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from hymar.integrations.server.limits import authorize, read_body
from hymar.integrations.server.openrlhf import score_openrlhf
from hymar.integrations.server.protocol import RequestError, dumps, parse_json
from hymar.integrations.server.records import encode_records, score_records
from hymar.integrations.server.settings import ServeSettings
from hymar.integrations.server.worker import ScoringPool
from hymar.rewards.types import Reward

logger = logging.getLogger("hymar.serve")
JSON = "application/json"


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A response with ASCII, finite-only JSON (see `hymar.integrations.server.protocol.dumps`)."""
    return Response(dumps(value), status_code=status, media_type=JSON, headers=headers)


def create_app(reward: Reward, settings: ServeSettings | None = None) -> FastAPI:
    """The reward server application.

    Args:
        reward: a `HybridReward` (or any object with ``component_names`` and
            ``__call__(samples, groups) -> RewardResult``).
        settings: limits and options (defaults: loopback, no token, 2 workers, see `ServeSettings`).
    Returns:
        A FastAPI app; ``app.state.pool`` is its `ScoringPool`.
    """
    settings = settings or ServeSettings()
    pool = ScoringPool(reward, settings)
    image_root = Path(settings.image_root) if settings.image_root else None
    names = list(reward.component_names)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    # no /docs or /openapi.json: nothing served that the token does not guard
    app = FastAPI(title="hymar reward server", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.pool = pool
    app.state.settings = settings

    @app.exception_handler(RequestError)
    async def _refused(_: Request, err: RequestError) -> Response:
        return json_response({"error": err.message}, err.status, err.headers)

    async def _score(request: Request, work: Callable[[Any], Any]) -> Response:
        authorize(request.headers, settings.token)
        body = await read_body(request, settings.max_body_bytes, settings.body_timeout)

        def job() -> bytes:
            try:
                answer = work(parse_json(body))
                return answer if isinstance(answer, bytes) else dumps(answer)
            except RequestError:
                raise
            except Exception as err:  # a failing reward must not take the server down
                logger.exception("scoring failed")
                raise RequestError(500, f"scoring failed: {type(err).__name__}: {str(err)[:300]}") from None

        # The client's connection is its fault scope: what it breaks stays with it (see worker.py).
        return Response(await pool.run(job, scope=request.client), media_type=JSON)

    @app.post("/score")
    async def score(request: Request) -> Response:
        """Body: a JSON list of `hymar score` records. Returns the records scored, in order."""
        return await _score(
            request,
            lambda body: encode_records(score_records(body, pool.call_reward, settings.max_samples, image_root, names)),
        )

    @app.post("/get_reward")
    async def get_reward(request: Request) -> Response:
        """OpenRLHF remote RM protocol; see `hymar.integrations.server.openrlhf`."""
        return await _score(
            request,
            lambda body: score_openrlhf(
                body, pool.call_reward, names, settings.max_samples, settings.strip_suffixes, image_root
            ),
        )

    @app.get("/health")
    async def health(request: Request) -> Response:
        """Status, reward name, components, in-flight and queued counts, limits."""
        authorize(request.headers, settings.token)
        return json_response(
            {
                "status": "ok",
                "reward": settings.reward_name,
                "components": names,
                **pool.stats(),
                "max_concurrency": settings.max_concurrency,
                "max_queue": settings.max_queue,
                "max_samples": settings.max_samples,
                "max_body_bytes": settings.max_body_bytes,
                "request_timeout": settings.request_timeout,
                "thread_safe": pool.thread_safe,
                "serialized": pool.serialized,
            }
        )

    return app
