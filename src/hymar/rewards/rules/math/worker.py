"""The symbolic path, worker side: math-verify's LaTeX grammar under an eval guard (sandbox workers only)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# What the guard lets through to sympy's eval-based parser: numeric literals (the NUMBER tokens of
# the LaTeX grammar) and single identifiers (sympy itself sympifies constant names such as 'yotta'
# while lazily importing sympy.physics.units). Evaluating either can only look a name up, never
# call anything: no parentheses, dots, quotes or operators get through.
_SAFE_PARSE_TEXT_RE = re.compile(r"[0-9.,eE+\- ]{1,2000}|[A-Za-z_][A-Za-z0-9_]{0,99}")
_GUARD_STATE: dict[str, Any] = {}


def _guarded_parse_expr(s: Any, *args: Any, **kwargs: Any) -> Any:
    """Replacement for sympy's eval-based parse_expr inside the worker: numbers and names only."""
    log = _GUARD_STATE.get("log")
    if not (isinstance(s, str) and _SAFE_PARSE_TEXT_RE.fullmatch(s)):
        if log is not None:
            log["refused"].append(repr(s)[:200])
        raise ValueError("hymar sandbox: refusing eval-based parsing of non-numeric text")
    if log is not None:
        log["parse_expr"].append(s)
    return _GUARD_STATE["original"](s, *args, **kwargs)


def _install_guards() -> None:
    if _GUARD_STATE.get("installed"):
        return
    import logging

    import latex2sympy2_extended.latex2sympy2 as l2s
    import math_verify.parser as mv_parser
    import sympy.parsing
    import sympy.parsing.sympy_parser as sympy_parser

    _GUARD_STATE["original"] = sympy_parser.parse_expr
    # sympify() imports parse_expr from sympy_parser at call time, so patching the module suffices
    sympy_parser.parse_expr = _guarded_parse_expr
    sympy.parsing.parse_expr = _guarded_parse_expr  # type: ignore[attr-defined]
    l2s.parse_expr = _guarded_parse_expr  # type: ignore[attr-defined]
    mv_parser.parse_expr = _guarded_parse_expr  # type: ignore[attr-defined]
    # "timeout disabled" warnings are expected: the parent process enforces time
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    _GUARD_STATE["installed"] = True


def _parse_latex(latex: str) -> tuple[Any, ...]:
    from math_verify import LatexExtractionConfig, parse

    return tuple(
        parse(
            f"${latex}$",
            extraction_config=[LatexExtractionConfig()],
            fallback_mode="no_fallback",
            parsing_timeout=None,  # type: ignore[arg-type]
        )
    )


@lru_cache(maxsize=512)
def _parse_gold(latex: str) -> tuple[Any, ...]:
    # A GRPO group shares one gold across 8-16 rollouts: parse it once per worker.
    return _parse_latex(latex)


def symbolic_compare(pred: str, gold: str, want_gold_value: bool = False, equation: bool = False) -> str:
    """Worker-side symbolic comparison with math-verify's LaTeX grammar.

    Args:
        pred: normalised predicted answer (LaTeX, no ``$``).
        gold: normalised gold answer.
        want_gold_value: when not equal and the gold is a real constant, return its value so the
            parent can apply its rounding rule to a numeric prediction.
        equation: pred and gold are ``lhs - (rhs)`` of two equations; they are equal when one is a
            nonzero constant multiple of the other (the equations have the same solutions).

    Returns:
        "equal", "not_equal", "gold_value:<decimal>", "gold_unparseable" or "pred_unparseable".
    """
    _install_guards()
    from math_verify import verify

    gold_parsed = _parse_gold(gold)
    if not gold_parsed:
        return "gold_unparseable"
    pred_parsed = _parse_latex(pred)
    if not pred_parsed:
        return "pred_unparseable"
    if equation:
        return _proportional(pred_parsed[0], gold_parsed[0])
    if verify(list(gold_parsed), list(pred_parsed), timeout_seconds=None):  # type: ignore[arg-type]
        return "equal"
    if want_gold_value:
        value = gold_parsed[0]
        if getattr(value, "is_number", False) and getattr(value, "is_real", False):
            # 40 significant digits: far beyond any rounding the rule accepts
            return f"gold_value:{value.evalf(40)}"
    return "not_equal"


def _proportional(pred: Any, gold: Any) -> str:
    """"equal" when ``pred == c * gold`` for a nonzero constant c (both sympy expressions with free
    symbols), "not_equal" otherwise. Runs in the worker, which the parent kills at the deadline."""
    import sympy

    if not (isinstance(pred, sympy.Expr) and isinstance(gold, sympy.Expr)):
        return "not_equal"
    if not (pred.free_symbols and gold.free_symbols):
        return "not_equal"  # "1 = 1" or "2 = 3": not an equation in a variable
    if sympy.simplify(pred - gold) == 0:
        return "equal"
    ratio = sympy.simplify(pred / gold)
    if ratio.free_symbols or not ratio.is_number or ratio.is_zero is not False or ratio.is_finite is not True:
        return "not_equal"
    return "equal"


def audit_symbolic_compare(pred: str, gold: str) -> dict[str, Any]:
    """Worker-side self-check: run `symbolic_compare` (caches cleared) while recording every call of
    builtins.eval/exec and of sympy's parse_expr. Used by the injection tests.

    Returns:
        {"verdict", "eval": [sources], "exec": [sources], "parse_expr": [accepted inputs],
        "refused": [refused inputs]}.
    """
    import builtins

    import math_verify.parser as mv_parser

    _install_guards()
    log: dict[str, list[str]] = {"eval": [], "exec": [], "parse_expr": [], "refused": []}
    real_eval, real_exec = builtins.eval, builtins.exec

    def recording_eval(src: Any, *args: Any, **kwargs: Any) -> Any:
        log["eval"].append(src if isinstance(src, str) else f"<{type(src).__name__}>")
        return real_eval(src, *args, **kwargs)

    def recording_exec(src: Any, *args: Any, **kwargs: Any) -> Any:
        log["exec"].append(src if isinstance(src, str) else f"<{type(src).__name__}>")
        return real_exec(src, *args, **kwargs)

    _parse_gold.cache_clear()
    mv_parser.parse_latex_cached.cache_clear()
    mv_parser.extract_latex.cache_clear()
    builtins.eval, builtins.exec = recording_eval, recording_exec
    _GUARD_STATE["log"] = log
    try:
        verdict = symbolic_compare(pred, gold)
    finally:
        builtins.eval, builtins.exec = real_eval, real_exec
        _GUARD_STATE.pop("log", None)
    return {"verdict": verdict, **log}
