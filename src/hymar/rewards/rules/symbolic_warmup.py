"""Imported only inside the symbolic sandbox (fork server / workers): warms the parser caches.

The ANTLR LaTeX parser builds its DFA lazily and sympy caches simplifications, so the first
comparisons of each construct cost 10-100x a warm one. Importing this module in the fork server runs a
few representative comparisons once; every forked worker inherits the warm caches, so a training run's
first batches (and a worker restarted after a timeout) do not pay for them. Never import it in the
parent process: it imports sympy and the LaTeX grammar, which the fast path avoids.
"""

from __future__ import annotations

from hymar.rewards.rules.math import symbolic_compare

# Trusted, fixed inputs covering the constructs answers use: fractions, roots, powers, constants,
# trigonometry, logs, intervals and unions, sets, equations, polynomials.
_WARMUP_PAIRS = (
    (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}"),
    (r"x^{3/2}", r"x\sqrt{x}"),
    (r"\frac{n(n+1)}{2}", r"\frac{n^2+n}{2}"),
    (r"2\pi r", r"\pi \cdot 2 r"),
    (r"e^{2}", r"\exp(2)"),
    (r"\sin^2 x + \cos^2 x", r"1"),
    (r"\log_2 8", r"3"),
    (r"(-\infty, -1) \cup (1, \infty)", r"(1, \infty) \cup (-\infty, -1)"),
    (r"\{1, 2, 3\}", r"\{3, 2, 1\}"),
    (r"(x+1)^2", r"x^2 + 2x + 1"),
)


def _warm() -> None:
    for pred, gold in _WARMUP_PAIRS:
        try:
            symbolic_compare(pred, gold)
        except Exception:  # noqa: BLE001 - warming is best effort; real calls report their own errors
            pass
    try:
        symbolic_compare("x + y - 3", "y - (-x + 3)", equation=True)
    except Exception:  # noqa: BLE001
        pass


_warm()
