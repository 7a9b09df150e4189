"""Multiple-choice comparison: option letters A-J, or option text when the prompt lists the options.

Prediction forms understood: "C", "c", "(C)", "[C]", "C.", "C)", "Option C", "option (c)", "The
answer is C", "C. 42 apples", "(C) 42 apples", "B, which is cold", "I think it's C", the option text
alone ("42 apples") when the options can be parsed from the prompt, or from the completion itself
when the prompt lists none. Two different letters ("A or C", "A, C", "A and C") are a wrong answer;
a letter after a negation ("not A", "it can't be A or B", "non A", "不是 A") is a rejected option,
not a second answer (`sentence_letters`).

Golds: a letter, or an option's text when options are known, or a labelled option ("(C) Canberra",
"C. Canberra", "C Canberra"), whose letter is the gold letter even without options.

Confidence: 1.0 for a letter; 0.9 for an exact option-text match; 0.8 for a letter whose trailing
text contradicts that option's text (the letter wins) or a letter read from a sentence; 0.7 when
the prediction merely contains exactly one option's text as a phrase.
"""

from __future__ import annotations

import re

from hymar.rewards.rules.answer_text import clean_answer
from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.sentences import last_sentence, prose_words
from hymar.rewards.rules.text import normalize_text

LETTERS = "ABCDEFGHIJ"
_LEAD_IN = re.compile(r"correct option is|correct choice is|option is|choice is|answer is|answer:", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
# words allowed around letters in a bare list of letters ("Options A and C", "either B or D")
_FILLERS = frozenset({"or", "and", "both", "either", "option", "options", "choice", "choices"})
#: confidence of a letter read out of a sentence ("I think it's C"), and of a bare lower-case letter
#: ("c" for gold C: hymar's convention, not every grader's)
SENTENCE_LETTER_CONFIDENCE = 0.8
LOWER_CASE_CONFIDENCE = 0.8
# words that reject what follows them, up to the end of the clause
_NEGATIONS = frozenset(
    {"not", "cannot", "never", "no", "nor", "non", "except", "excluding", "pas", "nicht", "kein", "keine", "nao",
     "não", "ni"}
)  # fmt: skip
_NEGATION_PREFIXES = ("不是", "不", "非", "并非", "ではない", "아니")
# a clause ends at punctuation or a turn word: "not A, so D", "not A but B"
_CLAUSE_ENDS = frozenset({"but", "so", "therefore", "hence", "thus", "then", "instead", "rather", "however", "donc", "mais"})
# words (a contraction in "n't" kept whole), CJK runs apart from Latin letters, clause punctuation
_SENTENCE_TOKEN = re.compile(r"[A-Za-z]+n['\u2019]t|[A-Za-z]+|[\u3040-\u30ff\u4e00-\u9fff]+|[^\W_]+|[,;.!?。，；！？:]")
# after "I" or "A", these lower-case words do not make it a pronoun or an article ("A or B", "A is")
_LETTER_FOLLOWERS = frozenset(
    {"or", "and", "nor", "is", "was", "are", "because", "since", "but", "so", "then", "as", "vs", "versus", "to",
     "can", "cannot", "could", "would", "should", "must", "will", "seems", "looks", "also", "only", "too"}
)  # fmt: skip


def parse_options(prompt: str) -> dict[str, str]:
    """Options listed in a prompt, letter -> text (in order A, B, C, ...).

    Lines like "A. xxx", "(A) xxx", "A) xxx", "A: xxx" (also "(a) xxx" / "a) xxx"), possibly behind
    list markers; the last run of consecutive letters starting at A wins (an earlier example in a
    few-shot prompt is overridden by the real question). Falls back to inline "(A) x (B) y" on one
    line. Fewer than two options -> {}.
    """
    blocks: list[dict[str, str]] = []
    for line in prompt.splitlines():
        parsed = _option_line(line)
        if parsed is None:
            continue
        letter, text = parsed
        if letter == "A":
            blocks.append({"A": text})
        elif blocks and LETTERS.index(letter) == len(blocks[-1]):
            blocks[-1][letter] = text
    for block in reversed(blocks):
        if len(block) >= 2:
            return block
    return _inline_options(prompt)


def parse_letter(text: str) -> str | None:
    """The option letter of a bare-letter answer ("C", "(c)", "C.", "Option C", "\\text{(B)}",
    "The answer is C"), upper-cased; None when ``text`` is not just a letter."""
    return _bare_letter(_strip_lead_in(clean_answer(text)))


def compare_choice(pred: str, gold: str, prompt: str | None = None, *, context: str | None = None) -> Comparison:
    """Compare a multiple-choice answer with the gold letter (or gold option text).

    Args:
        pred: extracted answer.
        gold: a letter A-J in any case, maybe "(C)", a labelled option "(C) Canberra", or the option
            text when options are known.
        prompt: the question; options are parsed from it (see `parse_options`).
        context: the completion; when the prompt lists no options, options the completion lists
            itself ("The choices are: A. 12 B. 15 ...") are used.

    Returns:
        A `Comparison` with method "letter", "option_text", "multiple_letters", ...; undecided when
        the gold is neither a letter nor (with options known) an option's text.
    """
    options = parse_options(prompt) if prompt else {}
    if not options and context:
        options = parse_options(context)
    gold_letter = parse_letter(gold)
    if gold_letter is None and options:
        gold_letter = _exact_option(gold, options)
    if gold_letter is None:
        gold_letter = _labelled_gold(gold)
    if gold_letter is None:
        if options:
            reason = f"gold {gold[:50]!r} is neither an option letter nor an option"
            return Comparison.undecided(reason, method="choice")
        return _compare_option_text_without_options(pred, gold)

    letter, confidence, method, reason = _pred_letter(pred, options)
    if method == "multiple_letters":
        return Comparison(False, 1.0, method, reason)
    if letter is None:
        return Comparison(False, 0.9, "letter", reason or "no option letter in answer")
    letters = {"pred_letter": letter, "gold_letter": gold_letter}
    return Comparison(letter == gold_letter, confidence, method, reason, letters)


# --- internals -------------------------------------------------------------------------------


def _pred_letter(pred: str, options: dict[str, str]) -> tuple[str | None, float, str, str | None]:
    """(letter, confidence, method, reason) read from a prediction."""
    s = _strip_lead_in(clean_answer(pred))
    words = _WORD.findall(s)
    letters = {w.upper() for w in words if len(w) == 1 and w.upper() in LETTERS}
    only_letters = all(w.lower() in _FILLERS or (len(w) == 1 and w.upper() in LETTERS) for w in words)
    if only_letters and len(letters) > 1:
        return None, 1.0, "multiple_letters", f"several option letters: {', '.join(sorted(letters))}"
    if only_letters and len(letters) == 1 and len(words) > 1 and not _FILLERS.isdisjoint(w.lower() for w in words):
        return letters.pop(), 1.0, "letter", None  # "C or C", "option C and C": one letter
    bare = _bare_letter(s)
    if bare is not None:
        if s.strip(".):").islower():
            return bare, LOWER_CASE_CONFIDENCE, "letter", "lower-case letter"  # "c" for C: a convention
        return bare, 1.0, "letter", None
    if options:
        exact = _exact_option(s, options)
        if exact is not None:
            return exact, 0.9, "option_text", None
    prefixed = _prefixed_letter(s)
    if prefixed is not None:
        letter, rest = prefixed
        option_text = options.get(letter)
        # "C. Actually, A." or the option lines copied: more letters after the first are several answers
        others = sentence_letters(rest)[0] - {letter} if prose_words(rest) and normalize_text(rest) != normalize_text(option_text or "") else set()
        if others:
            return None, 1.0, "multiple_letters", f"several option letters: {', '.join(sorted({letter, *others}))}"
        if option_text and normalize_text(rest) != normalize_text(option_text):
            return letter, 0.8, "letter", "text after the letter differs from the option"
        return letter, 1.0, "letter", None
    # a sentence around the letter ("I think it's C"); LaTeX such as "\\mathrm{E}*2" is no sentence
    chosen, _ = sentence_letters(s) if prose_words(s) else (set(), set())
    if len(chosen) > 1:
        return None, 1.0, "multiple_letters", f"several option letters: {', '.join(sorted(chosen))}"
    if len(chosen) == 1:
        return chosen.pop(), SENTENCE_LETTER_CONFIDENCE, "letter", "letter read from a sentence"
    if options:
        inside = [k for k, v in options.items() if _contains_phrase(s, v)]
        if len(inside) == 1:
            return inside[0], 0.7, "option_text", "answer contains one option's text"
    return None, 0.9, "letter", "no option letter in answer"


def sentence_letters(text: str) -> tuple[set[str], set[str]]:
    """(chosen, rejected) option letters in a sentence, read from its last sentence (the whole text
    when that holds none): standalone capitals A-J, where a letter after a negation ("not", "n't",
    "cannot", "non", "不是", ...) up to the end of its clause is rejected, and "I"/"A" before a
    lower-case word are a pronoun and an article ("I think it's B", "A circle is ...").

    Example:
        >>> sentence_letters("It's not A because of the sign, therefore I think it's B")
        ({'B'}, {'A'})
    """
    chosen, rejected = _letters_in(last_sentence(text))
    if chosen:
        return chosen, rejected
    return _letters_in(text)


def _letters_in(text: str) -> tuple[set[str], set[str]]:
    chosen: set[str] = set()
    rejected: set[str] = set()
    tokens = list(_SENTENCE_TOKEN.finditer(text))
    negated = False
    for i, m in enumerate(tokens):
        word = m.group()
        low = word.lower()
        if low in _NEGATIONS or low.endswith(("n't", "n\u2019t")) or word.startswith(_NEGATION_PREFIXES):
            negated = True
            rest = word[next((len(p) for p in _NEGATION_PREFIXES if word.startswith(p)), 0) :]
            word = rest if rest != word else ""
            if not word:
                continue
        elif low in _CLAUSE_ENDS or word in ",;.!?。，；！？:":
            negated = False
            continue
        if len(word) == 1 and word in LETTERS:
            nxt = tokens[i + 1].group() if i + 1 < len(tokens) else ""
            gap = text[m.end() : tokens[i + 1].start()] if i + 1 < len(tokens) else ""
            if word in "IA" and gap == " " and nxt[:1].islower() and nxt not in _LETTER_FOLLOWERS:
                continue  # "I think", "A circle": a pronoun or an article
            if word == "I" and gap[:1] in ("'", "\u2019"):
                continue  # "I'd", "I'm"
            (rejected if negated else chosen).add(word)
    return chosen - rejected, rejected


def _strip_lead_in(s: str) -> str:
    """Drop "The answer is" / "Answer:" / "Option" / "Choice" before the letter."""
    end = 0
    for m in _LEAD_IN.finditer(s):
        end = m.end()
    s = s[end:].strip(" \t:*")
    low = s[:7].lower()
    for word in ("option", "choice"):
        if low.startswith(word) and (len(s) == len(word) or not s[len(word)].isalpha()):
            s = s[len(word) :].strip(" \t:*")
            break
    return clean_answer(s)


def _bare_letter(s: str) -> str | None:
    """"C", "c", "(C)", "[C]", "C.", "C)", "C:" -> "C"; anything else -> None."""
    s = s.strip()
    if len(s) == 3 and s[0] == "[" and s[2] == "]":
        s = s[1]
    if len(s) >= 3 and s[0] == "(" and s[2] == ")":
        core, tail = s[1], s[3:]
    elif s:
        core, tail = s[0], s[1:]
    else:
        return None
    if tail not in ("", ".", ")", ":") or core.upper() not in LETTERS:
        return None
    if s[0] == "(" and tail == ")":
        return None  # "(C))" is not a letter form
    return core.upper()


def _prefixed_letter(s: str) -> tuple[str, str] | None:
    """"(C) 42 apples", "C. 42 apples", "C) 42", "C: 42" -> ("C", "42 apples")."""
    if len(s) >= 4 and s[0] == "(" and s[2] == ")" and s[1].upper() in LETTERS and s[3].isspace():
        return s[1].upper(), s[3:].strip()
    if len(s) >= 3 and s[0].upper() in LETTERS and s[1] in ".):" and s[2].isspace():
        return s[0].upper(), s[2:].strip()
    return None


def _labelled_gold(gold: str) -> str | None:
    """The letter of a gold written as a labelled option: "(C) Canberra", "C. Canberra", "C)
    Canberra", or "C Canberra" (a capital letter, a space, a capitalised word) on its first line."""
    first = gold.strip().split("\n", 1)[0].strip()
    prefixed = _prefixed_letter(first)
    if prefixed is not None:
        return prefixed[0]
    if len(first) >= 3 and first[0] in LETTERS and first[1] == " " and first[2].isupper():
        return first[0]
    return None


def _exact_option(text: str, options: dict[str, str]) -> str | None:
    norm = normalize_text(text)
    if not norm:
        return None
    hits = [k for k, v in options.items() if normalize_text(v) == norm]
    return hits[0] if len(hits) == 1 else None


def _contains_phrase(text: str, phrase: str) -> bool:
    words, target = normalize_text(text).split(), normalize_text(phrase).split()
    k = len(target)
    return k > 0 and any(words[i : i + k] == target for i in range(len(words) - k + 1))


def _compare_option_text_without_options(pred: str, gold: str) -> Comparison:
    """Gold is option text but the prompt lists no options: compare texts, a letter is undecidable."""
    if normalize_text(pred) == normalize_text(gold):
        return Comparison(True, 0.9, "option_text")
    if parse_letter(pred) is not None:
        return Comparison.undecided("gold is option text and the prompt lists no options", method="choice")
    return Comparison(False, 0.8, "option_text", "answer differs from the gold option text")


def _option_line(line: str) -> tuple[str, str] | None:
    s = line.strip().lstrip("-*\u2022 \t").strip()
    if len(s) >= 3 and s[0] == "(" and s[2] == ")" and s[1].upper() in LETTERS:
        return s[1].upper(), s[3:].strip(" \t*")
    if len(s) >= 2 and s[1] in ".):" and (len(s) == 2 or s[2].isspace() or s[2] == "*"):
        if s[0] in LETTERS or (s[1] == ")" and s[0].upper() in LETTERS):
            return s[0].upper(), s[2:].strip(" \t*")
    # "A:40°" (MathVerse writes its options without a space); only after a colon, where "A.5" or
    # "A)b" style text is not at stake
    if len(s) >= 3 and s[1] == ":" and s[0] in LETTERS and not s[2].isspace():
        return s[0], s[2:].strip(" \t*")
    return None


def _inline_options(prompt: str) -> dict[str, str]:
    """"(A) 3 (B) 4 (C) 5" on one line -> {"A": "3", "B": "4", "C": "5"}; {} when fewer than two."""
    for a, b in (("(A)", "(B)"), ("(a)", "(b)")):
        start = prompt.find(a)
        if start < 0 or prompt.find(b, start) < 0:
            continue
        marks: list[tuple[str, int]] = []
        pos = start
        for letter in LETTERS:
            mark = f"({letter})" if a == "(A)" else f"({letter.lower()})"
            at = prompt.find(mark, pos)
            if at < 0:
                break
            marks.append((letter, at))
            pos = at + 3
        out: dict[str, str] = {}
        for i, (letter, at) in enumerate(marks):
            end = marks[i + 1][1] if i + 1 < len(marks) else len(prompt)
            out[letter] = prompt[at + 3 : end].split("\n", 1)[0].strip(" \t,;")
        if len(out) >= 2:
            return out
    return {}
