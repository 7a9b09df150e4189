"""The n-gram repetition penalty, registered as component type ``repetition``.

Formula (Yeo et al., "Demystifying Long Chain-of-Thought Reasoning in LLMs", arXiv 2502.03373,
Appendix C.2; as open-r1 implements it in ``src/open_r1/rewards.py``, ``get_repetition_penalty_reward``):
over the sequence of units u_1..u_L of a completion (lower-cased whitespace words, or tokenizer
tokens), with the T = L - n + 1 n-grams (u_i, ..., u_{i+n-1}) of which D are distinct,

    penalty = P_max * (1 - D / T)        (P_max <= 0; 0 when T <= 0: fewer than n units)

so a completion without a repeated n-gram scores 0 and one that repeats a single n-gram forever
tends to P_max. Presets: ``open-r1`` (n = 3, P_max = -1.0, words; open-r1's recipe values) and
``tokens`` (n = 8 tokens, P_max = -1.0; needs ``tokenizer``). Add it to any preset from the command
line: ``--set 'components.repetition={weight: 1.0, args: {preset: open-r1}}'``.

``text`` chooses what is read: the whole completion (default, as the peers), only the answer part
(outside the reasoning) or only the reasoning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.types import Sample, Score

UNITS = ("words", "tokens")
TEXTS = ("completion", "answer", "reasoning")
PRESETS: dict[str, dict[str, Any]] = {
    "open-r1": {"ngram_size": 3, "max_penalty": -1.0, "unit": "words"},
    "tokens": {"ngram_size": 8, "max_penalty": -1.0, "unit": "tokens"},
}
#: longest completion read (the rule verifier's limit); longer ones are invalid, never read
MAX_CHARS = 262_144


def repetition_ratio(units: list[Any], n: int) -> tuple[float, int, int]:
    """(1 - D / T, T, D) for the n-grams of ``units`` (ratio 0.0 when T <= 0).

    Example:
        >>> repetition_ratio("a b c a b c".split(), 3)  # 4 trigrams, 3 distinct
        (0.25, 4, 3)
    """
    total = len(units) - n + 1
    if total <= 0:
        return 0.0, 0, 0
    distinct = len({tuple(units[i : i + n]) for i in range(total)})
    return 1.0 - distinct / total, total, distinct


class RepetitionPenalty(PerSampleComponent):
    """N-gram repetition penalty in [max_penalty, 0] (see the module docstring).

    Args:
        ngram_size: n (>= 1).
        max_penalty: P_max, the value of an endless repetition (<= 0).
        unit: "words" (lower-cased whitespace split) or "tokens".
        tokenizer: HF tokenizer name or path for ``unit="tokens"`` (loaded on first use).
        tokenize: a picklable ``text -> list`` used instead of ``tokenizer`` (tests, custom units).
        text: "completion", "answer" (outside the reasoning) or "reasoning".

    Example:
        >>> RepetitionPenalty().score_one(Sample(completion="the cat the cat the cat")).value
        -0.5
    """

    name = "repetition"
    default_failure_threshold = None  # local and pure: no circuit breaker unless configured

    def __init__(
        self,
        ngram_size: int = 3,
        max_penalty: float = -1.0,
        *,
        unit: str = "words",
        tokenizer: str | None = None,
        tokenize: Callable[[str], list] | None = None,
        text: str = "completion",
    ) -> None:
        if not isinstance(ngram_size, int) or ngram_size < 1:
            raise ValueError(f"ngram_size must be an integer >= 1, got {ngram_size!r}")
        if not max_penalty <= 0:
            raise ValueError(f"max_penalty must be <= 0 (a penalty), got {max_penalty!r}")
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
        if text not in TEXTS:
            raise ValueError(f"text must be one of {TEXTS}, got {text!r}")
        if unit == "tokens" and tokenizer is None and tokenize is None:
            raise ValueError("unit='tokens' needs tokenizer=<HF tokenizer path> or tokenize=<callable>")
        self.ngram_size, self.max_penalty, self.unit, self.text = ngram_size, float(max_penalty), unit, text
        self.tokenizer, self.tokenize = tokenizer, tokenize
        self._loaded: Any = None

    @classmethod
    def from_preset(cls, preset: str, **overrides: Any) -> RepetitionPenalty:
        """A named preset (`PRESETS`) with ``overrides`` applied."""
        if preset not in PRESETS:
            raise ValueError(f"unknown repetition preset {preset!r}; choose one of {sorted(PRESETS)}")
        return cls(**{**PRESETS[preset], **overrides})

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_loaded"] = None  # a loaded tokenizer is reloaded on first use in the worker
        return state

    def score_one(self, sample: Sample) -> Score:
        completion = sample.completion if isinstance(sample.completion, str) else ""
        if len(completion) > MAX_CHARS:
            return Score.invalid(f"completion too long ({len(completion)} > {MAX_CHARS} characters)")
        try:
            units = self._units(self._text(completion))
        except Exception as err:  # noqa: BLE001 -- a tokenizer failing on odd text must not crash the batch
            return Score.invalid(f"cannot tokenize: {type(err).__name__}: {err}"[:200])
        ratio, total, distinct = repetition_ratio(units, self.ngram_size)
        info: dict[str, Any] = {"ngrams": total, "distinct": distinct, "ratio": round(ratio, 4), "unit": self.unit}
        if total == 0:
            info["reason"] = f"fewer than {self.ngram_size} {self.unit}"
        return Score(self.max_penalty * ratio + 0.0, 1.0, True, info)

    def _text(self, completion: str) -> str:
        if self.text == "completion":
            return completion
        from hymar.rewards.completion import parse_completion

        parsed = parse_completion(completion)
        return parsed.response if self.text == "answer" else parsed.reasoning_text

    def _units(self, text: str) -> list[Any]:
        if self.unit == "words":
            return text.lower().split()
        if self.tokenize is not None:
            return list(self.tokenize(text))
        if self._loaded is None:
            from transformers import AutoTokenizer

            self._loaded = AutoTokenizer.from_pretrained(self.tokenizer)
        return list(self._loaded.encode(text, add_special_tokens=False))
