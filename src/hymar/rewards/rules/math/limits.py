"""Size limits and confidence levels of `compare_math` (one place, read by every stage)."""

from __future__ import annotations

MAX_INPUT_CHARS = 2000
MAX_SYMBOLIC_CHARS = 1000
MAX_NESTING = 32
MAX_ITEMS = 64
# Element comparisons one call may make (order-free matching of nested sets is quadratic per level).
MAX_ELEMENT_COMPARISONS = 4096
PARTIAL_CONFIDENCE = 0.9
UNPARSEABLE_CONFIDENCE = 0.8
#: a number with a counted noun against the same number with a different noun ("4 cats" vs "4 dogs")
NOUN_MISMATCH_CONFIDENCE = 0.7
#: significant digits a rounded decimal needs to match an exact gold (1/3 -> "0.33")
ROUNDING_MIN_SIG_DIGITS = 2
#: ... and to match a gold that is itself a rounded decimal ("2.534" -> "2.53", not "2.5")
ROUNDING_MIN_SIG_DIGITS_DECIMAL_GOLD = 3
#: a decimal rounding of an exact gold ("0.33" for 1/3, "3.1416" for \pi): right by convention
ROUNDED_EXACT_CONFIDENCE = 0.8
#: two bare lists equal only when read order-free ("1, 2" vs "2, 1")
ORDER_FREE_CONFIDENCE = 0.8
