"""Run recipes: YAML files that fix a whole training run (policy, data, reward, GRPO and TRL settings,
accelerate config) so it can be checked with ``--dry-run`` and launched on GPUs.

Train recipes live in ``recipes/train/`` and are read by `hymar.recipes.load` (schema in
`hymar.recipes.schema`); ``hymar train RECIPE.yaml`` applies them through `hymar.recipes.cli_args`, and
``--dry-run`` goes through `hymar.recipes.dry_run`. Nothing is imported here so that sibling modules
(eval recipes) stay independent.
"""
