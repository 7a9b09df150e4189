"""Controlled perturbations of references and demonstrations, for synthetic preference pairs.

A reward-model trainer pairs a correct text (chosen) with a perturbed copy (rejected) and labels the
pair with the aspect the perturbation targets. Every function returns ``Perturbed(text, aspect)``
(a 2-tuple) with ``aspect`` in `ASPECTS`. The aspect is the one the perturbation is built to hurt;
some also hurt another one as a side effect, noted per kind below.

Reference perturbations (`perturb_reference`, for one-sentence descriptions such as "A red circle
and a blue square on a white background."):

================  ============  ==================================================================
kind              aspect        what changes
================  ============  ==================================================================
wrong_colour      correctness   one colour word swapped for another colour
wrong_shape       correctness   one shape word swapped for another shape
drop_object       correctness   one of several "a <colour> <shape>" objects removed
verbose_padding   conciseness   filler clause appended (one sentence; may also break a word limit)
break_limits      adherence     rewritten as several longer sentences ("in one sentence", "at most
                                12 words" both broken; also less concise)
off_topic         relevance     replaced by a sentence that is not about the image
================  ============  ==================================================================

Completion perturbations (`perturb_completion`, for "<think>...</think><answer>...</answer>"):

================  ============  ==================================================================
wrong_answer      correctness   final answer replaced by a wrong one of the same form (and the last
                                mention of it in the reasoning, so the text stays consistent)
wrong_form        adherence     only when the prompt asks for a letter ("Answer with the option's
                                letter.") or a number ("Answer with a number."): the option's text
                                instead of its letter, or a unit word after the number ("3 units");
                                the answer stays correct
no_format         adherence     <think>/<answer> tags removed ("... The answer is 3.")
verbose_padding   conciseness   filler sentences added to the reasoning (the answer is unchanged,
                                so no stated length limit on the answer is affected)
off_topic         relevance     verifiable: reasoning replaced by sentences not about the image
                                (answer kept); open-ended: the answer section replaced
(reference kinds) see above     open-ended completions: applied to the answer section
================  ============  ==================================================================

All randomness comes from the ``rng`` argument (a `random.Random`), so pairs are reproducible.
"""

from __future__ import annotations

import random
import re
from typing import NamedTuple

from hymar.rewards.aspects.constraints import parse_constraints
from hymar.rewards.rules.choice import parse_options

ASPECTS = ("correctness", "adherence", "conciseness", "relevance")

# Kept here (not imported from `render`) so this module needs neither Pillow nor datasets.
COLOUR_WORDS = ("red", "green", "blue", "yellow", "purple")
SHAPE_WORDS = ("circle", "square", "triangle")
LETTERS = "ABCD"

REFERENCE_PERTURBATIONS: dict[str, str] = {
    "wrong_colour": "correctness",
    "wrong_shape": "correctness",
    "drop_object": "correctness",
    "verbose_padding": "conciseness",
    "break_limits": "adherence",
    "off_topic": "relevance",
}
COMPLETION_PERTURBATIONS: dict[str, str] = {
    "wrong_answer": "correctness",
    "wrong_form": "adherence",
    "no_format": "adherence",
    "verbose_padding": "conciseness",
    "off_topic": "relevance",
}

PADDING_CLAUSES = (
    ", and that is really all there is to see in this very simple image",
    ", which is a simple and clean picture that is very easy to look at",
)
PADDING_SENTENCES = (
    "Let me look at the image again very carefully.",
    "I will check every part of the image one more time.",
    "The image is small, so I look closely at each shape.",
    "I am sure about this, but I will check it once more.",
)
OFF_TOPIC_SENTENCES = (
    "I like to read books on a rainy day.",
    "The weather is nice today.",
    "Music is a good way to relax after work.",
    "Cats and dogs are popular pets.",
)


class Perturbed(NamedTuple):
    """A perturbed text and the aspect it targets (one of `ASPECTS`)."""

    text: str
    aspect: str


def reference_kinds(reference: str) -> list[str]:
    """The reference perturbations that change ``reference`` (e.g. no "drop_object" for one object)."""
    kinds = ["verbose_padding", "break_limits", "off_topic"]
    if _find(COLOUR_WORDS, reference):
        kinds.append("wrong_colour")
    if _find(SHAPE_WORDS, reference):
        kinds.append("wrong_shape")
    if len(_objects(reference)) >= 2:
        kinds.append("drop_object")
    return sorted(kinds)


def perturb_reference(reference: str, rng: random.Random, kind: str | None = None) -> Perturbed:
    """Perturb a description (see the module table).

    Args:
        reference: the correct text.
        rng: source of randomness.
        kind: one of `REFERENCE_PERTURBATIONS`; None picks one of `reference_kinds(reference)`.

    Returns:
        ``Perturbed(text, aspect)``; ``text`` always differs from ``reference``.

    Raises:
        ValueError: unknown kind, or a kind that cannot change this text (e.g. "wrong_colour" with
            no colour word).

    Example:
        >>> perturb_reference("A red circle on a white background.", random.Random(0), "wrong_shape").aspect
        'correctness'
    """
    if kind is None:
        kind = rng.choice(reference_kinds(reference))
    if kind not in REFERENCE_PERTURBATIONS:
        raise ValueError(f"unknown reference perturbation {kind!r}; known: {sorted(REFERENCE_PERTURBATIONS)}")
    if kind not in reference_kinds(reference):
        raise ValueError(f"perturbation {kind!r} does not apply to {reference!r}")
    text = _REFERENCE_FUNCS[kind](reference, rng)
    return Perturbed(text, REFERENCE_PERTURBATIONS[kind])


def completion_kinds(
    completion: str, *, answer: str | None = None, task: str | None = None, prompt: str | None = None
) -> list[str]:
    """The completion perturbations that apply (see `perturb_completion` for what each needs)."""
    _, final = _split(completion)
    if final is None:
        return []
    kinds = ["no_format", "verbose_padding", "off_topic"]
    if answer is not None and task != "open":
        kinds.append("wrong_answer")
        if _wrong_form(final, task, prompt) is not None:
            kinds.append("wrong_form")
    else:
        kinds += [k for k in reference_kinds(final) if k not in kinds]
    return sorted(kinds)


def perturb_completion(
    completion: str,
    rng: random.Random,
    *,
    answer: str | None = None,
    task: str | None = None,
    prompt: str | None = None,
    kind: str | None = None,
) -> Perturbed:
    """Perturb a "<think>...</think><answer>...</answer>" completion (see the module table).

    Args:
        completion: the correct completion (e.g. a suite demonstration).
        rng: source of randomness.
        answer: the gold answer (verifiable tasks); None for open-ended ones.
        task: hymar task tag ("counting", "math", "choice", "open", ...).
        prompt: prompt text; "wrong_form" needs it (the stated answer form, the options).
        kind: one of `COMPLETION_PERTURBATIONS` or, for open-ended completions, of
            `REFERENCE_PERTURBATIONS`; None picks one of `completion_kinds(...)`.

    Returns:
        ``Perturbed(text, aspect)``.

    Raises:
        ValueError: no <answer> section, unknown kind, or a kind that does not apply.
    """
    kinds = completion_kinds(completion, answer=answer, task=task, prompt=prompt)
    if not kinds:
        raise ValueError("completion has no <answer>...</answer> section to perturb")
    if kind is None:
        kind = rng.choice(kinds)
    if kind not in kinds:
        raise ValueError(f"perturbation {kind!r} does not apply here; applicable: {kinds}")
    think, final = _split(completion)
    assert final is not None  # completion_kinds returned kinds
    if kind == "no_format":
        ending = final if final.endswith(".") else f"{final}."
        said = ending if answer is None or task == "open" else f"The answer is {ending}"
        return Perturbed(f"{think} {said}".strip(), "adherence")
    if kind == "verbose_padding":
        padding = " ".join(rng.sample(PADDING_SENTENCES, 3))
        return Perturbed(_join(f"{think} {padding}".strip(), final), "conciseness")
    if kind == "off_topic" and answer is not None and task != "open":
        return Perturbed(_join(" ".join(rng.sample(OFF_TOPIC_SENTENCES, 2)), final), "relevance")
    if kind == "wrong_answer":
        assert answer is not None
        wrong = perturb_answer(answer, task, rng, prompt=prompt)
        return Perturbed(_join(_replace_last(think, answer.strip(), wrong), wrong), "correctness")
    if kind == "wrong_form":
        form = _wrong_form(final, task, prompt)
        assert form is not None
        return Perturbed(_join(think, form), "adherence")
    text, aspect = perturb_reference(final, rng, kind)
    return Perturbed(_join(think, text), aspect)


def perturb_answer(answer: str, task: str | None, rng: random.Random, *, prompt: str | None = None) -> str:
    """A wrong answer of the same form: another option letter for choice (one listed in ``prompt``
    when it lists options), another non-negative integer for integers (off by 1-3), else the answer
    with a character changed.

    Raises:
        ValueError: empty answer.
    """
    gold = answer.strip()
    if not gold:
        raise ValueError("cannot perturb an empty answer")
    if task == "choice" or (len(gold) == 1 and gold.upper() in LETTERS):
        letters = list(parse_options(prompt)) if prompt else []
        pool = [letter for letter in (letters or list(LETTERS)) if letter != gold.upper()]
        return rng.choice(pool)
    if re.fullmatch(r"-?\d+", gold):
        value = int(gold)
        candidates = [value + d for d in (-3, -2, -1, 1, 2, 3) if value + d >= 0 or value < 0]
        return str(rng.choice(candidates))
    i = rng.randrange(len(gold))
    return gold[:i] + ("x" if gold[i] != "x" else "y") + gold[i + 1 :]


def corpus_extras() -> list[str]:
    """Every fixed sentence the perturbations insert, for tokenizer training."""
    templates = ["There is a red circle in the image.", "The background of the image is white.", "The answer is 3."]
    return [*PADDING_SENTENCES, *OFF_TOPIC_SENTENCES, *(c.lstrip(", ") for c in PADDING_CLAUSES), *templates]


# --- reference perturbations --------------------------------------------------------------------

_OBJECT = re.compile(r"\b[Aa]n? (" + "|".join(COLOUR_WORDS) + r") (" + "|".join(SHAPE_WORDS) + r")s?\b")


def _find(words: tuple[str, ...], text: str) -> list[re.Match[str]]:
    pattern = re.compile(r"\b(" + "|".join(words) + r")(?=s?\b)", re.IGNORECASE)
    return list(pattern.finditer(text))


def _swap_word(words: tuple[str, ...]):
    def swap(text: str, rng: random.Random) -> str:
        match = rng.choice(_find(words, text))
        old = match.group(1)
        new = rng.choice([w for w in words if w != old.lower()])
        if old[0].isupper():
            new = new.capitalize()
        return text[: match.start(1)] + new + text[match.end(1) :]

    return swap


def _objects(text: str) -> list[re.Match[str]]:
    return list(_OBJECT.finditer(text))


def _drop_object(text: str, rng: random.Random) -> str:
    objects = _objects(text)
    i = rng.randrange(len(objects))
    match = objects[i]
    if i == 0:
        # "A red circle and a blue square ..." -> "A blue square ..."
        rest = re.sub(r"^\s*(and|,)\s*", "", text[match.end() :])
        rest = rest[:1].upper() + rest[1:] if match.start() == 0 else rest
        return text[: match.start()] + rest
    # "... and a blue square" -> "..."
    head = re.sub(r"\s*(,\s*and|and|,)\s*$", "", text[: match.start()])
    return head + text[match.end() :]


def _pad(text: str, rng: random.Random) -> str:
    body = text.rstrip().rstrip(".")
    return body + rng.choice(PADDING_CLAUSES) + "."


def _break_limits(text: str, rng: random.Random) -> str:
    objects = _objects(text)
    sentences = [f"There is a {m.group(1)} {m.group(2)} in the image." for m in objects]
    if not sentences:
        sentences = [f"The image shows this: {text.rstrip('.')}."]
    background = re.search(r"\bon an? (\w+) background\b", text)
    if background:
        sentences.append(f"The background of the image is {background.group(1)}.")
    else:
        sentences.append("There is nothing else in the image.")
    return " ".join(sentences)


def _off_topic(text: str, rng: random.Random) -> str:
    return rng.choice(OFF_TOPIC_SENTENCES)


_REFERENCE_FUNCS = {
    "wrong_colour": _swap_word(COLOUR_WORDS),
    "wrong_shape": _swap_word(SHAPE_WORDS),
    "drop_object": _drop_object,
    "verbose_padding": _pad,
    "break_limits": _break_limits,
    "off_topic": _off_topic,
}


# --- completion helpers -------------------------------------------------------------------------

_SECTIONS = re.compile(r"^\s*(?:<think>(?P<think>.*?)</think>)?\s*<answer>(?P<answer>.*?)</answer>\s*$", re.DOTALL)


def _split(completion: str) -> tuple[str, str | None]:
    match = _SECTIONS.match(completion)
    if match is None:
        return completion, None
    return (match.group("think") or "").strip(), match.group("answer").strip()


def _join(think: str, final: str) -> str:
    return f"<think>{think}</think><answer>{final}</answer>"


def _replace_last(text: str, old: str, new: str) -> str:
    matches = list(re.finditer(r"(?<![\w.])" + re.escape(old) + r"(?![\w])", text))
    if not matches:
        return text
    m = matches[-1]
    return text[: m.start()] + new + text[m.end() :]


def _wrong_form(final: str, task: str | None, prompt: str | None) -> str | None:
    # Only where the prompt states the form: elsewhere "3 in total" breaks no instruction, and the
    # pair would be mislabelled as an adherence pair.
    form = parse_constraints(prompt).answer_form if prompt else None
    if form == "letter":
        return parse_options(prompt).get(final.strip().upper())
    if form == "number" and re.fullmatch(r"-?\d+", final.strip()):
        return f"{final.strip()} units"
    return None
