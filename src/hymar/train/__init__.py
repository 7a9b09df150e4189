"""Training recipes: SFT warm start (``hymar.train.sft``), reward models (``hymar.train.rm.training``), GRPO
(``hymar.train.grpo``).

Nothing is imported here, so ``import hymar.train`` stays free of torch, TRL and transformers.
"""
