"""Model text must never reach eval/exec, and hostile math must not hang the comparer.

Three layers are checked: (1) end to end, code-like answers leave no side effect and compare False or
undecided; (2) in the parent process the fast path runs with eval/exec/sympify/parse_expr patched to
raise, and imports no sympy at all; (3) in the worker, `audit_symbolic_compare` records every
eval/exec/parse_expr call and the payloads never show up in them."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hymar.rewards.rules import math as mathrule
from hymar.rewards.rules.base import Comparison
from hymar.rewards.rules.math import audit_symbolic_compare, compare_math
from hymar.rewards.rules.sandbox import shared_runner

PWNED = Path("/tmp/pwned_hymar")

# (payload, a substring that would show up in an eval/exec source if the payload reached one)
INJECTIONS = [
    ("__import__('os').system('touch /tmp/pwned_hymar')", "pwned_hymar"),
    ("exec('open(\"/tmp/pwned_hymar\",\"w\")')", "pwned_hymar"),
    ("eval('__import__(\"os\").system(\"touch /tmp/pwned_hymar\")')", "pwned_hymar"),
    ("lambda: 0", "lambda: 0"),
    ("().__class__.__bases__[0].__subclasses__()", "__subclasses__"),
    ("Symbol('x').__class__", "Symbol('x')"),
    ("\\text{__import__('os').system('touch /tmp/pwned_hymar')}", "pwned_hymar"),
    ("\\operatorname{eval}(\\text{open('/tmp/pwned_hymar','w')})", "pwned_hymar"),
    ("\\mathrm{exec}(pwned\\_hymar)", "pwned"),
    ("x = __import__('os').system('touch /tmp/pwned_hymar')", "pwned_hymar"),
    ("1; import os; os.system('touch /tmp/pwned_hymar')", "pwned_hymar"),
    ("getattr(__builtins__, 'ev'+'al')('1')", "__builtins__"),
]
HOSTILE_MATH = [
    "2^{2^{2^{2^{2^{2}}}}}",
    "9^{9^{9^{9}}}",
    "10000!",
    "(10^{100000})!",
    "1" * 100_000,
    "\\frac{" * 5000,
    "\\sqrt{" * 5000 + "2" + "}" * 5000,
    # quadratic order-free matching of nested sets: bounded by a comparison budget
    "\\{" + ",".join(["\\{" + ",".join(str(i) for i in range(25)) + "\\}"] * 25) + "\\}",
    ", ".join(["1"] * 600),
    "(" * 900 + "1" + ")" * 900,
]


@pytest.fixture(scope="module", autouse=True)
def warm_workers():
    assert mathrule.warm_up(60.0)


@pytest.fixture(autouse=True)
def no_marker_file():
    PWNED.unlink(missing_ok=True)
    yield
    assert not PWNED.exists(), "an injected command ran"


class TestEndToEnd:
    @pytest.mark.parametrize("payload,marker", INJECTIONS, ids=[p[:40] for p, _ in INJECTIONS])
    @pytest.mark.parametrize("side", ["pred", "gold"])
    def test_payload_has_no_effect(self, payload, marker, side):
        pred, gold = (payload, "0") if side == "pred" else ("0", payload)
        result = compare_math(pred, gold)
        assert isinstance(result, Comparison)
        assert result.equal is not True
        time.sleep(0.01)  # a spawned shell would have touched the file by now
        assert not PWNED.exists()


class TestInProcessFastPath:
    """The fast path (numbers, units, structures) never calls an eval-based parser."""

    CASES = [
        ("1,234", "1234", True),
        ("12 m", "1200 cm", True),
        ("\\{1,2\\}", "\\{2,1\\}", True),
        ("[1,3)", "[1,3]", False),
        ("50\\%", "0.5", True),
        ("x=2", "2", True),
        ("3.0 \\times 10^{4}", "30000", True),
    ]

    def test_no_eval_exec_sympify(self, monkeypatch):
        import sympy
        import sympy.parsing.sympy_parser as sympy_parser

        def forbidden(*args, **kwargs):
            raise AssertionError("eval-based parser called in-process")

        monkeypatch.setattr(builtins, "eval", forbidden)
        monkeypatch.setattr(builtins, "exec", forbidden)
        monkeypatch.setattr(sympy, "sympify", forbidden)
        monkeypatch.setattr(sympy_parser, "parse_expr", forbidden)
        monkeypatch.setattr(mathrule, "_run_symbolic", forbidden)
        for pred, gold, equal in self.CASES:
            assert compare_math(pred, gold).equal is equal, (pred, gold)

    def test_fast_path_imports_no_sympy(self):
        code = (
            "import sys; from hymar.rewards.rules.math import compare_math;"
            "r = [compare_math(p, g).equal for p, g in [('1,234', '1234'), ('12 m', '1200 cm'), ('[1,3)', '[1,3]')]];"
            "assert r == [True, True, False], r;"
            "assert 'sympy' not in sys.modules and 'math_verify' not in sys.modules, 'sympy imported'"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr


class TestWorkerAudit:
    """Inside the sandbox worker: what reaches eval/exec/parse_expr while comparing payloads."""

    @pytest.mark.parametrize("payload,marker", INJECTIONS, ids=[p[:40] for p, _ in INJECTIONS])
    def test_payload_never_reaches_eval(self, payload, marker):
        pred = mathrule.normalise(payload)
        out = shared_runner().run(audit_symbolic_compare, pred, "x^2+1", timeout=20.0)
        assert out.ok, out.error
        audit = out.value
        assert audit["verdict"] in ("not_equal", "pred_unparseable")
        assert audit["refused"] == [], "model text reached sympy's parse_expr"
        for source in audit["eval"] + audit["exec"] + audit["parse_expr"]:
            assert marker not in source, f"payload reached eval/exec: {source!r}"
        for accepted in audit["parse_expr"]:
            assert mathrule._SAFE_PARSE_TEXT_RE.fullmatch(accepted)

    def test_only_numeric_literals_are_parsed_by_eval(self):
        out = shared_runner().run(audit_symbolic_compare, "2\\sqrt{2}+\\frac{3}{4}", "\\sqrt{8}+0.75", timeout=20.0)
        assert out.ok and out.value["verdict"] == "equal"
        assert out.value["refused"] == []
        assert set(out.value["parse_expr"]) <= {"2", "3", "4", "8", "0.75"}

    def test_guard_refuses_expressions(self):
        out = shared_runner().run(mathrule._guarded_parse_expr, "__import__('os')", timeout=20.0)
        assert not out.ok and "refusing" in (out.error or "")


class TestHostileMath:
    @staticmethod
    def _run(payload: str) -> tuple[Comparison, float]:
        start = time.monotonic()
        result = compare_math(payload, "3", timeout=1.0)
        return result, time.monotonic() - start

    @staticmethod
    def _assert_bounded(payload: str, result: Comparison, elapsed: float) -> None:
        assert elapsed < 2.0, f"{payload[:30]}: took {elapsed:.2f}s"
        assert result.equal is not True
        assert result.equal is False or result.reason, result

    @pytest.mark.parametrize("payload", HOSTILE_MATH, ids=[p[:20] for p in HOSTILE_MATH])
    def test_main_thread(self, payload):
        mathrule._VERDICTS.clear()
        result, elapsed = self._run(payload)
        self._assert_bounded(payload, result, elapsed)

    @pytest.mark.parametrize("payload", HOSTILE_MATH, ids=[p[:20] for p in HOSTILE_MATH])
    def test_worker_thread(self, payload):
        mathrule._VERDICTS.clear()
        box: list[tuple[Comparison, float]] = []
        t = threading.Thread(target=lambda: box.append(self._run(payload)))
        t.start()
        t.join(10.0)
        assert box, "no answer from the thread"
        self._assert_bounded(payload, *box[0])

    def test_recovers_after_hostile_input(self):
        mathrule._VERDICTS.clear()
        compare_math("9^{9^{9^{9}}}", "3", timeout=0.5)
        assert compare_math("2\\sqrt{2}", "\\sqrt{8}", timeout=5.0).equal is True

    def test_pid_of_parent_is_not_a_worker(self):
        # the parent never runs symbolic code itself: the worker's pid differs
        out = shared_runner().run(os.getpid, timeout=10.0)
        assert out.ok and out.value != os.getpid()
