"""TRL adapter: a hymar reward as `GRPOTrainer` reward functions, with every component logged.

Usage::

    from trl import GRPOConfig, GRPOTrainer
    from hymar.integrations.trl import make_reward_funcs

    funcs, weights = make_reward_funcs("hybrid-aspects")      # a HybridReward, preset name or config path
    args = GRPOConfig(..., reward_weights=weights)
    trainer = GRPOTrainer(model, reward_funcs=funcs, args=args, train_dataset=dataset)

What TRL 1.16 does with reward functions (read in ``trl/trainer/grpo_trainer.py``):

- ``_calculate_rewards`` calls each function as ``f(prompts=, completions=, completion_ids=, **kwargs)``
  where kwargs are every dataset column except prompt/completion (one value per completion, repeated
  over the group) plus ``trainer_state``, ``log_extra(column, values)``, ``log_metric(name, value)`` and
  ``environments`` (only with environment factories). Prompts and completions are strings, or chat
  message lists for conversational datasets (a completion is ``[{"role": "assistant", ...}]``).
- A function is async when its ``__call__`` is a coroutine function (``is_async_callable`` inspects the
  instance *and* its ``__call__``). Async functions run after all sync ones, together under
  ``asyncio.gather`` on a daemon thread's event loop (``run_coroutine_threadsafe``), so anything that
  relies on the main thread (signal-based timeouts) must not run there.
- None entries become NaN. Totals are ``(rewards_per_func * reward_weights).nansum(dim=1)`` (both in
  "sum_then_normalize" and, after per-function group normalisation, "normalize_then_sum"), so a NaN
  column with weight 0 adds nothing (NaN * 0 = NaN, skipped by nansum). A row that is NaN in *every*
  column is "unscorable": its total is set to NaN and its advantage to 0.
- Each function is logged as ``rewards/<name>/mean|std`` (nanmean/nanstd over the batch gathered from
  all ranks), where ``name`` is ``getattr(func, "__name__", type(func).__name__)``.
- Extra scalars: TRL 1.16 passes ``log_metric(name, value)``; values are averaged over ranks and over the
  logging interval and reported next to ``kl``/``entropy``. A NaN value would poison that average, so we
  never send one.

Design, given that: one total function named ``hymar`` (weight 1.0) does the single scoring of the batch.
Per-component *values* are exposed as zero-weight "view" functions named after the components, so TRL
logs ``rewards/<component>/mean|std`` over the global batch and shows them in its completions table;
they read the total's cached `RewardResult` (one scoring per batch whichever function TRL calls first),
found by the identity of the argument lists TRL hands every function of a step, or, for other lists,
by a hash of the batch's content.
Metrics TRL cannot derive from values (``rewards/<component>/confidence`` and ``.../invalid_rate``) go
through ``log_metric``; without views the total also sends ``mean``/``std`` that way. A view returns NaN
where its component does not apply and wherever the total is NaN, so views never change which rows TRL
considers unscorable.

Weight schedules (`hymar.rewards.schedules`): each call hands ``trainer_state``'s ``global_step`` and
``max_steps`` to the reward (``HybridReward.set_training_step``) before scoring, and logs every
scheduled weight as ``weights/<component>`` plus ``weights/progress`` through ``log_metric``.

Faults never stop training: each component runs under its guard (deadline, circuit breaker; see
`hymar.rewards.guard`), and anything else that fails while scoring a batch (malformed arguments, a bug in
the combiner) gives NaN totals for that batch, every component invalid with the reason, and one warning
on the ``hymar.integrations.trl`` logger; ``rewards/<component>/invalid_rate`` then reads 1.0.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from hymar.integrations.batch_cache import TRAINER_KWARGS, BatchCache, SameArguments, batch_key, prompt_key
from hymar.rewards.hybrid import resolve_reward
from hymar.rewards.isolation import score_isolated
from hymar.rewards.presets import DEFAULT_PRESET
from hymar.rewards.types import (
    RewardResult,
    RewardSpec,
    Sample,
    Score,
    component_metrics,
    prompt_to_text,
)

logger = logging.getLogger(__name__)

TOTAL_NAME = "hymar"
"""TRL logs the total reward function as ``rewards/hymar/mean|std``."""

ANSWER_COLUMNS = ("answer", "solution", "gold")
"""Dataset columns read as the gold answer, first present wins."""

IMAGE_COLUMNS = ("images", "image")
"""Dataset columns read as the prompt's images (a single image is wrapped in a list)."""

_SAMPLE_COLUMNS = frozenset({*ANSWER_COLUMNS, *IMAGE_COLUMNS, "reference", "task", "constraints"})


# ----------------------------------------------------------------------------- reward resolution
# ----------------------------------------------------------------------------- TRL args -> Samples
def completion_to_text(completion: Any) -> str:
    """The model's text: a plain string as is; for chat messages, the assistant turns' text joined.

    Tool results inside a multi-turn completion are not the model's words, so only assistant (or
    role-less) messages count.
    """
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        completion = [completion]
    own = [m for m in completion if not isinstance(m, Mapping) or m.get("role", "assistant") == "assistant"]
    return prompt_to_text(own)


def build_samples(prompts: Sequence[Any], completions: Sequence[Any], columns: Mapping[str, Sequence[Any]]) -> list[Sample]:
    """One `Sample` per completion from TRL's reward-function arguments.

    Column mapping: answer/solution/gold -> ``answer`` (first present, converted to str), reference,
    task, constraints (a JSON string is decoded), images/image -> ``images``; every other dataset column
    goes to ``metadata``. TRL's own kwargs (trainer_state, log_metric, ...) are dropped, and so are
    values that are not lists (not dataset columns).

    Raises:
        ValueError: prompts, or a dataset column (a list or tuple), that does not have one value per
            completion; the message names the column. Dropping such a column silently turned every
            reward into 0.0 (the gold answers were gone).

    Args:
        prompts: strings or chat message lists, one per completion.
        completions: strings or assistant message lists.
        columns: the remaining keyword arguments TRL passed (each a list, one value per completion).
    Returns:
        The samples, in order.
    """
    n = len(completions)
    if len(prompts) != n:
        raise ValueError(f"got {len(prompts)} prompts for {n} completions")
    data = {k: v for k, v in columns.items() if k not in TRAINER_KWARGS and _is_column(k, v, n)}
    answer_col = next((c for c in ANSWER_COLUMNS if c in data), None)
    image_col = next((c for c in IMAGE_COLUMNS if c in data), None)
    extra = {k: v for k, v in data.items() if k not in _SAMPLE_COLUMNS}
    samples = []
    for i in range(n):
        samples.append(
            Sample(
                prompt=prompts[i] if prompts[i] is not None else "",
                completion=completion_to_text(completions[i]),
                images=_images(data[image_col][i]) if image_col else (),
                answer=_text_or_none(data[answer_col][i]) if answer_col else None,
                reference=_text_or_none(data["reference"][i]) if "reference" in data else None,
                task=_text_or_none(data["task"][i]) if "task" in data else None,
                constraints=_constraints(data["constraints"][i]) if "constraints" in data else None,
                metadata={k: v[i] for k, v in extra.items()},
            )
        )
    return samples


def _is_column(name: str, value: Any, n: int) -> bool:
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        return False
    if len(value) != n:
        raise ValueError(f"dataset column {name!r} has {len(value)} values for {n} completions; every column "
                         "needs one value per completion (TRL repeats a prompt's row over its group)")
    return True


def _text_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value if isinstance(value, str) else str(value)


def _images(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if v is not None)
    return (value,)


def _constraints(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


# ----------------------------------------------------------------------------- groups
def infer_groups(samples: Sequence[Sample], group_size: int | None = None) -> list[str]:
    """Group ids for TRL's batch layout: rollouts of one prompt are consecutive.

    TRL's ``RepeatSampler`` yields each prompt index ``num_generations`` times in a row, so a group is a
    maximal run of consecutive samples with the same `prompt_key`. The id is ``"<run>:<key>"``: the run
    index keeps two separate occurrences of the same prompt apart. With ``group_size`` (the trainer's
    ``num_generations``) a run longer than that is split into groups of ``group_size``, which separates a
    prompt that was drawn twice in a row.

    In multi-process training each rank scores only its local slice, which holds whole groups when
    ``per_device_train_batch_size * steps_per_generation`` is a multiple of ``num_generations``;
    `hymar train` checks that at setup (`hymar.train.ranks.check_whole_groups`). A user's own TRL
    script that breaks it would see a split group as two smaller ones.

    Args:
        samples: the batch, in TRL's order.
        group_size: optional expected rollouts per prompt.
    Returns:
        One group id per sample.
    """
    if group_size is not None and group_size < 1:
        raise ValueError(f"group_size must be >= 1, got {group_size}")
    groups: list[str] = []
    run, count, previous = -1, 0, None
    fingerprints: dict[int, bytes] = {}  # the samples (and their images) are alive for the whole loop
    for sample in samples:
        key = prompt_key(sample, fingerprints)
        if key != previous or (group_size is not None and count == group_size):
            run, count = run + 1, 0
        groups.append(f"{run}:{key}")
        previous, count = key, count + 1
    return groups


# ----------------------------------------------------------------------------- reward functions
class LastBatch:
    """Holds one ``(samples, result)`` pair; pickles empty (a copy in a worker process scores its own
    batches, and a batch's images need not travel)."""

    def __init__(self) -> None:
        self.value: tuple[list[Sample], RewardResult] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.value = None


class HymarRewardFunction:
    """A hymar reward as one TRL reward function ``(prompts, completions, **kwargs) -> list[float]``.

    Picklable (TRL and accelerate may copy reward functions into worker processes); the per-batch cache
    travels empty. ``__name__`` is "hymar", so TRL logs ``rewards/hymar/mean|std``.

    Args:
        reward: a `HybridReward`, preset name, config path or config mapping (see `resolve_reward`).
        group_size: rollouts per prompt (GRPO's ``num_generations``); refines group inference.
        log_components: send per-component metrics through TRL's ``log_metric`` hook when TRL offers it.
    Returns (when called):
        One float per completion; NaN where the hybrid reward left the total undefined (TRL then marks
        the row unscorable and zeroes its advantage).

    Example:
        >>> f = HymarRewardFunction("rule-only")                               # doctest: +SKIP
        >>> f(prompts=["2+2?"], completions=["<answer>4</answer>"], answer=["4"])  # doctest: +SKIP
        [1.0]
    """

    def __init__(self, reward: RewardSpec = DEFAULT_PRESET, *, group_size: int | None = None, log_components: bool = True):
        self.reward = resolve_reward(reward)
        self.group_size = group_size
        self.log_components = log_components
        self.__name__ = TOTAL_NAME
        self._cache = BatchCache()
        self._same = SameArguments()
        self._view_names: frozenset[str] = frozenset()
        self._last = LastBatch()

    @property
    def component_names(self) -> list[str]:
        return list(self.reward.component_names)

    @property
    def last_batch(self) -> tuple[list[Sample], RewardResult] | None:
        """The samples and result of the batch this function scored last (None before the first one);
        loggers read it instead of scoring again (`hymar.train.wandb_logging`)."""
        return self._last.value

    def score_batch(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> RewardResult:
        """Score TRL's arguments once per batch (shared with this function's views).

        Returns:
            The `RewardResult` for the batch.
        """
        step = getattr(kwargs.get("trainer_state"), "global_step", None)
        known = self._same.get(prompts, completions, kwargs, step)
        if known is not None:  # the same lists TRL handed the total (or another view) this step
            return known
        try:
            samples = build_samples(prompts, completions, kwargs)
            key = batch_key(samples, step)
            self._set_training_step(kwargs.get("trainer_state"))
        except Exception as err:  # noqa: BLE001 - malformed TRL arguments: invalid rewards, not a dead trainer
            return self._failed_batch(len(completions), err)
        result = self._cache.get_or_compute(key, lambda: self._score_safely(samples))
        self._same.put(prompts, completions, kwargs, step, result)
        self._last.value = (samples, result)
        return result

    def _score_safely(self, samples: list[Sample], groups: Sequence[Hashable] | None = None) -> RewardResult:
        """The reward of the batch; a group whose scoring raises gets NaN totals and invalid scores, the
        other groups their own rewards (`hymar.rewards.isolation`). ``groups`` default: `infer_groups`."""
        try:
            if groups is None:
                groups = infer_groups(samples, self.group_size)
            scored = score_isolated(self.reward, samples, groups, self.component_names)
        except Exception as err:  # noqa: BLE001 - a reward fault must never kill the trainer
            return self._failed_batch(len(samples), err)
        if scored.failed:
            reason = next(e for e in scored.errors if e is not None)
            logger.warning("hymar: %s; %d of the batch's %d rewards are None", reason, scored.failed, len(samples))
        return scored.result

    def _failed_batch(self, n: int, err: BaseException) -> RewardResult:
        """NaN totals (TRL: unscorable rows, advantage 0) and every component invalid with the reason."""
        reason = f"reward batch failed: {type(err).__name__}: {str(err)[:200]}"
        logger.warning("hymar: %s; the batch's %d rewards are None", reason, n)
        components = {name: [Score.invalid(reason) for _ in range(n)] for name in self.component_names}
        return RewardResult(rewards=[float("nan")] * n, components=components)

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
        result = self.score_batch(prompts, completions, **kwargs)
        self._log(result, kwargs.get("log_metric"))
        return [float(r) for r in result.rewards]

    def _set_training_step(self, trainer_state: Any) -> None:
        """Hand the trainer's step to a reward with weight schedules (`hymar.rewards.schedules`)."""
        setter = getattr(self.reward, "set_training_step", None)
        if setter is not None and trainer_state is not None:
            from hymar.rewards.schedules import trainer_step

            setter(*trainer_step(trainer_state))

    def _log(self, result: RewardResult, log_metric: Callable[[str, float], None] | None) -> None:
        """Send per-component metrics TRL cannot compute itself; NaN (nothing applied here) is skipped.
        Scheduled weights go out every step as ``weights/<component>`` with ``weights/progress``."""
        if not self.log_components or log_metric is None:
            return
        scheduled = getattr(self.reward, "scheduled_weights", None)
        weights = scheduled() if scheduled is not None else {}
        if weights:
            from hymar.rewards.schedules import progress

            for name, weight in weights.items():
                log_metric(f"weights/{name}", float(weight))
            log_metric("weights/progress", progress(*self.reward.training_step))
        for name, scores in result.components.items():
            stats = component_metrics(name, scores)
            for metric, value in stats.items():
                kind = metric.rsplit("/", 1)[-1]
                if name in self._view_names and kind in ("mean", "std"):
                    continue  # TRL already logs the view's values over the gathered batch
                if math.isfinite(value):
                    log_metric(metric, value)

    def views(self) -> list[ComponentView]:
        """One zero-weight view function per component, sharing this function's cache."""
        self._view_names = frozenset(self.component_names)
        return [self._view_class()(self, name) for name in self.component_names]

    def _view_class(self) -> type[ComponentView]:
        return ComponentView


class AsyncHymarRewardFunction(HymarRewardFunction):
    """`HymarRewardFunction` as a TRL async reward function: scoring runs in a worker thread.

    TRL awaits async reward functions on its event-loop thread; ``asyncio.to_thread`` keeps the loop free
    for other async rewards (e.g. an HTTP judge) while hymar scores. Components that use signal-based
    timeouts must not be used here (they raise outside the main thread).
    """

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
        result = await asyncio.to_thread(self.score_batch, prompts, completions, **kwargs)
        self._log(result, kwargs.get("log_metric"))
        return [float(r) for r in result.rewards]

    def _view_class(self) -> type[ComponentView]:
        return AsyncComponentView


class ComponentView:
    """A zero-weight TRL reward function that reports one component's values (``__name__`` = component).

    Reads the owner's cached result for the batch (scoring it if TRL happens to call the view first).
    Returns NaN where the component does not apply or is invalid, and where the total is NaN.
    """

    def __init__(self, owner: HymarRewardFunction, component: str):
        self.owner = owner
        self.component = component
        self.__name__ = component

    def values(self, result: RewardResult) -> list[float]:
        nan = float("nan")
        return [
            float(s.value) if s.applies and math.isfinite(total) else nan
            for s, total in zip(result.components[self.component], result.rewards)
        ]

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
        return self.values(self.owner.score_batch(prompts, completions, **kwargs))


class AsyncComponentView(ComponentView):
    """`ComponentView` for an async owner; waits for the shared result in a worker thread."""

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
        result = await asyncio.to_thread(self.owner.score_batch, prompts, completions, **kwargs)
        return self.values(result)


def make_reward_funcs(
    reward: RewardSpec = DEFAULT_PRESET,
    *,
    log_components: bool = True,
    asynchronous: bool = False,
    group_size: int | None = None,
) -> tuple[list[Callable[..., Any]], list[float]]:
    """TRL ``reward_funcs`` and the matching ``GRPOConfig.reward_weights`` for a hymar reward.

    Args:
        reward: a `HybridReward`, preset name, config path or config mapping.
        log_components: add one view function per component (weight 0.0) so TRL logs
            ``rewards/<component>/mean|std``, and log ``.../confidence|invalid_rate`` via ``log_metric``.
        asynchronous: build the async variants (scoring off TRL's event-loop thread).
        group_size: rollouts per prompt (``num_generations``), see `infer_groups`.
    Returns:
        ``(funcs, weights)``: the total function named "hymar" with weight 1.0, then the views with 0.0.
        Pass ``reward_funcs=funcs`` and ``GRPOConfig(reward_weights=weights)``.
    """
    cls = AsyncHymarRewardFunction if asynchronous else HymarRewardFunction
    total = cls(reward, group_size=group_size, log_components=log_components)
    funcs: list[Callable[..., Any]] = [total]
    if log_components:
        if TOTAL_NAME in total.component_names:
            raise ValueError(f"a component named {TOTAL_NAME!r} would collide with the total in TRL's logs")
        funcs.extend(total.views())
    return funcs, [1.0] + [0.0] * (len(funcs) - 1)


__all__ = [
    "AsyncComponentView",
    "AsyncHymarRewardFunction",
    "ComponentView",
    "HymarRewardFunction",
    "build_samples",
    "completion_to_text",
    "infer_groups",
    "make_reward_funcs",
    "prompt_key",
    "resolve_reward",
]
