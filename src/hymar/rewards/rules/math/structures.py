"""Structures of an answer: bracketed sequences (tuples, intervals), ``\\{...\\}`` sets, bare lists."""

from __future__ import annotations

from dataclasses import dataclass

from hymar.rewards.rules.math.limits import MAX_ELEMENT_COMPARISONS, MAX_ITEMS

_OPEN, _CLOSE = "([{", ")]}"


@dataclass(frozen=True)
class Struct:
    kind: str  # "seq" (bracketed, ordered), "set" (\{...\}), "list" (bare commas)
    brackets: str  # e.g. "[)" for seq, "" otherwise
    items: tuple[str, ...]


def nesting_depth(s: str) -> int:
    depth = deepest = 0
    for ch in s:
        if ch in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif ch in _CLOSE:
            depth -= 1
    return deepest


def _encloses(s: str, start: int, end: int) -> bool:
    """True when the bracket at ``start`` closes exactly at ``end`` (any bracket kinds, so that
    half-open intervals count)."""
    depth = 0
    for i in range(start, end + 1):
        ch = s[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                return i == end
    return False


def split_top(s: str, *, thousands: bool) -> list[str]:
    """Split on commas at bracket depth 0. With ``thousands``, a comma between a 1-3 digit group and
    exactly three digits (``1,234``) is a thousands separator, not a split."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif ch == "," and depth == 0:
            if thousands and _is_thousands_comma(s, i):
                continue
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def _is_thousands_comma(s: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and s[j].isdigit():
        j -= 1
    before = i - 1 - j  # digits in the group before the comma
    if not 1 <= before <= 3 or (j >= 0 and s[j] == "."):
        return False
    after = s[i + 1 : i + 5]
    return len(after) >= 3 and after[:3].isdigit() and (len(after) == 3 or not after[3].isdigit())


def structure(s: str) -> Struct | None:
    """The structure of ``s`` or None for a scalar. Raises ValueError for too many items."""
    if s.startswith("\\{") and s.endswith("\\}") and len(s) >= 4:
        inner = s[2:-2].strip()
        items = tuple(split_top(inner, thousands=False)) if inner else ()
        return _checked(Struct("set", "", items))
    if len(s) >= 2 and s[0] in "([" and s[-1] in ")]" and _encloses(s, 0, len(s) - 1):
        items = tuple(split_top(s[1:-1], thousands=False))
        return _checked(Struct("seq", s[0] + s[-1], items))
    items = tuple(split_top(s, thousands=True))
    if len(items) > 1:
        return _checked(Struct("list", "", items))
    plus_minus = _plus_minus(s)
    if plus_minus is not None:
        return Struct("list", "", plus_minus)
    return None


def _plus_minus(s: str) -> tuple[str, str] | None:
    """``\\pm 2`` is the list -2, 2; ``1 \\pm \\sqrt{2}`` is 1 - \\sqrt{2}, 1 + \\sqrt{2}: one \\pm at the
    top level (outside brackets and braces), read once as ``-`` and once as ``+`` where it stands."""
    at = s.find("\\pm")
    if at < 0 or s.find("\\pm", at + 3) >= 0 or s[at + 3 : at + 4].isalpha():
        return None
    if _open_at(s, at):
        return None  # inside brackets or braces: "\\frac{1 \\pm \\sqrt{5}}{2}" is one expression's two values
    head, tail = s[:at].strip(), s[at + 3 :].strip()
    if not tail or any(ch in head + tail for ch in ",;=<>"):
        return None
    if not head:
        return (f"-{tail}", tail)
    return (f"{head} - {tail}", f"{head} + {tail}")


def _open_at(s: str, at: int) -> bool:
    """True when position ``at`` of ``s`` lies inside a bracket or brace."""
    depth = 0
    for ch in s[:at]:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
    return depth > 0


def _checked(struct: Struct) -> Struct:
    if len(struct.items) > MAX_ITEMS:
        raise SizeLimit(f"more than {MAX_ITEMS} items")
    return struct


class SizeLimit(ValueError):
    pass


_MATRIX_OPEN, _MATRIX_CLOSE = "\\begin{pmatrix}", "\\end{pmatrix}"


def matrix_cells(s: str) -> tuple[tuple[str, ...], ...] | None:
    """The rows of a normalised matrix ``\\begin{pmatrix}a&b\\\\c&d\\end{pmatrix}``, or None.

    Raises SizeLimit for more than `MAX_ITEMS` cells."""
    if not (s.startswith(_MATRIX_OPEN) and s.endswith(_MATRIX_CLOSE)):
        return None
    body = s[len(_MATRIX_OPEN) : len(s) - len(_MATRIX_CLOSE)]
    if "\\begin" in body:
        return None  # nested environments: the symbolic path
    rows = tuple(tuple(cell.strip() for cell in row.split("&")) for row in body.split("\\\\") if row.strip())
    if sum(len(r) for r in rows) > MAX_ITEMS:
        raise SizeLimit(f"more than {MAX_ITEMS} items")
    return rows or None


class Budget:
    """Counts element comparisons so that the in-process fast path stays bounded in time."""

    def __init__(self, limit: int = MAX_ELEMENT_COMPARISONS, percent_question: bool = False) -> None:
        self.left = limit
        # the question asks for a percentage: "0.25%" may then answer a bare gold of 0.25
        self.percent_question = percent_question

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise SizeLimit(f"more than {MAX_ELEMENT_COMPARISONS} element comparisons")

