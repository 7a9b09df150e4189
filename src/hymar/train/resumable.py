"""A GRPO trainer whose prompt order survives a resume in a later epoch.

TRL 1.16's ``RepeatSampler`` seeds one ``torch.Generator`` when it is built and draws a fresh permutation
each time it is iterated, i.e. once per epoch, and has no ``set_epoch``. The Trainer resumes a run in epoch
e by iterating the dataloader afresh (skipping the batches already done in that epoch), so a resumed run
draws epoch 0's permutation again where the uninterrupted one drew epoch e's: different prompts, different
weights. `EpochRepeatSampler` adds ``set_epoch`` (accelerate's ``DataLoaderShard.set_epoch``, which the
Trainer calls every epoch, forwards it to the sampler) and, on iteration, reseeds and skips the
permutations of the earlier epochs, so epoch e's order is a function of (seed, e) and equal to TRL's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from trl import GRPOTrainer
from trl.trainer.utils import RepeatSampler


class EpochRepeatSampler(RepeatSampler):
    """`RepeatSampler` whose permutation depends on (seed, epoch) only (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose order the next iteration yields."""
        self.epoch = int(epoch)

    def __iter__(self) -> Iterator[int]:
        if self.shuffle and self.seed is not None:  # unseeded: not reproducible anyway, keep TRL's draws
            import torch

            # replay TRL's draws: one randperm per earlier epoch from the seeded generator
            self.generator.manual_seed(self.seed)
            for _ in range(self.epoch):
                torch.randperm(self.num_samples, generator=self.generator)
        return super().__iter__()


class ResumableGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer`` with `EpochRepeatSampler` as its training sampler (map-style datasets)."""

    def _get_train_sampler(self, dataset: Any = None) -> Any:
        sampler = super()._get_train_sampler(dataset)
        if type(sampler) is not RepeatSampler:  # a future TRL may change it: keep whatever it built
            return sampler
        return EpochRepeatSampler(
            data_source=sampler.data_source,
            mini_repeat_count=sampler.mini_repeat_count,
            batch_size=sampler.batch_size,
            repeat_count=sampler.repeat_count,
            shuffle=sampler.shuffle,
            seed=sampler.seed,
        )
