"""Run recipes: YAML files that fix a whole run so it can be checked with ``--dry-run`` and launched.

- `hymar.recipes.train`: train recipes (``recipes/train/*.yaml``: policy, data, reward, GRPO and TRL
  settings, accelerate config): schema, loading, the command-line overlay and the dry run;
- `hymar.recipes.eval`: eval recipes (``recipes/eval/*.yaml``: a benchmark, its mapper, generation and
  the optional reward): schema, loading and the dry run.

Nothing is imported here, so the two stay independent.
"""
