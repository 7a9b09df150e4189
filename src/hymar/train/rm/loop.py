"""The reward-model training loop: a plain torch loop over `VisionRewardModel`.

Why not TRL's ``RewardTrainer``: it wraps ``AutoModelForSequenceClassification`` and tokenizes text
pairs; Qwen2.5-VL has no sequence-classification class, and the trainer neither passes images
through nor knows vector heads. A short loop over hymar's own `VisionRewardModel` (the class the
scorer loads) does all three and stays deterministic on CPU.

Losses, per batch of pairs (chosen c, rejected r, reward outputs r_k):

- Bradley-Terry (Bradley & Terry 1952; InstructGPT, Ouyang et al. 2022):
  ``-log sigmoid(s(c) - s(r))``, where s is the head of the pair's aspect in a vector model
  (one head per named aspect), and the weighted total ``sum_k w_k r_k`` for pairs whose aspect is not
  a head ("overall" human preferences) and for every pair of a scalar model (one output).
- Attribute regression (when a pair carries per-aspect scores y_k in [0, 1], e.g. the verifier's
  correctness of a policy sample): binary cross-entropy of ``sigmoid(r_k)`` against y_k, which keeps
  r_k on the same logit scale as the BT loss (SteerLM/HelpSteer-style attribute heads, with a
  logistic link instead of MSE).
- Reward centring: ``center_weight * mean(r_k^2)`` keeps the outputs near 0, since BT alone is blind
  to a shared offset (Eisenstein et al. 2023, "Helping or Herding?").
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hymar.train.rm.batch import Rendered, encode, lengths, render_pair
from hymar.train.rm.pairs import PreferencePair


@dataclass(frozen=True)
class RMTrainConfig:
    """Optimisation settings.

    Args:
        steps: optimizer steps.
        batch_size: pairs per step (2 x batch_size sequences per forward pass).
        learning_rate: peak AdamW learning rate; 1e-3 suits a tiny backbone trained from scratch,
            use ~1e-5 for a pretrained checkpoint such as Qwen2.5-VL-3B-Instruct.
        weight_decay: AdamW weight decay.
        warmup_steps: linear warm-up steps, then linear decay to 0.
        grad_clip: max gradient norm (0 = no clipping).
        center_weight: weight of the reward-centring term.
        score_weight: weight of the attribute-regression term.
        max_length: pairs whose chosen or rejected input is longer (tokens, image tokens included)
            are skipped rather than cut, since cutting could cut image tokens.
        seed: seeds batch order (the head's initialisation is seeded by the caller).
        progress: show a tqdm progress bar.
    """

    steps: int = 200
    batch_size: int = 16
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    warmup_steps: int = 10
    grad_clip: float = 1.0
    center_weight: float = 1e-3
    score_weight: float = 1.0
    max_length: int = 1024
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        if self.steps < 0 or self.batch_size < 1 or self.warmup_steps < 0:
            raise ValueError(f"steps >= 0, batch_size >= 1 and warmup_steps >= 0 required, got {self}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")


@dataclass
class TrainStats:
    """What a training run did: steps, pairs, losses, skipped pairs and wall time."""

    steps: int = 0
    pairs_seen: int = 0
    skipped_too_long: int = 0
    losses: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        window = max(1, len(self.losses) // 10)  # first / last 10% of steps: single losses are noisy
        return {
            "steps": self.steps,
            "pairs_seen": self.pairs_seen,
            "skipped_too_long": self.skipped_too_long,
            "first_loss": _mean(self.losses[:window]),
            "final_loss": _mean(self.losses[-window:]),
            "wall_seconds": round(self.wall_seconds, 2),
        }


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def head_targets(pairs: Sequence[PreferencePair], aspects: Sequence[str]) -> list[int]:
    """Per pair, the index of its aspect's head, or -1 for the weighted total.

    A scalar model (one output) trains its one output on every pair; a vector model trains the head
    named like the pair's aspect and the weighted total for any other aspect (e.g. "overall").
    """
    if len(aspects) == 1:
        return [0] * len(pairs)
    index = {name: k for k, name in enumerate(aspects)}
    return [index.get(p.aspect, -1) for p in pairs]


def _pair_loss(
    rewards: Any, batch: Sequence[PreferencePair], targets: Sequence[int], weights: Any, aspects: Sequence[str], config: RMTrainConfig
) -> tuple[Any, Any]:
    """(loss, per-pair margin s(c) - s(r)) for one batch; ``rewards`` is [2B, K], chosen rows first."""
    import torch
    import torch.nn.functional as F

    n = len(batch)
    chosen, rejected = rewards[:n], rewards[n:]
    idx = torch.tensor(targets, device=rewards.device)
    head = idx.clamp(min=0).unsqueeze(1)
    margin_head = chosen.gather(1, head).squeeze(1) - rejected.gather(1, head).squeeze(1)
    margin_total = (chosen - rejected) @ weights
    margin = torch.where(idx >= 0, margin_head, margin_total)
    loss = -F.logsigmoid(margin).mean() + config.center_weight * rewards.pow(2).mean()
    if config.score_weight > 0:
        target = torch.zeros_like(rewards)
        mask = torch.zeros_like(rewards)
        for i, pair in enumerate(batch):
            for row, scores in ((i, pair.chosen_scores), (n + i, pair.rejected_scores)):
                for k, name in enumerate(aspects):
                    if scores and name in scores:
                        target[row, k] = float(scores[name])
                        mask[row, k] = 1.0
        if mask.sum() > 0:
            bce = F.binary_cross_entropy_with_logits(rewards, target, reduction="none")
            loss = loss + config.score_weight * (bce * mask).sum() / mask.sum()
    return loss, margin.detach()


def _encode_pairs(pairs: Sequence[PreferencePair], indices: Sequence[int], processor: Any, device: Any, max_length: int):
    """(encoded batch, kept indices): chosen rows first, then rejected; over-long pairs dropped.

    Rendering happens per batch, not once up front: a large human-preference set would otherwise hold
    every decoded image in memory, and rendering costs well under a millisecond per pair.
    """
    rendered = [render_pair(pairs[i], processor) for i in indices]
    items = [c for c, _ in rendered] + [r for _, r in rendered]
    enc = encode(processor, items, device)
    sizes = lengths(enc)
    n = len(indices)
    long = [max(sizes[j], sizes[n + j]) > max_length for j in range(n)]
    if not any(long):
        return enc, list(indices)
    kept = [i for i, bad in zip(indices, long) if not bad]
    if not kept:
        return None, []
    return _encode_pairs(pairs, kept, processor, device, max_length)


def _batches(n: int, batch_size: int, steps: int, seed: int):
    """``steps`` index batches: seeded permutations of range(n), concatenated (epochs), cut in order."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    buffer: list[int] = []
    for _ in range(steps):
        while len(buffer) < batch_size:
            buffer.extend(torch.randperm(n, generator=generator).tolist())
        yield buffer[:batch_size]
        buffer = buffer[batch_size:]


def train_pairs(
    model: Any,
    processor: Any,
    pairs: Sequence[PreferencePair],
    aspects: Sequence[str],
    weights: Sequence[float],
    config: RMTrainConfig,
    device: Any = "cpu",
) -> TrainStats:
    """Train ``model`` (a `VisionRewardModel` with one output per aspect) on ``pairs`` in place.

    Args:
        model: the reward model, already on ``device``.
        processor: its processor (chat template + image processor).
        pairs: training pairs.
        aspects: the model's aspect names, one per output.
        weights: aspect weights of the total (for pairs not tied to one head).
        config: optimisation settings.
        device: torch device.

    Returns:
        `TrainStats`.

    Raises:
        ValueError: no pairs, or an aspect/weight count that does not match the model.
    """
    import torch
    from tqdm.auto import tqdm

    if not pairs:
        raise ValueError("no training pairs")
    if len(aspects) != model.n_aspects or len(weights) != model.n_aspects:
        raise ValueError(f"model has {model.n_aspects} outputs but {len(aspects)} aspects / {len(weights)} weights")
    stats = TrainStats()
    start = time.perf_counter()
    targets = head_targets(pairs, aspects)
    weight_vec = torch.tensor(list(weights), dtype=torch.float32, device=device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)

    def schedule(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / (config.warmup_steps + 1)
        remaining = max(1, config.steps - config.warmup_steps)
        return max(0.0, 1.0 - (step - config.warmup_steps) / remaining)

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    model.train()
    skipped: set[int] = set()
    bar = tqdm(total=config.steps, desc="hymar train-rm", disable=not config.progress, leave=False)
    running_acc = None
    for indices in _batches(len(pairs), config.batch_size, config.steps, config.seed):
        enc, kept = _encode_pairs(pairs, indices, processor, device, config.max_length)
        skipped.update(set(indices) - set(kept))
        if enc is not None:
            rewards = model(**enc).float()
            batch = [pairs[i] for i in kept]
            loss, margin = _pair_loss(rewards, batch, [targets[i] for i in kept], weight_vec, aspects, config)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
            optimizer.step()
            stats.losses.append(float(loss.detach()))
            stats.pairs_seen += len(kept)
            acc = float((margin > 0).float().mean())
            running_acc = acc if running_acc is None else 0.9 * running_acc + 0.1 * acc
            bar.set_postfix(loss=f"{stats.losses[-1]:.3f}", acc=f"{running_acc:.2f}")
        scheduler.step()
        stats.steps += 1
        bar.update(1)
    bar.close()
    model.eval()
    stats.skipped_too_long = len(skipped)
    stats.wall_seconds = time.perf_counter() - start
    return stats


def score_rendered(model: Any, processor: Any, items: Sequence[Rendered], batch_size: int = 32, device: Any = "cpu") -> list[list[float]]:
    """Raw outputs [n_aspects] per rendered input (no gradient); NaN rows for inputs the backbone rejects."""
    import torch

    model.eval()
    out: list[list[float]] = []
    with torch.no_grad():
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            try:
                out.extend(model(**encode(processor, chunk, device)).float().cpu().tolist())
            except Exception:  # noqa: BLE001 - score one by one so one bad input costs one row
                for item in chunk:
                    try:
                        out.extend(model(**encode(processor, [item], device)).float().cpu().tolist())
                    except Exception:  # noqa: BLE001
                        out.append([math.nan] * model.n_aspects)
    return out


def score_pairs(model: Any, processor: Any, pairs: Sequence[PreferencePair], batch_size: int = 32, device: Any = "cpu") -> tuple[list[list[float]], list[list[float]]]:
    """(chosen outputs, rejected outputs), each [n_pairs][n_aspects]; pairs are rendered chunk by chunk."""
    chosen: list[list[float]] = []
    rejected: list[list[float]] = []
    for start in range(0, len(pairs), batch_size):
        rendered = [render_pair(p, processor) for p in pairs[start : start + batch_size]]
        chosen += score_rendered(model, processor, [c for c, _ in rendered], batch_size, device)
        rejected += score_rendered(model, processor, [r for _, r in rendered], batch_size, device)
    return chosen, rejected
