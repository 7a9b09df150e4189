"""`LLMJudge`: a reward from an LLM judge behind an OpenAI-compatible chat-completions endpoint.

Each sample is rendered into a rubric prompt (see ``judge_prompt.DEFAULT_RUBRIC``), sent to
``{base_url}/chat/completions`` (vLLM, SGLang, llama.cpp server, TGI, OpenAI ...), and the score in
the reply is mapped from [low, high] to [0, 1]. Requests run concurrently in a small thread pool,
each with a timeout and bounded retries (exponential backoff) on HTTP 429/5xx and connection
errors. Whatever goes wrong for a sample makes that sample's score invalid with a short reason
("judge timeout", "judge HTTP 500", "unparseable judge reply", ...). The one exception: when no request
of a batch reached the judge at all (every one refused the connection or got a gateway 502/503/504),
the endpoint is down, and `score` raises `hymar.rewards.guard.ComponentUnavailable` so that the
component's circuit breaker counts the batch as failed. Timeouts and other statuses stay per sample:
they can be caused by the input (a huge completion), and the breaker must not open on input.

The API key is read from the environment variable named by ``api_key_env`` at request time: it is
never stored on the component (so never pickled) and never logged.

Example::

    judge = LLMJudge(base_url="http://localhost:8000/v1", model="Qwen/Qwen2.5-7B-Instruct")
    judge([Sample(prompt="Name a prime.", completion="7")])
"""

from __future__ import annotations

import os
import time
from collections.abc import Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from hymar.rewards.base import RewardComponent
from hymar.rewards.guard import JUDGE_DEFAULT_TIMEOUT_S, ComponentUnavailable
from hymar.rewards.model.judge_prompt import (
    DEFAULT_RUBRIC,
    image_data_url,
    parse_score,
    render_prompt,
)
from hymar.rewards.model.text import strip_think
from hymar.rewards.types import Sample, Score

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# Statuses a proxy in front of a judge that is down answers: like a refused connection, they say
# nothing about the request.
_DOWN_STATUS = frozenset({502, 503, 504})
_MAX_SNIPPET = 120


@dataclass(frozen=True)
class JudgeConfig:
    """Options of `LLMJudge`.

    Args:
        base_url: endpoint root, e.g. "http://localhost:8000/v1" ("/chat/completions" is appended).
        model: the model name sent in the request.
        api_key_env: name of the environment variable holding the API key (unset/empty = no
            Authorization header, as local servers expect).
        rubric: prompt template; fields {prompt} {completion} {reference} {answer} {low} {high}.
        system: optional system message.
        low, high: the score scale the rubric asks for (1-10 by default; 0-1 works too).
        timeout: seconds per HTTP request (connect and read).
        max_retries: extra attempts after a 429/5xx/connection error (timeouts are not retried:
            a judge that is too slow once is likely too slow again, and each try costs `timeout`).
        backoff: first retry delay in seconds, doubled each retry, capped at `max_backoff`.
        max_workers: concurrent requests.
        max_tokens, temperature: generation settings sent to the judge.
        include_images: send the sample's images as base64 data URLs.
        strip_reasoning: cut ``<think>`` blocks from the completion before judging.
    """

    base_url: str
    model: str
    api_key_env: str | None = "OPENAI_API_KEY"
    rubric: str = DEFAULT_RUBRIC
    system: str | None = None
    low: float = 1.0
    high: float = 10.0
    timeout: float = 30.0
    max_retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_workers: int = 4
    max_tokens: int = 256
    temperature: float = 0.0
    include_images: bool = False
    strip_reasoning: bool = True

    def __post_init__(self) -> None:
        if not self.high > self.low:
            raise ValueError(f"high must exceed low, got low={self.low} high={self.high}")
        if self.timeout <= 0 or self.max_workers < 1 or self.max_retries < 0 or self.backoff < 0:
            raise ValueError("timeout > 0, max_workers >= 1, max_retries >= 0 and backoff >= 0 are required")
        if "{completion}" not in self.rubric:
            raise ValueError("the rubric must contain the {completion} field")


class _JudgeFailure(Exception):
    """One request failed for good; the message is the invalid reason. ``unreachable``: the judge
    itself did not answer (connection refused, gateway status), as opposed to answering badly."""

    def __init__(self, reason: str, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.unreachable = unreachable


class LLMJudge(RewardComponent):
    """Score samples with an LLM judge over HTTP.

    Args:
        base_url, model, **options: see `JudgeConfig`.

    Returns (per sample): Score(value=(s - low) / (high - low), info={"judge_score": s}), or
    Score.invalid(reason) when the judge could not be asked or its reply had no score.
    """

    name = "judge"
    uses_model = True
    default_timeout_s = JUDGE_DEFAULT_TIMEOUT_S

    def __init__(self, base_url: str, model: str, **options: Any) -> None:
        self.config = JudgeConfig(base_url=base_url.rstrip("/"), model=model, **options)
        import requests  # noqa: F401 - fail at construction, not per sample, when it is missing

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        if not samples:
            return []
        workers = min(self.config.max_workers, len(samples))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hymar-judge") as pool:
            outcomes = list(pool.map(self._score_one_safe, samples))
        unreachable = [down for _, down in outcomes if down is not None]
        if unreachable and len(unreachable) == len(outcomes):
            raise ComponentUnavailable(unreachable[0])
        return [score for score, _ in outcomes]

    def _score_one_safe(self, sample: Sample) -> tuple[Score, str | None]:
        """The sample's score, and the reason when the judge could not be reached for it."""
        try:
            return self._score_one(sample)
        except Exception as err:  # noqa: BLE001 - one odd sample must not sink the batch
            return Score.invalid(f"judge error: {type(err).__name__}"), None

    def _score_one(self, sample: Sample) -> tuple[Score, str | None]:
        cfg = self.config
        completion = strip_think(sample.completion) if cfg.strip_reasoning else sample.completion
        if not completion.strip():
            return Score(0.0, confidence=1.0, info={"reason": "empty completion"}), None
        try:
            payload = self._payload(sample, completion)
            reply = self._request(payload)
        except _JudgeFailure as err:
            return Score.invalid(str(err)), (str(err) if err.unreachable else None)
        value = parse_score(reply, cfg.low, cfg.high)
        if value is None:
            return Score.invalid("unparseable judge reply", reply=reply[:_MAX_SNIPPET]), None
        return Score((value - cfg.low) / (cfg.high - cfg.low), confidence=1.0, info={"judge_score": value}), None

    def _payload(self, sample: Sample, completion: str) -> dict[str, Any]:
        cfg = self.config
        fields = {
            "prompt": sample.prompt_text,
            "completion": completion,
            "reference": sample.reference or "",
            "answer": sample.answer or "",
            "low": f"{cfg.low:g}",
            "high": f"{cfg.high:g}",
        }
        text = render_prompt(cfg.rubric, fields)
        content: str | list[dict[str, Any]] = text
        if cfg.include_images and sample.images:
            try:
                urls = [image_data_url(im) for im in sample.images]
            except Exception as err:  # noqa: BLE001 - a missing or odd image spoils only its sample
                raise _JudgeFailure(f"judge image error: {type(err).__name__}") from err
            content = [{"type": "text", "text": text}] + [{"type": "image_url", "image_url": {"url": u}} for u in urls]
        messages: list[dict[str, Any]] = [{"role": "system", "content": cfg.system}] if cfg.system else []
        messages.append({"role": "user", "content": content})
        return {"model": cfg.model, "messages": messages, "max_tokens": cfg.max_tokens, "temperature": cfg.temperature}

    def _request(self, payload: dict[str, Any]) -> str:
        """POST with retries; the reply text, or _JudgeFailure with the invalid reason."""
        import requests

        cfg = self.config
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(cfg.api_key_env, "") if cfg.api_key_env else ""
        if key:
            headers["Authorization"] = f"Bearer {key}"
        url = f"{cfg.base_url}/chat/completions"
        reason, unreachable = "judge request failed", False
        for attempt in range(cfg.max_retries + 1):
            retry_after: float | None = None
            try:
                response = requests.post(url, json=payload, headers=headers, timeout=cfg.timeout)
            except requests.exceptions.Timeout:
                # ConnectTimeout is also a ConnectionError: checked first, so a timeout is a timeout
                raise _JudgeFailure("judge timeout") from None
            except requests.exceptions.ConnectionError:
                reason, unreachable = "judge connection error", True
            except requests.exceptions.RequestException as err:
                raise _JudgeFailure(f"judge request error: {type(err).__name__}") from None
            else:
                if response.status_code == 200:
                    return _reply_text(response)
                reason, unreachable = f"judge HTTP {response.status_code}", response.status_code in _DOWN_STATUS
                if response.status_code not in _RETRY_STATUS:
                    raise _JudgeFailure(reason)
                retry_after = _retry_after(response)
            if attempt < cfg.max_retries:
                delay = cfg.backoff * (2**attempt) if retry_after is None else retry_after
                time.sleep(min(delay, cfg.max_backoff))
        raise _JudgeFailure(reason, unreachable)


def _reply_text(response: Any) -> str:
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise _JudgeFailure("malformed judge response") from None
    if isinstance(content, list):  # some servers return content parts
        content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    if not isinstance(content, str):
        raise _JudgeFailure("malformed judge response")
    return content


def _retry_after(response: Any) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
