"""Brace matching for LaTeX answers (kept at this path; the scanner lives with the completion parser)."""

from hymar.rewards.completion.boxes import matching_brace

__all__ = ["matching_brace"]
