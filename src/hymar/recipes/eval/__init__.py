"""Eval recipes (``hymar eval RECIPE.yaml``): the schema and loading (`recipe`) and the dry run (`dry_run`).

Nothing is imported here.
"""
