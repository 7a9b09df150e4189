"""Exact parsing of numeric answers and of the units written after them.

Pure Python, no sympy, no eval: every form is matched by anchored regular expressions without nested
quantifiers (linear time) and turned into a `fractions.Fraction`, so comparisons are exact.

Accepted forms (after light clean-up of spaces, unicode minus, ``\\%``, ``\\dfrac``/``\\tfrac``):

- integers and decimals, optional sign: ``-7``, ``+3``, ``0.5``, ``.5``, ``3.``
- thousands separators when every group after the first has exactly 3 digits: ``1,234``,
  ``1 234``, ``1_234``, ``12,345,678.5`` (``1,2`` is not a number: it is a list, see ``math.py``)
- simple fractions ``3/4``, ``-1/2``, ``\\frac{3}{4}``, ``\\frac34``, ``\\frac{-1}{2}``
- mixed numbers ``2\\frac{1}{2}`` and ``2 1/2`` (= 5/2, the convention latex2sympy also uses)
- scientific notation ``3e4``, ``1.5E-3``, ``3 \\times 10^{4}``, ``3\\cdot10^4``, ``3·10^4``, ``10^{5}``,
  typed forms ``1.5 × 10^-3`` and ``1.5 x 10^{-3}`` (an unbraced exponent is one digit, or signed digits)
- percentages ``50%``, ``50\\%``, ``50 percent``, ``50 per cent`` (value divided by 100, flagged so
  callers can also try the bare 50)

Size limits: mantissas with more than ``MAX_DIGITS`` digits and exponents whose magnitude exceeds
``MAX_EXPONENT`` raise `NumberTooLarge` from `parse_number_ex` (and give None from `parse_number`), so a
caller can report "number too large" instead of burning CPU on a 100k-digit integer.

Units: `split_unit` separates a trailing unit (``12 cm``, ``5kg``, ``3 m^2``, ``24 square centimeters``,
``60 km/h``, ``60 kilometers per hour``, ``90^\\circ``) or a leading currency sign (``\\$5``, ``€3``) from
the number; `unit_info` gives the unit's dimension and its size in SI base units, so ``12 m`` and
``1200 cm`` compare equal exactly. `split_noun` separates a counted noun that is not a unit
(``4 cats``), which callers may ignore when the other side has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

MAX_DIGITS = 400
MAX_EXPONENT = 1000
# Longer strings are never plain numbers within the limits above (digits + separators + exponent).
_MAX_NUMBER_CHARS = 2 * MAX_DIGITS + 64


class NumberTooLarge(ValueError):
    """A numeric literal over MAX_DIGITS digits or with an exponent beyond MAX_EXPONENT."""


@dataclass(frozen=True)
class ParsedNumber:
    """A number read from text.

    Attributes:
        value: the exact value (percentages already divided by 100).
        percent: written with a percent sign.
        decimals: for decimal notation, the position of the last written digit as a power of ten
            (``0.333`` -> 3, ``3.0e4`` -> -3, ``12.5%`` -> 3); None for exact forms (integers,
            fractions) whose written digits are not a rounding.
        sig_digits: significant digits written in the mantissa (``0.0330`` -> 3).
    """

    value: Fraction
    percent: bool = False
    decimals: int | None = None
    sig_digits: int = 0

    @property
    def exact(self) -> bool:
        return self.decimals is None


# ----------------------------------------------------------------------------------------------
# clean-up

_REPLACEMENTS = (
    ("\u2212", "-"),  # unicode minus
    ("\u2013", "-"),  # en dash, often typed for a minus
    ("\\%", "%"),
    ("\\dfrac", "\\frac"),
    ("\\tfrac", "\\frac"),
    ("{,}", ","),  # LaTeX "1{,}234": a comma without the math-mode space
    ("\\times", "*"),
    ("\\cdot", "*"),
    ("\u00d7", "*"),  # ×
    ("\u00b7", "*"),  # ·
    ("\u22c5", "*"),  # ⋅
    ("\\,", " "),
    ("\\;", " "),
    ("\\:", " "),
    ("\\!", ""),
    ("~", " "),
)


def _clean(text: str) -> str:
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    text = text.strip()
    if text.startswith("$") and text.endswith("$") and len(text) >= 2:
        text = text.strip("$").strip()
    return text


# ----------------------------------------------------------------------------------------------
# the grammar

_D = "[0-9]"
# Unsigned decimal mantissa: "12", "12.", "12.50", ".5".
_MANTISSA_RE = re.compile(rf"(?P<int>{_D}*)(?:\.(?P<frac>{_D}*))?")
# Thousands-separated integer part: 1-3 digits then groups of exactly 3 after ONE separator kind.
_THOUSANDS_RE = re.compile(rf"{_D}{{1,3}}(?P<sep>[, _]){_D}{{3}}(?:(?P=sep){_D}{{3}})*(?:\.{_D}*)?")
_EXP_E_RE = re.compile(rf"(?P<m>[0-9.]+)[eE](?P<e>[+-]?{_D}+)")
# "M*10^{K}", "M*10^K" (one digit without braces, as in LaTeX), "M*10^-K" (a signed exponent
# without braces: plain-text typing, where LaTeX's one-token reading "10^{-}" would mean nothing), or
# "10^{K}". "x"/"X" between mantissa and 10 is a typed times sign ("1.5 x 10^{-3}").
_EXP_TEN_RE = re.compile(
    rf"(?:(?P<m>[0-9.]+)[*xX])?10\^(?:\{{(?P<e1>[+-]?{_D}+)\}}|(?P<e2>{_D})|(?P<e3>[+-]{_D}+))"
)
_SLASH_RE = re.compile(r"(?P<a>[+-]?[0-9.]+)/(?P<b>[+-]?[0-9.]+)")
_FRAC_RE = re.compile(r"\\frac\{(?P<a>[^{}]{1,900})\}\{(?P<b>[^{}]{1,900})\}")
_FRAC_SHORT_RE = re.compile(rf"\\frac(?P<a>{_D})(?P<b>{_D})")
_MIXED_FRAC_RE = re.compile(rf"(?P<w>{_D}+)\s*\\frac\{{(?P<a>{_D}+)\}}\{{(?P<b>{_D}+)\}}")
_MIXED_SLASH_RE = re.compile(rf"(?P<w>{_D}+)\s+(?P<a>{_D}+)/(?P<b>{_D}+)")
_LONG_DIGIT_RUN_RE = re.compile(rf"{_D}{{{MAX_DIGITS + 1}}}")


def parse_number(text: str) -> Fraction | None:
    """The exact value of a numeric answer, or None when it is not a number (or is too large).

    Args:
        text: an extracted answer such as ``"1,234"``, ``"\\frac{3}{4}"``, ``"-0.5"``, ``"3e4"``.

    Returns:
        A Fraction (percentages divided by 100), or None.

    >>> parse_number("\\\\frac{3}{4}"), parse_number("50%"), parse_number("1,234")
    (Fraction(3, 4), Fraction(1, 2), Fraction(1234, 1))
    """
    try:
        parsed = parse_number_ex(text)
    except NumberTooLarge:
        return None
    return parsed.value if parsed is not None else None


@lru_cache(maxsize=8192)  # pure; golds repeat across a GRPO group (exceptions are not cached)
def parse_number_ex(text: str) -> ParsedNumber | None:
    """Like `parse_number` but keeps how the number was written (percent, decimals).

    Args:
        text: an extracted answer.

    Returns:
        A ParsedNumber, or None when ``text`` is not a number in a supported form.

    Raises:
        NumberTooLarge: the text is a number whose digits or exponent exceed the limits.
    """
    if not isinstance(text, str):
        return None
    if _LONG_DIGIT_RUN_RE.search(text):
        raise NumberTooLarge(f"more than {MAX_DIGITS} digits")
    if len(text) > _MAX_NUMBER_CHARS * 2:
        return None
    s = _clean(text)
    if not s or len(s) > _MAX_NUMBER_CHARS:
        return None

    s = percent_words_to_sign(s)
    percent = s.endswith("%")
    if percent:
        s = s[:-1].rstrip()
    negative = False
    if s[:1] in "+-" and s:
        negative = s[0] == "-"
        s = s[1:].lstrip()
    if not s:
        return None

    parsed = _parse_unsigned(s)
    if parsed is None:
        return None
    value, decimals, sig = parsed
    if negative:
        value = -value
    if percent:
        value /= 100
        decimals = decimals + 2 if decimals is not None else None
    return ParsedNumber(value=value, percent=percent, decimals=decimals, sig_digits=sig)


_PERCENT_WORDS = ("per cent", "percent", "pct")


def percent_words_to_sign(text: str) -> str:
    """``"12.5 percent"`` / ``"12.5 per cent"`` / ``"12.5 pct"`` -> ``"12.5%"`` (a trailing word only,
    any case); other text is returned unchanged. The word and the sign mean the same."""
    stripped = text.rstrip()
    lowered = stripped.lower()
    for word in _PERCENT_WORDS:
        if lowered.endswith(word) and len(lowered) > len(word):
            before = stripped[: len(stripped) - len(word)]
            if not before[-1].isalpha():  # "12.5 percent", not "expercent"
                return before.rstrip() + "%"
    return text


def _parse_unsigned(s: str) -> tuple[Fraction, int | None, int] | None:
    """(value, decimals, significant digits) of an unsigned number, or None."""
    if m := _MIXED_FRAC_RE.fullmatch(s) or _MIXED_SLASH_RE.fullmatch(s):
        whole, num, den = (_checked_int(m.group(g)) for g in ("w", "a", "b"))
        if den == 0:
            return None
        return Fraction(whole) + Fraction(num, den), None, 0
    if _THOUSANDS_RE.fullmatch(s):
        s = s.replace(",", "").replace(" ", "").replace("_", "")
    s = "".join(s.split())  # spaces inside "3 * 10^{4}" carry no meaning
    if not s:
        return None
    if m := _FRAC_RE.fullmatch(s) or _FRAC_SHORT_RE.fullmatch(s) or _SLASH_RE.fullmatch(s):
        return _ratio(m.group("a"), m.group("b"))
    if m := _EXP_E_RE.fullmatch(s):
        return _scaled(m.group("m"), m.group("e"))
    if m := _EXP_TEN_RE.fullmatch(s):
        return _scaled(m.group("m") or "1", m.group("e1") or m.group("e2") or m.group("e3"))
    return _scaled(s, "0")


def _ratio(a: str, b: str) -> tuple[Fraction, int | None, int] | None:
    """An exact a/b where a and b are (signed) plain numbers."""
    pa, pb = parse_number_ex(a), parse_number_ex(b)
    if pa is None or pb is None or pa.percent or pb.percent or pb.value == 0:
        return None
    return pa.value / pb.value, None, 0


def _scaled(mantissa: str, exponent: str) -> tuple[Fraction, int | None, int] | None:
    """mantissa * 10**exponent, exactly, with the decimals/significant digits as written."""
    m = _MANTISSA_RE.fullmatch(mantissa)
    if m is None:
        return None
    int_part, frac_part = m.group("int"), m.group("frac")
    if not int_part and not frac_part:
        return None
    digits = int_part + (frac_part or "")
    if len(digits) > MAX_DIGITS:
        raise NumberTooLarge(f"more than {MAX_DIGITS} digits")
    exp = int(exponent)
    if abs(exp) > MAX_EXPONENT:
        raise NumberTooLarge(f"exponent beyond {MAX_EXPONENT}")
    n_frac = len(frac_part or "")
    value = Fraction(int(digits)) * Fraction(10) ** (exp - n_frac)
    sig = len(digits.lstrip("0"))
    # Integers without exponent are exact; a decimal point or an exponent marks a written rounding.
    decimals = None if frac_part is None and exp == 0 else n_frac - exp
    return value, decimals, sig


def _checked_int(digits: str) -> int:
    if len(digits) > MAX_DIGITS:
        raise NumberTooLarge(f"more than {MAX_DIGITS} digits")
    return int(digits)


# ----------------------------------------------------------------------------------------------
# units

# unit key -> (dimension, size in SI base units). Volumes are length^3 so that 1 ml == 1 cm^3.
_BASE_UNITS: dict[str, tuple[str, Fraction]] = {
    "mm": ("length", Fraction(1, 1000)),
    "cm": ("length", Fraction(1, 100)),
    "m": ("length", Fraction(1)),
    "km": ("length", Fraction(1000)),
    "in": ("length", Fraction(254, 10000)),
    "ft": ("length", Fraction(3048, 10000)),
    "mi": ("length", Fraction(1609344, 1000)),  # international mile, exactly 1609.344 m
    "mg": ("mass", Fraction(1, 1000_000)),
    "g": ("mass", Fraction(1, 1000)),
    "kg": ("mass", Fraction(1)),
    "ms": ("time", Fraction(1, 1000)),
    "s": ("time", Fraction(1)),
    "min": ("time", Fraction(60)),
    "h": ("time", Fraction(3600)),
    "ml": ("length^3", Fraction(1, 1000_000)),
    "l": ("length^3", Fraction(1, 1000)),
}
# spelled names (US and UK spellings) and abbreviations -> unit key; a key may be compound ("km/h")
_ALIASES: dict[str, str] = {
    **{k: k for k in _BASE_UNITS},
    "millimeter": "mm", "millimetre": "mm", "centimeter": "cm", "centimetre": "cm",
    "meter": "m", "metre": "m", "kilometer": "km", "kilometre": "km",
    "inch": "in", "inches": "in", "foot": "ft", "feet": "ft", "mile": "mi",
    "milligram": "mg", "gram": "g", "kilogram": "kg",
    "millisecond": "ms", "sec": "s", "secs": "s", "second": "s", "minute": "min", "mins": "min",
    "hr": "h", "hrs": "h", "hour": "h",
    "mL": "ml", "L": "l", "milliliter": "ml", "millilitre": "ml", "liter": "l", "litre": "l",
    "kph": "km/h", "kmh": "km/h", "mph": "mi/h",
}  # fmt: skip
for _name in [a for a in _ALIASES if len(a) > 3 and not a.endswith(("s", "feet"))]:
    _ALIASES[_name + "s"] = _ALIASES[_name]  # plurals: meters, grams, hours, ...
# Units ignored for comparison (decoration): degree marks and currency.
DEGREE = "deg"
CURRENCY = "currency"
_DECORATION_SUFFIXES: dict[str, str] = {
    "°": DEGREE, "^\\circ": DEGREE, "^{\\circ}": DEGREE, "\\circ": DEGREE, "\\degree": DEGREE,
    "degrees": DEGREE, "degree": DEGREE, "dollars": CURRENCY, "dollar": CURRENCY, "USD": CURRENCY,
    "euros": CURRENCY, "euro": CURRENCY, "€": CURRENCY, "cents": CURRENCY,
}
_POWER_WORDS = {
    "square": "2", "sq": "2", "sq.": "2", "squared": "2", "cubic": "3", "cu": "3", "cu.": "3", "cubed": "3",
}  # fmt: skip

_UNIT_ALT = "|".join(re.escape(a) for a in sorted(_ALIASES, key=len, reverse=True))
_DECO_ALT = "|".join(re.escape(a) for a in sorted(_DECORATION_SUFFIXES, key=len, reverse=True))
# A unit expression: [square|cubic] NAME[^2|²] [squared|cubed] [(/|per) NAME[^2|²]]. Every optional part
# starts with a distinct literal, so a failed attempt costs one pass over the text after the number.
_UNIT_EXPR = (
    rf"(?:(?P<pre>square|sq\.?|cubic|cu\.?)\s+)?(?P<u>{_UNIT_ALT})"
    r"(?:\s*\^\{?(?P<p>[23])\}?|(?P<sup>[²³]))?(?:\s+(?P<post>squared|cubed))?"
    rf"(?:(?:\s*/\s*|\s+per\s+)(?P<u2>{_UNIT_ALT})(?:\s*\^\{{?(?P<p2>[23])\}}?|(?P<sup2>[²³]))?)?"
)
# The unit must follow something that ends a number (digit, brace, bracket, point, percent).
_UNIT_SUFFIX_RE = re.compile(rf"(?<=[0-9}}).%)])(?P<sep>\s*){_UNIT_EXPR}\s*$")
_DECO_SUFFIX_RE = re.compile(rf"(?<=[0-9}}).%)])\s*(?P<u>{_DECO_ALT})\s*$")
_CURRENCY_PREFIX_RE = re.compile(r"^(?P<sign>[+\-\u2212]?)\s*(?:\\\$|\$|€|£|\\euro\b)\s*")
_SUPERSCRIPTS = {"²": "2", "³": "3"}


@lru_cache(maxsize=8192)  # pure; golds repeat across a GRPO group
def split_unit(text: str) -> tuple[str, str | None]:
    """Split a trailing unit (or a leading currency sign) from a numeric answer.

    Units are abbreviations or spelled names, singular or plural, US or UK spelling (``cm``,
    ``centimetres``, ``kilometers``), with a power (``m^2``, ``cm²``, ``square centimeters``,
    ``cubic metres``, ``m squared``) and an optional ``/`` or ``per`` denominator (``km/h``,
    ``kilometers per hour``, ``m/s^2``); ``kph``/``mph`` are speeds. Single-letter units (m, s, h, g,
    l, L) must be separated from the number by a space unless a denominator follows, so that ``2m``
    or ``3h`` (likely variables) are not read as units; ``\\text{m}`` normalised to `` m`` is.

    Args:
        text: e.g. ``"12 cm"``, ``"5kg"``, ``"3 m^2"``, ``"60 kilometers per hour"``, ``"90^\\circ"``,
            ``"\\$5"``.

    Returns:
        (number_part, unit_key) where unit_key is e.g. ``"cm"``, ``"m^2"``, ``"km/h"``, ``"deg"``,
        ``"currency"``, or (text stripped, None) when there is no unit.

    >>> split_unit("12 cm"), split_unit("3 m^2"), split_unit("x")
    (('12', 'cm'), ('3', 'm^2'), ('x', None))
    """
    s = text.strip()
    unit: str | None = None
    if m := _CURRENCY_PREFIX_RE.match(s):
        s = (m.group("sign") + s[m.end():]).strip()
        unit = CURRENCY
    if m := _DECO_SUFFIX_RE.search(s):
        return s[: m.start()].strip(), _DECORATION_SUFFIXES[m.group("u")]
    if m := _UNIT_SUFFIX_RE.search(s):
        key = _unit_key(m)
        if key is not None:
            return s[: m.start()].strip(), key
    return s, unit


def _unit_key(m: re.Match[str]) -> str | None:
    """The unit key of a `_UNIT_SUFFIX_RE` match, or None when the match is not a unit."""
    name, name2 = m.group("u"), m.group("u2")
    if len(name) == 1 and not m.group("sep") and name2 is None:
        return None  # "2m": a variable, not metres
    key = _ALIASES[name]
    power = m.group("p") or _SUPERSCRIPTS.get(m.group("sup") or "", "")
    power = power or _POWER_WORDS.get(m.group("pre") or m.group("post") or "", "")
    if "/" in key and (power or name2):
        return None  # "kph^2", "mph per s": not a unit we model
    key = f"{key}^{power}" if power else key
    if name2 is None:
        return key
    key2 = _ALIASES[name2]
    if "/" in key2:
        return None
    power2 = m.group("p2") or _SUPERSCRIPTS.get(m.group("sup2") or "", "")
    return f"{key}/{key2}^{power2}" if power2 else f"{key}/{key2}"


def unit_info(unit: str) -> tuple[str | None, Fraction]:
    """Dimension and size in SI base units of a key from `split_unit`.

    Args:
        unit: a unit key such as ``"cm"``, ``"m^2"``, ``"km/h"``, ``"deg"``.

    Returns:
        (dimension, factor); dimension is None for decoration (degree marks, currency), which is
        ignored for comparison. ``unit_info("cm^2") == ("length^2", Fraction(1, 10000))``;
        a quotient divides: ``unit_info("km/h") == ("length/time", Fraction(5, 18))``.
    """
    if unit in (DEGREE, CURRENCY):
        return None, Fraction(1)
    numerator, _, denominator = unit.partition("/")
    dim, factor = _power_info(numerator)
    if not denominator:
        return dim, factor
    dim2, factor2 = _power_info(denominator)
    return f"{dim}/{dim2}", factor / factor2


def _power_info(unit: str) -> tuple[str, Fraction]:
    """Dimension and factor of one ``base[^power]`` key."""
    base, _, power = unit.partition("^")
    dim, factor = _BASE_UNITS[base]
    if not power:
        return dim, factor
    # powers of a length (area, volume); a power of another dimension is still well defined
    if dim.startswith("length"):
        dim_power = int(dim.partition("^")[2] or 1) * int(power)
        return f"length^{dim_power}", factor ** int(power)
    return f"{dim}^{power}", factor ** int(power)


# ----------------------------------------------------------------------------------------------
# counted nouns ("4 cats")

#: at most this many words after a number are read as the counted noun ("4 red apples")
MAX_NOUN_WORDS = 3
# Words that change a number's value or hedge it: "4 million", "4 squared", "4 thirds", "4 pi", "4 or".
_NOT_NOUNS = frozenset(
    {
        "or", "and", "nor", "not", "maybe", "perhaps", "possibly", "either", "approximately", "about",
        "roughly", "times", "plus", "minus", "over", "divided", "squared", "cubed", "factorial", "percent",
        "pct", "cent", "per", "pi", "sin", "cos", "tan", "log", "ln", "exp", "sqrt", "mod", "hundred",
        "hundreds", "thousand", "thousands", "million", "millions", "billion", "billions", "trillion",
        "trillions", "dozen", "dozens", "half", "halves", "third", "thirds", "quarter", "quarters",
        "fourth", "fourths", "fifth", "fifths", "sixth", "sixths", "seventh", "sevenths", "eighth",
        "eighths", "ninth", "ninths", "tenth", "tenths", "hundredth", "hundredths", "thousandth",
        "thousandths", "millionth", "millionths",
    }
)  # fmt: skip


_EAST_ASIAN = "\u2e80-\u9fff\u3040-\u30ff\uac00-\ud7af"
_GLUED_EAST_ASIAN = re.compile(f"([0-9}}])([{_EAST_ASIAN}])")


def _east_asian(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\u3040" <= ch <= "\u30ff" or "\uac00" <= ch <= "\ud7af"


def split_noun(text: str) -> tuple[str, str] | None:
    """Split a counted noun from a number: ``"4 Cats"`` -> ``("4", "cats")``; None when there is none.

    The noun is 1 to `MAX_NOUN_WORDS` words of letters (inner ``-``/``'`` allowed) after the number
    and a space, the first of at least 3 letters (``4 x`` is a product), none a word that changes the
    value or hedges (``4 million``, ``4 squared``, ``4 thirds``, ``4 or``). Known units are not nouns:
    callers try `split_unit` first. The noun is returned lower-cased; compare two nouns with
    `same_noun`, which matches singular and plural.

    Args:
        text: e.g. ``"4 cats"``, ``"12 red apples"``, ``"\\frac{1}{2} cup"``.

    Returns:
        (number_part, noun) or None. The number part is not checked to be a number.
    """
    # CJK, kana and hangul words follow a number with or without a space ("15です", "858 颗")
    tokens = _GLUED_EAST_ASIAN.sub(r"\1 \2", text).split()
    words: list[str] = []
    while tokens and len(words) < MAX_NOUN_WORDS:
        token = tokens[-1]
        if not (token[0].isalpha() and token.replace("-", "").replace("'", "").isalpha()):
            break
        words.append(tokens.pop().lower())
    if not tokens or not words:
        return None
    words.reverse()
    number = " ".join(tokens)
    # "4 x" is a product; a word of an East Asian script is never a one-letter symbol
    if not (number[-1].isdigit() or number[-1] == "}") or (len(words[0]) < 3 and not _east_asian(words[0][0])):
        return None
    if any(w in _NOT_NOUNS for w in words):
        return None
    return number, " ".join(words)


def same_noun(a: str, b: str) -> bool:
    """Whether two nouns from `split_noun` name the same thing, singular or plural ("cat"/"cats",
    "box"/"boxes", "puppy"/"puppies"): their last words share a crude singular form."""
    head_a, _, last_a = a.rpartition(" ")
    head_b, _, last_b = b.rpartition(" ")
    return head_a == head_b and not _singulars(last_a).isdisjoint(_singulars(last_b))


def _singulars(word: str) -> set[str]:
    """The word and its possible singular forms (plural "-s", "-es", "-ies")."""
    out = {word}
    if word.endswith("s") and not word.endswith("ss"):
        out.add(word[:-1])
        if word.endswith("es"):
            out.add(word[:-2])
        if word.endswith("ies"):
            out.add(word[:-3] + "y")
    return out
