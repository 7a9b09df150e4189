"""ANLS, Average Normalized Levenshtein Similarity: DocVQA's official metric, as a reward component
(type ``anls``) and as the metric `hymar eval` reports for DocVQA.

Definition (Biten et al., "Scene Text Visual Question Answering", ICCV 2019, sec. 4, the ST-VQA
metric DocVQA adopted: Mathew et al., "DocVQA", WACV 2021, sec. 4.2). For a question with acceptable
answers a_1..a_M and a prediction o:

    NL(a, o) = Levenshtein(a, o) / max(|a|, |o|)
    s(a, o)  = 1 - NL(a, o)  if NL(a, o) < tau  else 0          (tau = 0.5)
    score    = max_j s(a_j, o)

and ANLS is the mean score over questions. Both strings are compared as the official evaluation
script does: lower-cased, surrounding whitespace removed and inner whitespace runs collapsed to one
space. Two empty strings are identical (NL 0).

The prediction is the completion's final answer as the rule verifier extracts it (answer tag, box,
marker phrase, last line; `hymar.rewards.rules.extract.extract_answer`); the golds are
``sample.answer`` plus any acceptable answers in ``metadata["grading"]["answers"]`` (the DocVQA
mapper stores them there). Strings are cut to `MAX_CHARS` first: the edit distance is quadratic.

Where hymar departs from the plain metric, so the reward cannot be gamed (see docs/probe.md): a
hedged answer ("X or Y") scores 0 unless a gold itself contains "or", and several different final
answers (two boxes, two answer tags) score the weakest of them; zero-width characters count as
spaces. Lookalike characters (Cyrillic "С" for "C") are wrong characters, so they earn the partial
credit of any character-level near miss: that is the metric's definition, and `hymar probe` reports
it (``confusables``) for an ANLS-only reward.
"""

from __future__ import annotations

from collections.abc import Sequence

from hymar.rewards.base import PerSampleComponent
from hymar.rewards.types import Sample, Score

THRESHOLD = 0.5
#: longest answer compared (characters); DocVQA answers are a few words
MAX_CHARS = 1000


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions of one character each), two-row DP.

    Example:
        >>> levenshtein("kitten", "sitting")
        3
    """
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def normalize(text: str) -> str:
    """Lower-cased, whitespace collapsed, cut to `MAX_CHARS` (the official script's preprocessing)."""
    return " ".join(text.lower().split())[:MAX_CHARS]


def similarity(gold: str, prediction: str, threshold: float = THRESHOLD) -> float:
    """s(a, o): 1 - NL when NL < threshold, else 0 (see the module docstring).

    Example:
        >>> similarity("ITC Limited", "itc limted")  # one deletion in 11 characters
        0.9090909090909091
    """
    a, o = normalize(gold), normalize(prediction)
    longest = max(len(a), len(o))
    if longest == 0:
        return 1.0
    nl = levenshtein(a, o) / longest
    return 1.0 - nl if nl < threshold else 0.0


def anls(golds: Sequence[str], prediction: str, threshold: float = THRESHOLD) -> float:
    """The best similarity of ``prediction`` to any gold (0.0 without golds)."""
    return max((similarity(g, prediction, threshold) for g in golds), default=0.0)


def golds_of(sample: Sample) -> list[str]:
    """``sample.answer`` then the acceptable answers of ``metadata["grading"]``, de-duplicated."""
    out = [sample.answer] if sample.answer is not None and sample.answer.strip() else []
    grading = sample.metadata.get("grading") if sample.metadata else None
    if isinstance(grading, dict):
        out += [str(a) for a in grading.get("answers") or () if a is not None and str(a).strip()]
    return list(dict.fromkeys(out))


class ANLSReward(PerSampleComponent):
    """ANLS of the completion's final answer against the gold answers, a reward in [0, 1].

    Args:
        threshold: tau (default 0.5, DocVQA's).

    Example:
        >>> ANLSReward().score_one(Sample(completion="<answer>ITC Limted</answer>", answer="ITC Limited")).value
        0.9090909090909091
    """

    name = "anls"
    default_failure_threshold = None  # local and pure: no circuit breaker unless configured

    def __init__(self, threshold: float = THRESHOLD) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        self.threshold = float(threshold)

    def score_one(self, sample: Sample) -> Score:
        golds = golds_of(sample)
        if not golds:
            return Score.not_applicable("no gold answer")
        return anls_score(sample.completion, golds, self.threshold)


def anls_score(completion: str, golds: Sequence[str], threshold: float = THRESHOLD) -> Score:
    """The ANLS `Score` of a completion (its extracted final answer) against ``golds``."""
    from hymar.rewards.rules.extract import extract_answer

    from hymar.rewards.model.alternatives import invisible_as_spaces

    # zero-width characters read as the gaps a reader sees ("X\u200bor\u200bY" is the hedge "X or Y")
    extraction = extract_answer(invisible_as_spaces(completion) if isinstance(completion, str) else "")
    if extraction.invalid:
        return Score.invalid(extraction.reason or "invalid completion")
    prediction = extraction.answer or ""
    best = max(golds, key=lambda g: similarity(g, prediction, threshold))
    info = {"method": "anls", "extracted": prediction[:80], "gold": best[:80]}
    if extraction.answer is None:
        info["reason"] = extraction.reason or "no answer found"
    if extraction.hedged and not any(" or " in f" {normalize(g)} " for g in golds):
        # "ITC Limited or Wipro" is close to the gold by edit distance; a hedge is no answer (as in verify)
        return Score(0.0, 1.0, True, {**info, "method": "hedge", "reason": extraction.reason or "hedged answer"})
    if extraction.conflict and len(extraction.candidates) > 1:
        # several different final answers: the weakest counts, so listing candidates never pays
        value = min(anls(golds, c, threshold) for c in extraction.candidates)
        return Score(value, 1.0, True, {**info, "method": "anls_conflict", "candidates": len(extraction.candidates)})
    return Score(similarity(best, prediction, threshold), 1.0, True, info)
