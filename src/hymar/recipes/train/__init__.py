"""Train recipes (``hymar train RECIPE.yaml``): the schema (`schema`), loading (`load`), the command-line
overlay (`cli_args`), the dry run (`dry_run`, with `checks`, `launch`, `trl_config`, `accelerate_check`).

Nothing is imported here.
"""
