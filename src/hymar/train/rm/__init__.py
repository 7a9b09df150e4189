"""Reward-model training (``hymar train-rm``), one concern a module:

- `hymar.train.rm.training`: the recipe end to end (`run_train_rm`, `RMRunConfig`; scalar or vector RMs on a VLM backbone);
- `hymar.train.rm.pairs`: the preference-pair row type and two of the three feedback sources;
- `hymar.train.rm.policy`: pairs from policy samples labelled by hymar's verifier (the third source);
- `hymar.train.rm.batch`: model inputs, built exactly as the scorer builds them;
- `hymar.train.rm.loop`: the plain torch training loop (`RMTrainConfig`);
- `hymar.train.rm.report`: held-out pairwise accuracy and calibration error.

Nothing is imported here, so ``import hymar.train.rm`` stays free of torch.
"""
