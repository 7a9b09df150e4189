"""Evaluation of a policy on a task dataset (``hymar eval``).

- `hymar.eval.generate`: batched generation (greedy by default) for a VLM or a text policy.
- `hymar.eval.evaluate`: scoring with the training reward's verifiers and aspects; `evaluate` and
  `score_generations` return an `EvalResult`.
- `hymar.eval.report`: the JSON and markdown reports.

Nothing heavy is imported here: import the submodules.
"""
