"""A small, safe parser for scalar math expressions (LaTeX or plain), for the numeric identity test.

No eval anywhere: a hand-written tokenizer and recursive-descent parser build a tuple tree that
`evaluate` walks with complex arithmetic. What it reads, with the meaning math-verify's LaTeX
grammar gives it (so that a numeric verdict agrees with the symbolic one):

- numbers ``12``, ``3.5``, ``.5``; single-letter variables with optional subscripts (``x``, ``a_1``,
  ``x_{n}``) and Greek letters (``\\theta``); ``\\pi``; ``e`` (Euler's number) and ``i`` are kept as
  names so the caller can read them as constants or as variables;
- ``+ - * /``, ``\\cdot \\times \\div``, ``^`` (a brace group or one atom: ``x^23`` is x to the
  23rd, as math-verify reads it), implicit multiplication (``2x``, ``x(x+1)``, ``2\\sqrt{3}``), ``!``, ``|x|``,
  ``\\bmod``/``\\mod``;
- ``\\frac{a}{b}`` and ``\\frac12``, ``\\sqrt{x}``, ``\\sqrt[n]{x}`` (the principal root, as sympy's),
  ``\\sqrt2``, ``\\binom{n}{k}``;
- ``\\sin \\cos \\tan \\cot \\sec \\csc \\arcsin \\arccos \\arctan \\sinh \\cosh \\tanh \\exp \\ln``,
  ``\\log`` (base 10, as math-verify reads it) and ``\\log_{b}``; ``\\sin^2 x`` is ``(\\sin x)^2``.

Anything else (relations, commas, sets, intervals, ``f(x)``-style function application, units,
words, ``\\infty``) makes `parse_expression` return None: the caller then leaves the pair to the
symbolic path. Input is at most `MAX_EXPR_CHARS` characters and nesting is bounded, so parsing is
linear and never recurses deeply.
"""

from __future__ import annotations

import re
from typing import Any

MAX_EXPR_CHARS = 1000
MAX_DEPTH = 60

Node = tuple[Any, ...]

_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\.\d+|\d+)|(\\[A-Za-z]+)|([A-Za-z])|(.))", re.DOTALL)
_UNICODE = {"\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00f7": "/", "\u03c0": "\\pi", "\u221a": "\\sqrt"}
FUNCTIONS = frozenset(
    {"sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "exp", "ln", "log"}
)
GREEK = frozenset(
    {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa",
     "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega"}
)  # fmt: skip
# letters that math-verify reads as a function when "(" follows: f(x) is not f*x
_FUNCTION_LETTERS = frozenset("fgh")
_MUL_COMMANDS = frozenset({"\\cdot", "\\times", "\\ast"})


class _Unsupported(Exception):
    pass


def parse_expression(text: str) -> Node | None:
    """The expression tree of ``text``, or None when it is not a scalar expression this parser reads.

    Example:
        >>> parse_expression("2\\\\sqrt{2}")
        ('*', ('num', 2.0), ('sqrt', ('num', 2.0)))
    """
    if len(text) > MAX_EXPR_CHARS:
        return None
    try:
        tokens = _tokenize(text)
        parser = _Parser(tokens)
        node = parser.expr()
        if parser.peek() is not None:
            return None
        return node
    except (_Unsupported, IndexError, RecursionError):
        return None


def names(node: Node) -> set[str]:
    """The variable names of a tree (``e`` and ``i`` included)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] == "var":
            out.add(n[1])
        else:
            stack.extend(c for c in n[1:] if isinstance(c, tuple))
    return out


# --- tokenizer -------------------------------------------------------------------------------


def _tokenize(text: str) -> list[str]:
    for old, new in _UNICODE.items():
        text = text.replace(old, new)
    out: list[str] = []
    pos, n = 0, len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            break
        pos = m.end()
        number, command, letter, other = m.groups()
        if number is not None:
            out.append(number)
        elif command is not None:
            out.append(command)
        elif letter is not None:
            out.append(letter)
        elif other is not None and not other.isspace():
            if other not in "+-*/^_(){}|![]":  # "[" only after \\sqrt, see `_Parser.command`
                raise _Unsupported(other)  # commas, relations, brackets, units...
            out.append(other)
    return out


# --- parser ----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise _Unsupported(f"expected {expected!r}, got {token!r}")
        self.pos += 1
        return token

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Unsupported("nested too deep")

    def expr(self) -> Node:
        self._enter()
        node = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            node = (op, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.unary()
        after_slash = False
        while True:
            token = self.peek()
            if token in ("*", "/") or token in _MUL_COMMANDS or token == "\\div":
                self.take()
                op = "/" if token in ("/", "\\div") else "*"
                node = (op, node, self.unary())
                after_slash = op == "/"
            elif token in ("\\bmod", "\\mod"):
                self.take()
                node = ("mod", node, self.unary())
                after_slash = False
            elif token is not None and self._starts_factor(token):
                if after_slash:
                    raise _Unsupported("1/2x: (1/2)x or 1/(2x)?")
                node = ("*", node, self.power())
            else:
                return node

    def unary(self) -> Node:
        if self.peek() == "-":
            self.take()
            return ("neg", self.unary())
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            base = ("^", base, self.exponent())
            while self.peek() == "!":
                self.take()
                base = ("fact", base)
        return base

    def exponent(self) -> Node:
        token = self.peek()
        if token == "{":
            return self.group("{", "}")
        if token == "-":  # "x^-1"
            self.take()
            return ("neg", self.atom())
        return self.atom()  # a whole number: math-verify reads "x^23" as x to the 23rd

    def single(self) -> Node:
        """One character of a bare fraction argument: "\\frac12" is 1/2."""
        token = self.peek()
        if token is not None and token[0].isdigit() and len(token) > 1 and "." not in token:
            self.tokens[self.pos] = token[1:]
            return ("num", float(token[0]))
        return self.atom()

    def postfix(self) -> Node:
        node = self.atom()
        while self.peek() == "!":
            self.take()
            node = ("fact", node)
        return node

    def group(self, left: str, right: str) -> Node:
        self.take(left)
        node = self.expr()
        self.take(right)
        return node

    def atom(self) -> Node:
        token = self.peek()
        if token is None:
            raise _Unsupported("end of input")
        if token[0].isdigit() or token[0] == ".":
            self.take()
            return ("num", float(token))
        if token == "(":
            return self.group("(", ")")
        if token == "{":
            return self.group("{", "}")
        if token == "|":
            self.take()
            inner = self.expr()
            self.take("|")
            return ("abs", inner)
        if len(token) == 1 and token.isalpha():
            self.take()
            if token in _FUNCTION_LETTERS and self.peek() == "(":
                raise _Unsupported("function application")
            return ("var", token + self.subscript())
        if token.startswith("\\"):
            return self.command(token)
        raise _Unsupported(token)

    def subscript(self) -> str:
        if self.peek() != "_":
            return ""
        self.take()
        token = self.take()
        if token != "{":
            return "_" + token
        parts = []
        while self.peek() != "}":
            part = self.take()
            if not (part.isalnum() or part.startswith("\\")):
                raise _Unsupported("subscript")
            parts.append(part)
        self.take("}")
        return "_" + "".join(parts)

    def command(self, token: str) -> Node:
        name = token[1:]
        self.take()
        if name == "pi":
            return ("pi",)
        if name in GREEK:
            return ("var", "\\" + name + self.subscript())
        if name == "frac":
            return ("/", self.argument(), self.argument())
        if name == "binom":
            return ("binom", self.argument(), self.argument())
        if name == "sqrt":
            if self.peek() == "[":  # \\sqrt[n]{x}: the n-th root
                self.take("[")
                degree = self.expr()
                self.take("]")
                return ("^", self.argument(), ("/", ("num", 1.0), degree))
            return ("sqrt", self.argument())
        if name in FUNCTIONS:
            return self.function(name)
        raise _Unsupported(token)

    def argument(self) -> Node:
        """A brace group, or one character (``\\frac12``, ``\\sqrt2``)."""
        if self.peek() == "{":
            return self.group("{", "}")
        return self.single()

    def function(self, name: str) -> Node:
        base = None
        if name == "log" and self.peek() == "_":
            self.take()
            base = self.argument()
        power = None
        if self.peek() == "^":
            self.take()
            power = self.exponent()
        if self.peek() in ("(", "{"):
            arg = self.group(self.peek(), ")" if self.peek() == "(" else "}")  # type: ignore[arg-type]
        else:
            arg = self.power()
            nxt = self.peek()
            # "\sin 2x": sin(2x) or sin(2)x? Refused. "\sin b \cos a" is sin(b) cos(a): another
            # function's name ends the argument, as every reader (and math-verify) takes it.
            if nxt is not None and self._starts_factor(nxt) and nxt[1:] not in FUNCTIONS:
                raise _Unsupported("ambiguous function argument")
        node: Node = ("log", arg, base) if name == "log" and base is not None else (name, arg)
        return ("^", node, power) if power is not None else node

    @staticmethod
    def _starts_factor(token: str) -> bool:
        if token in ("(", "{", "|") or token[0].isdigit() or token[0] == ".":
            return token != "|"  # "|" closes an absolute value as often as it opens one
        if len(token) == 1 and token.isalpha():
            return True
        return token.startswith("\\") and token not in _MUL_COMMANDS and token not in ("\\div", "\\bmod", "\\mod")
