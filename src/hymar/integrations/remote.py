"""Client of `hymar serve`: a reward that scores over HTTP, and verl reward functions that use it.

`RemoteReward` behaves like a `HybridReward` (``component_names`` and ``__call__(samples, groups) ->
RewardResult``), so it can stand in wherever hymar takes a reward object, e.g.
``hymar.integrations.trl.make_reward_funcs(RemoteReward(url))``. It sends ``POST /score`` with
`hymar score` records and reads the scored records back.

verl: point ``custom_reward_function.path`` at this module's file and ``name`` at `compute_score`
(or `compute_score_batch` with ``reward_manager=batch``), and export ``HYMAR_REWARD_URL`` (e.g.
``http://127.0.0.1:8000``) and, when the server has one, ``HYMAR_SERVE_TOKEN``. The functions take
verl's arguments exactly as `hymar.integrations.verl` does and return the same dicts; the reward is
whatever the server serves (``hymar_preset`` in extra_info is ignored). The URL may also come from
the ``hymar_url`` reward kwarg.

Errors: an unreachable server, an HTTP error status or a malformed answer raises
`RemoteRewardError` naming the URL and status. Connection failures and 503 (server busy) are retried
``retries`` times, waiting the server's Retry-After (at most 5 s).
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from hymar.rewards.types import RewardResult, Sample, Score, default_groups

URL_ENV = "HYMAR_REWARD_URL"
TOKEN_ENV = "HYMAR_SERVE_TOKEN"
_MAX_RETRY_WAIT = 5.0


class RemoteRewardError(RuntimeError):
    """The reward server could not score a request.

    Attributes:
        url: the URL called.
        status: the HTTP status, or None when no response came back.
    """

    def __init__(self, url: str, status: int | None, message: str) -> None:
        where = f"{url}: HTTP {status}" if status is not None else url
        super().__init__(f"{where}: {message}")
        self.url = url
        self.status = status


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: numpy scalars/arrays via item()/tolist(), non-finite floats as
    None, tuples and sets as lists, anything else unknown as its str()."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    for attr in ("tolist", "item"):  # numpy / torch values from verl's parquet rows
        method = getattr(value, attr, None)
        if callable(method):
            try:
                return jsonable(method())
            except (TypeError, ValueError):
                break
    return str(value)


def sample_to_record(sample: Sample | Mapping[str, Any], group: Any = None) -> dict[str, Any]:
    """A `hymar score` record for one sample (a mapping is taken as a record already).

    Raises:
        TypeError: an image that is not a file path (the server opens images by path, inside its
            ``--image-root``).
    """
    if isinstance(sample, Mapping):
        record = jsonable(sample)
    else:
        for i, image in enumerate(sample.images):
            if not isinstance(image, (str, os.PathLike)):
                raise TypeError(f"images[{i}]: a remote reward takes image paths, got {type(image).__name__}")
        record = {"prompt": jsonable(sample.prompt), "completion": sample.completion}
        for key in ("answer", "reference", "task"):
            value = getattr(sample, key)
            if value is not None:
                record[key] = value
        if sample.constraints is not None:
            record["constraints"] = jsonable(sample.constraints)
        if sample.metadata:
            record["metadata"] = jsonable(sample.metadata)
        if sample.images:
            record["images"] = [os.fspath(p) for p in sample.images]
    if group is not None:
        record["group"] = group
    return record


class RemoteReward:
    """A hymar reward served by `hymar serve`, called over HTTP.

    Args:
        url: the server's base URL (``http://127.0.0.1:8000``; a trailing ``/score`` is accepted).
        token: bearer token; None reads ``HYMAR_SERVE_TOKEN``.
        timeout: seconds per HTTP request.
        retries: extra attempts after a connection failure or a 503.

    Example::

        reward = RemoteReward("http://127.0.0.1:8000")
        reward([Sample(prompt="2+2?", completion="<answer>4</answer>", answer="4")]).rewards  # [1.0]
    """

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0, retries: int = 2) -> None:
        base = url.rstrip("/").removesuffix("/score")
        if not base.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, got {url!r}")
        self.url = base
        self.token = token if token is not None else (os.environ.get(TOKEN_ENV) or None)
        self.timeout = float(timeout)
        self.retries = int(retries)
        self._client: Any = None
        self._names: list[str] | None = None
        self._lock = threading.Lock()

    # -- pickling: rollout workers get a fresh connection pool ---------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_client"] = None
        state["_lock"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        import httpx

        with self._lock:
            if self._client is None:
                headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
                self._client = httpx.Client(timeout=self.timeout, headers=headers)
            return self._client

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> RemoteReward:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- HTTP -------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, payload: Any = None) -> Any:
        import httpx

        url = self.url + path
        # ASCII JSON: a completion with a lone surrogate must still travel (UTF-8 cannot encode it)
        content = None if payload is None else json.dumps(payload, ensure_ascii=True, allow_nan=False).encode("ascii")
        headers = {"Content-Type": "application/json"} if content is not None else None
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self.client.request(method, url, content=content, headers=headers)
            except httpx.TimeoutException as err:
                raise RemoteRewardError(url, None, f"no answer within {self.timeout:g} s ({type(err).__name__})") from err
            except httpx.TransportError as err:
                if last:
                    raise RemoteRewardError(url, None, f"cannot connect: {type(err).__name__}: {err}") from err
                time.sleep(min(_MAX_RETRY_WAIT, 0.2 * 2**attempt))
                continue
            if response.status_code == 503 and not last:
                time.sleep(_retry_after(response))
                continue
            if response.status_code != 200:
                raise RemoteRewardError(url, response.status_code, _error_text(response))
            try:
                return response.json()
            except ValueError as err:
                raise RemoteRewardError(url, 200, f"answer is not JSON: {err}") from err
        raise AssertionError("unreachable")

    def health(self) -> dict[str, Any]:
        """The server's ``GET /health`` answer."""
        data = self._request("GET", "/health")
        if not isinstance(data, dict):
            raise RemoteRewardError(self.url + "/health", 200, "answer is not a JSON object")
        return data

    @property
    def component_names(self) -> list[str]:
        """The served reward's components (asked once from /health)."""
        if self._names is None:
            names = self.health().get("components")
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise RemoteRewardError(self.url + "/health", 200, "answer has no 'components' list")
            self._names = names
        return list(self._names)

    def score_records(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """POST records to /score.

        Args:
            records: `hymar score` input records.
        Returns:
            The scored records, in order (an item the server could not read is ``{"id", "index", "error"}``).
        Raises:
            RemoteRewardError: naming the URL and status.
        """
        out = self._request("POST", "/score", [jsonable(r) for r in records])
        if not isinstance(out, list) or len(out) != len(records):
            raise RemoteRewardError(self.url + "/score", 200, f"expected a list of {len(records)} records")
        return out

    def __call__(
        self, samples: Sequence[Sample | Mapping[str, Any]], groups: Sequence[Hashable] | None = None
    ) -> RewardResult:
        """Score a batch on the server, with group ids for group-relative terms.

        Args:
            samples: Samples (or `hymar score` records).
            groups: one group id per sample (any hashable; only equality matters); None = each alone.
        Returns:
            The `RewardResult` the server computed; a sample the server refused gets a NaN total and
            every component invalid with the server's reason.
        """
        samples = list(samples)
        groups = default_groups(len(samples), groups)
        ids: dict[Hashable, int] = {}
        records = [sample_to_record(s, ids.setdefault(g, len(ids))) for s, g in zip(samples, groups)]
        scored = self.score_records(records) if records else []
        names = self.component_names
        rewards: list[float] = []
        components: dict[str, list[Score]] = {name: [] for name in names}
        for i, record in enumerate(scored):
            try:
                total, scores = _parse_scored(record, names)
            except (KeyError, TypeError, ValueError) as err:
                raise RemoteRewardError(self.url + "/score", 200, f"record {i}: malformed: {err}") from err
            rewards.append(total)
            for name in names:
                components[name].append(scores[name])
        return RewardResult(rewards=rewards, components=components)


def _parse_scored(record: Mapping[str, Any], names: Sequence[str]) -> tuple[float, dict[str, Score]]:
    if "error" in record and "components" not in record:
        reason = f"server refused the record: {record['error']}"
        return float("nan"), {name: Score.invalid(reason) for name in names}
    total = record["reward"]
    parts = record["components"]
    scores = {}
    for name in names:
        d = dict(parts[name])
        value, confidence, valid = d.pop("value"), d.pop("confidence"), d.pop("valid")
        scores[name] = Score(None if value is None else float(value), float(confidence), bool(valid), d)
    return (float("nan") if total is None else float(total)), scores


def _retry_after(response: Any) -> float:
    try:
        return max(0.0, min(_MAX_RETRY_WAIT, float(response.headers.get("retry-after", "1"))))
    except ValueError:
        return 1.0


def _error_text(response: Any) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(data, dict) and "error" in data:
        return str(data["error"])[:500]
    return str(data)[:300]


# ----------------------------------------------------------------------------- verl entry points
_CLIENTS: dict[tuple[str, str | None, int], RemoteReward] = {}
_CLIENTS_LOCK = threading.Lock()


def reward_from_env(url: str | None = None) -> RemoteReward:
    """The process's client for ``url`` (default: ``$HYMAR_REWARD_URL``), built once per process.

    Raises:
        RemoteRewardError: when no URL is given and the variable is not set.
    """
    url = url or os.environ.get(URL_ENV)
    if not url:
        raise RemoteRewardError("(no url)", None, f"set {URL_ENV} to the reward server, e.g. http://127.0.0.1:8000")
    key = (url, os.environ.get(TOKEN_ENV), os.getpid())
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = RemoteReward(url)
        return client


def compute_score(
    data_source: Any, solution_str: str, ground_truth: Any, extra_info: Mapping[str, Any] | None = None, **kwargs: Any
) -> dict[str, float]:
    """verl per-sample custom reward function, scored by the server at ``$HYMAR_REWARD_URL``.

    Args:
        data_source, solution_str, ground_truth, extra_info: as in `hymar.integrations.verl.compute_score`.
        **kwargs: verl's ``reward_kwargs``; ``hymar_url`` overrides the environment variable.
    Returns:
        ``{"score", "scorable", "acc", <component>: value, ...}`` as `hymar.integrations.verl` returns.
    """
    from hymar.integrations.verl import build_sample, result_dicts

    sample = build_sample(data_source, solution_str, ground_truth, extra_info)
    return result_dicts(reward_from_env(kwargs.get("hymar_url"))([sample]))[0]


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
    **kwargs: Any,
) -> list[dict[str, float]]:
    """verl batch custom reward function (``reward_manager=batch``), one server call per batch.

    Groups are derived as in `hymar.integrations.verl.batch_groups` (explicit id in extra_info, else
    the prompt), so group-relative terms see whole groups.

    Returns:
        One result dict per sample, in order.
    """
    from hymar.integrations.verl import batch_samples, result_dicts

    samples, groups, _ = batch_samples(data_sources, solution_strs, ground_truths, extra_infos)
    return result_dicts(reward_from_env(kwargs.get("hymar_url"))(samples, groups))


__all__ = [
    "RemoteReward",
    "RemoteRewardError",
    "compute_score",
    "compute_score_batch",
    "reward_from_env",
    "sample_to_record",
]
