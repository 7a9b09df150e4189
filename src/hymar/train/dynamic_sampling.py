"""Dynamic sampling (DAPO, arXiv 2503.14476) on TRL's GRPO trainer, which lacks it (trl issue #3708).

A group whose rollouts all get the same outcome (all right or all wrong) has zero advantage under any
group-relative baseline: it costs a generation and teaches nothing, and it dilutes the step (with the
"dr_grpo" loss the constant normaliser counts its tokens). `DynamicSamplingGRPOTrainer` drops such
groups and refills the batch with groups of freshly drawn prompts, so every optimizer step sees as many
informative groups as it can get:

1. generate and score the step's batch as TRL does;
2. mark each group informative when its *outcome* varies: the binary correctness component
   (``outcome="accuracy"``, the rule verdict) even when the total reward is shaped by format or length
   terms, since a group all wrong but differently long carries length signal only; a group the
   outcome does not apply to (an open-ended prompt, where the component is NaN) is judged by the total
   reward instead;
3. while fewer groups are informative than the batch holds and rounds are left (``max_rounds``), draw
   that many prompts at random from the training set, generate and score them, keep their informative
   groups;
4. fill what is still missing with the dropped groups (the batch keeps its size, as TRL's buffers and
   loss normalisation expect) and log how it went: ``dynamic_sampling/informative_fraction`` (of the
   first round), ``dynamic_sampling/rounds`` (extra rounds) and ``dynamic_sampling/filled`` (dropped
   groups put back).

Rollouts of all rounds are merged row by row (`merge_rollouts`): prompt-side tensors are left-padded,
completion-side tensors right-padded, per-row image tensors regrouped with TRL's own
``split_pixel_values_by_grid``. One process only: ranks that refill a different number of times would
stop meeting at TRL's collective calls, so a multi-process run is refused at setup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from hymar.train.resumable import ResumableGRPOTrainer

#: the component whose variance marks a group informative, when the reward has it
DEFAULT_OUTCOME = "accuracy"
#: extra generation rounds per step at most
DEFAULT_MAX_ROUNDS = 2
#: tensors [rows, prompt_len] (left-padded by TRL)
_PROMPT_KEYS = ("prompt_ids", "prompt_mask")
#: tensors [rows, completion_len] (right-padded)
_COMPLETION_KEYS = (
    "completion_ids",
    "completion_mask",
    "old_per_token_logps",
    "ref_per_token_logps",
    "sampling_per_token_logps",
    "importance_sampling_ratio",
    "tool_mask",
)
#: tensors [rows, prompt_len + completion_len]
_SEQUENCE_KEYS = ("token_type_ids", "mm_token_type_ids")


def informative_groups(outcome: torch.Tensor, total: torch.Tensor, group_size: int) -> torch.Tensor:
    """Which groups' outcomes vary (see the module docstring).

    Args:
        outcome: per-rollout outcome, NaN where it does not apply; shape ``[groups * group_size]``.
        total: per-rollout total reward (NaN for an unscorable rollout); same shape.
        group_size: rollouts per group, consecutive.

    Returns:
        A bool tensor ``[groups]``.

    Raises:
        ValueError: the lengths differ or are not a multiple of ``group_size``.
    """
    if outcome.shape != total.shape or outcome.ndim != 1 or outcome.numel() % group_size:
        raise ValueError(
            f"outcome {tuple(outcome.shape)} and total {tuple(total.shape)} must be equal 1-D shapes, a multiple of group_size {group_size}"
        )
    outcome, total = outcome.view(-1, group_size), total.view(-1, group_size)
    applies = torch.isfinite(outcome).any(dim=1, keepdim=True)
    judged = torch.where(applies, outcome, total)
    return _varies(judged)


def _varies(values: torch.Tensor) -> torch.Tensor:
    """Per row: at least two finite values, and not all equal."""
    finite = torch.isfinite(values)
    big = torch.where(finite, values, torch.full_like(values, float("inf")))
    small = torch.where(finite, values, torch.full_like(values, float("-inf")))
    spread = small.max(dim=1).values - big.min(dim=1).values
    return (finite.sum(dim=1) >= 2) & (spread > 1e-9)


def merge_rollouts(batches: Sequence[dict[str, Any]], picks: Sequence[Sequence[int]], pad_token_id: int) -> dict[str, Any]:
    """One TRL rollout batch made of rows ``picks[i]`` of ``batches[i]``, in that order.

    Args:
        batches: outputs of ``GRPOTrainer._generate_and_score_completions``.
        picks: row indices to keep from each batch.
        pad_token_id: id written into padded prompt and completion positions (their masks are 0).

    Returns:
        A batch of the same keys; ``num_items_in_batch`` recounted over the kept completions.

    Raises:
        ValueError: a key this merge does not know how to pad (a newer TRL output); the message names it.
    """
    from trl.trainer.utils import split_pixel_values_by_grid, unsplit_pixel_values_by_grid

    if len(batches) != len(picks) or not batches:
        raise ValueError("merge_rollouts needs one list of picks per batch, and at least one batch")
    split = [split_pixel_values_by_grid(dict(b)) for b in batches]
    prompt_len = max(b["prompt_ids"].shape[1] for b in split)
    completion_len = max(b["completion_ids"].shape[1] for b in split)
    merged: dict[str, Any] = {}
    for key in split[0]:
        if key == "num_items_in_batch":
            continue
        parts = [_rows(b[key], rows) for b, rows in zip(split, picks, strict=True)]
        first = split[0][key]
        if key in _PROMPT_KEYS or key in _COMPLETION_KEYS or key in _SEQUENCE_KEYS:
            left = key in _PROMPT_KEYS
            pad = pad_token_id if key in ("prompt_ids", "completion_ids") else 0
            if key in _SEQUENCE_KEYS:
                parts = [_pad_sequence(p, b["prompt_ids"].shape[1], prompt_len, completion_len) for p, b in zip(parts, split, strict=True)]
                merged[key] = torch.cat(parts)
            else:
                width = prompt_len if left else completion_len
                merged[key] = torch.cat([_pad(p, width, pad, left=left) for p in parts])
        elif isinstance(first, list):
            merged[key] = [item for p in parts for item in p]
        elif isinstance(first, torch.Tensor) and first.ndim == 1:
            merged[key] = torch.cat(parts)
        elif isinstance(first, torch.Tensor) and first.ndim == 0:
            merged[key] = first
        else:
            raise ValueError(f"dynamic sampling cannot merge the rollout field {key!r} ({type(first).__name__})")
    merged["num_items_in_batch"] = merged["completion_mask"].sum()
    return unsplit_pixel_values_by_grid(merged)


def _rows(value: Any, rows: Sequence[int]) -> Any:
    if isinstance(value, torch.Tensor) and value.ndim >= 1:
        return value[list(rows)] if rows else value[:0]
    if isinstance(value, list):
        return [value[i] for i in rows]
    return value


def _pad(tensor: torch.Tensor, width: int, value: float, *, left: bool) -> torch.Tensor:
    missing = width - tensor.shape[1]
    if missing <= 0:
        return tensor
    filler = tensor.new_full((tensor.shape[0], missing, *tensor.shape[2:]), value)
    return torch.cat([filler, tensor] if left else [tensor, filler], dim=1)


def _pad_sequence(tensor: torch.Tensor, own_prompt: int, prompt_len: int, completion_len: int) -> torch.Tensor:
    prompt, completion = tensor[:, :own_prompt], tensor[:, own_prompt:]
    return torch.cat([_pad(prompt, prompt_len, 0, left=True), _pad(completion, completion_len, 0, left=False)], dim=1)


class DynamicSamplingGRPOTrainer(ResumableGRPOTrainer):
    """`ResumableGRPOTrainer` that drops zero-variance groups and refills the batch (module docstring).

    Args:
        *args, **kwargs: as ``GRPOTrainer``.
        outcome: reward component whose variance marks a group informative; the total reward when the
            reward has no such component (e.g. the ``model-only`` preset).
        max_rounds: extra generation rounds per step at most (each costs about one generation).
    """

    def __init__(self, *args: Any, outcome: str = DEFAULT_OUTCOME, max_rounds: int = DEFAULT_MAX_ROUNDS, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if max_rounds < 0:
            raise ValueError(f"dynamic sampling max_rounds must be >= 0, got {max_rounds}")
        if self.accelerator.num_processes > 1:
            raise ValueError("dynamic sampling runs on one process (ranks would refill different numbers of times); drop it or launch one process")
        self.outcome = outcome
        self.max_rounds = max_rounds
        self._last_rewards: torch.Tensor | None = None
        self._refill_generator = torch.Generator().manual_seed(int(self.args.seed))

    def _calculate_rewards(self, inputs: Any, prompts: Any, completions: Any, completion_ids_list: Any) -> torch.Tensor:
        rewards = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        self._last_rewards = rewards.detach().float().cpu()
        return rewards

    def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        if not self.model.training:
            return super()._generate_and_score_completions(inputs)
        size = self.num_generations
        wanted = len(inputs) // size
        batches, keep, spare = [], [], []
        informative_first: float | None = None
        rounds = 0
        batch_inputs = inputs
        while True:
            batch = super()._generate_and_score_completions(batch_inputs)
            flags = self._informative(len(batch_inputs))
            if informative_first is None:
                informative_first = float(flags.float().mean())
            index = len(batches)
            batches.append(batch)
            for g, ok in enumerate(flags.tolist()):
                (keep if ok else spare).append((index, g))
            missing = wanted - len(keep)
            if missing <= 0 or rounds >= self.max_rounds:
                break
            rounds += 1
            batch_inputs = self._draw_prompts(missing)
        chosen = (keep + spare)[:wanted]
        filled = max(0, wanted - len(keep))
        picks: list[list[int]] = [[] for _ in batches]
        for index, g in sorted(chosen):
            picks[index].extend(range(g * size, (g + 1) * size))
        metrics = self._metrics["train"]
        metrics["dynamic_sampling/informative_fraction"].append(informative_first or 0.0)
        metrics["dynamic_sampling/rounds"].append(float(rounds))
        metrics["dynamic_sampling/filled"].append(float(filled))
        if len(batches) == 1 and len(picks[0]) == len(inputs):
            return batches[0]
        return merge_rollouts(batches, picks, self._pad_token_id())

    def _informative(self, rows: int) -> torch.Tensor:
        rewards = self._last_rewards
        if rewards is None or rewards.shape[0] != rows:
            raise RuntimeError("dynamic sampling: the step's rewards were not captured (a TRL change?)")
        names = list(self.reward_func_names)
        total = (rewards.nan_to_num(0.0) * self.reward_weights.cpu()).sum(dim=1)
        total[torch.isnan(rewards).all(dim=1)] = float("nan")
        outcome = rewards[:, names.index(self.outcome)] if self.outcome in names else total
        return informative_groups(outcome, total, self.num_generations)

    def _draw_prompts(self, groups: int) -> list[dict[str, Any]]:
        dataset = self.train_dataset
        picks = torch.randint(len(dataset), (groups,), generator=self._refill_generator).tolist()
        return [dataset[i] for i in picks for _ in range(self.num_generations)]

    def _pad_token_id(self) -> int:
        tokenizer = getattr(self.processing_class, "tokenizer", self.processing_class)
        pad = getattr(tokenizer, "pad_token_id", None)
        return int(pad if pad is not None else 0)
