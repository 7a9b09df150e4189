"""Exact number parsing and unit splitting (hymar.rewards.rules.numbers)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from hymar.rewards.rules.numbers import (
    MAX_DIGITS,
    MAX_EXPONENT,
    NumberTooLarge,
    parse_number,
    parse_number_ex,
    split_unit,
    unit_info,
)

# (text, expected value or None, reason)
PARSE_CASES = [
    ("42", F(42), "plain integer"),
    ("-7", F(-7), "negative integer"),
    ("\u22127", F(-7), "unicode minus"),
    ("+3", F(3), "explicit plus sign"),
    ("0.5", F(1, 2), "decimal"),
    (".5", F(1, 2), "decimal without leading zero"),
    ("3.", F(3), "trailing decimal point"),
    ("-0.125", F(-1, 8), "negative decimal"),
    ("1,234", F(1234), "comma thousands separator"),
    ("1 234", F(1234), "space thousands separator"),
    ("1_234", F(1234), "underscore thousands separator"),
    ("12,345,678.25", F(1234567825, 100), "several groups and a fraction part"),
    ("1{,}234", F(1234), "LaTeX {,} separator"),
    ("1,2", None, "a 1-digit group is not a thousands separator"),
    ("1,2345", None, "a 4-digit group is not a thousands separator"),
    ("1,234 567", None, "mixed separators"),
    ("3/4", F(3, 4), "slash fraction"),
    ("-1/2", F(-1, 2), "negative slash fraction"),
    ("\\frac{3}{4}", F(3, 4), "LaTeX fraction"),
    ("\\dfrac{3}{4}", F(3, 4), "display fraction"),
    ("\\frac34", F(3, 4), "single-digit LaTeX shorthand"),
    ("\\frac{-1}{2}", F(-1, 2), "sign inside the numerator"),
    ("-\\frac{1}{2}", F(-1, 2), "sign before the fraction"),
    ("\\frac{0.5}{2}", F(1, 4), "decimal numerator"),
    ("\\frac{1}{0}", None, "division by zero is not a number"),
    ("2\\frac{1}{2}", F(5, 2), "mixed number in LaTeX"),
    ("2 1/2", F(5, 2), "mixed number in text"),
    ("3e4", F(30000), "e notation"),
    ("1.5E-3", F(3, 2000), "E notation with negative exponent"),
    ("3 \\times 10^{4}", F(30000), "LaTeX times ten to the power"),
    ("3\\cdot10^4", F(30000), "cdot with an unbraced single-digit exponent"),
    ("3\u00b710^4", F(30000), "middle dot"),
    ("2.5\u00d710^{-2}", F(1, 40), "multiplication sign and negative exponent"),
    ("10^{5}", F(100000), "bare power of ten"),
    ("10^45", None, "unbraced multi-digit exponent is ambiguous in LaTeX"),
    ("50%", F(1, 2), "percent"),
    ("50\\%", F(1, 2), "escaped percent"),
    ("12.5 %", F(1, 8), "percent after a space"),
    ("$-7$", F(-7), "math delimiters"),
    ("x", None, "a variable"),
    ("2x", None, "a product with a variable"),
    ("1+1", None, "an expression is not a plain number"),
    ("", None, "empty"),
    ("--3", None, "double sign"),
    ("\u0663", None, "non-ASCII digits are not accepted"),
]


class TestParseNumber:
    @pytest.mark.parametrize("text,expected,reason", PARSE_CASES, ids=[c[2] for c in PARSE_CASES])
    def test_value(self, text, expected, reason):
        assert parse_number(text) == expected, reason

    def test_percent_is_flagged(self):
        parsed = parse_number_ex("50%")
        assert parsed is not None and parsed.percent and parsed.value == F(1, 2)

    @pytest.mark.parametrize(
        "text,decimals,sig,reason",
        [
            ("0.333", 3, 3, "three written decimals"),
            ("0.0330", 4, 3, "leading zeros are not significant, trailing ones are"),
            ("3.0e4", -3, 2, "exponent shifts the last written digit"),
            ("12.5%", 3, 3, "percent moves the decimal point by two"),
            ("42", None, 2, "integers are exact"),
            ("\\frac{1}{3}", None, 0, "fractions are exact"),
        ],
    )
    def test_written_precision(self, text, decimals, sig, reason):
        parsed = parse_number_ex(text)
        assert parsed is not None
        assert (parsed.decimals, parsed.sig_digits) == (decimals, sig), reason

    @pytest.mark.parametrize(
        "text,reason",
        [
            ("1" * (MAX_DIGITS + 1), "digit string over the limit"),
            ("1" * 100_000, "100k digits"),
            (f"1e{MAX_EXPONENT + 1}", "exponent over the limit"),
            (f"3\\times10^{{-{MAX_EXPONENT + 1}}}", "negative exponent over the limit"),
            ("0." + "1" * (MAX_DIGITS + 1), "too many decimals"),
        ],
    )
    def test_too_large_is_reported(self, text, reason):
        with pytest.raises(NumberTooLarge):
            parse_number_ex(text)
        assert parse_number(text) is None, reason

    def test_limits_are_inclusive(self):
        assert parse_number("9" * MAX_DIGITS) == F(int("9" * MAX_DIGITS))
        assert parse_number(f"1e{MAX_EXPONENT}") == F(10) ** MAX_EXPONENT

    def test_non_string_is_not_a_number(self):
        assert parse_number(12) is None  # type: ignore[arg-type]


# (text, number part, unit key, reason)
UNIT_CASES = [
    ("12 cm", "12", "cm", "unit after a space"),
    ("12cm", "12", "cm", "multi-letter unit attached"),
    ("12 m", "12", "m", "single-letter unit after a space"),
    ("2m", "2m", None, "attached single letter is a variable, not metres"),
    ("3h", "3h", None, "attached h is a variable"),
    ("5 kg", "5", "kg", "mass"),
    ("3 m^2", "3", "m^2", "area with caret"),
    ("3 m^{2}", "3", "m^2", "area with braces"),
    ("3 cm\u00b3", "3", "cm^3", "superscript three"),
    ("1.5 L", "1.5", "l", "litres upper case"),
    ("250 mL", "250", "ml", "millilitres"),
    ("5 meters", "5", "m", "plural long name"),
    ("2 hours", "2", "h", "plural hours"),
    ("7 feet", "7", "ft", "irregular plural"),
    ("90^\\circ", "90", "deg", "LaTeX degree"),
    ("90^{\\circ}", "90", "deg", "braced LaTeX degree"),
    ("90\u00b0", "90", "deg", "degree sign"),
    ("\\$5", "5", "currency", "escaped dollar prefix"),
    ("-$5", "-5", "currency", "sign before a currency prefix"),
    ("\u20ac3", "3", "currency", "euro prefix"),
    ("5 dollars", "5", "currency", "currency word"),
    ("\\frac{1}{2} km", "\\frac{1}{2}", "km", "unit after a fraction"),
    ("x", "x", None, "no number, no unit"),
    ("cm", "cm", None, "a unit without a number is not split"),
    ("12", "12", None, "no unit"),
]


class TestUnits:
    @pytest.mark.parametrize("text,number,unit,reason", UNIT_CASES, ids=[c[3] for c in UNIT_CASES])
    def test_split(self, text, number, unit, reason):
        assert split_unit(text) == (number, unit), reason

    @pytest.mark.parametrize(
        "unit,dim,factor",
        [
            ("cm", "length", F(1, 100)),
            ("km", "length", F(1000)),
            ("in", "length", F(254, 10000)),
            ("g", "mass", F(1, 1000)),
            ("min", "time", F(60)),
            ("cm^2", "length^2", F(1, 10000)),
            ("cm^3", "length^3", F(1, 10**6)),
            ("ml", "length^3", F(1, 10**6)),
            ("deg", None, F(1)),
            ("currency", None, F(1)),
        ],
    )
    def test_unit_info(self, unit, dim, factor):
        assert unit_info(unit) == (dim, factor)

    def test_millilitre_is_a_cubic_centimetre(self):
        assert unit_info("ml") == unit_info("cm^3")
