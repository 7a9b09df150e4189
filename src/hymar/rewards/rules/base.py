"""The result of comparing an extracted answer with a gold answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Comparison:
    """Outcome of one normalise-and-compare step.

    Attributes:
        equal: True/False when the comparer could judge, None when it could not (parse failure,
            timeout, input over a size limit): the verifier turns None into an invalid Score.
        confidence: in [0, 1]; 1.0 for an exact comparison, lower for tolerance or fuzzy matches.
        method: short name of the path that decided ("exact", "rational", "tolerance", "symbolic",
            "letter", "option_text", "fuzzy", ...), logged in Score.info.
        reason: why it could not judge (when equal is None) or a note on a lowered confidence.
        info: extra small debugging fields (normalised forms, ...).
    """

    equal: bool | None
    confidence: float = 1.0
    method: str = ""
    reason: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def undecided(cls, reason: str, method: str = "", **info: Any) -> Comparison:
        return cls(equal=None, confidence=0.0, method=method, reason=reason, info=info)
