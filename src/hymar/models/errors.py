"""Errors raised by model-based components at construction (never while scoring)."""

from __future__ import annotations


class ModelLoadError(RuntimeError):
    """A model, tokenizer or processor could not be loaded; the message names the path."""
