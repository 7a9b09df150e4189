"""`hymar probe`: a gameability audit of a reward config (see docs/probe.md).

    >>> from hymar.probe import run_probe, suite_items
    >>> result = run_probe("rule-only", suite_items(per_domain=2))
    >>> result.passed
    True
"""

from hymar.probe.advantage import group_advantages
from hymar.probe.audit import ExploitResult, ProbeResult, run_probe
from hymar.probe.exploits import Exploit, exploits, register_exploit, unregister_exploit
from hymar.probe.items import ProbeItem, items_from_rows, suite_items

__all__ = [
    "Exploit",
    "ExploitResult",
    "ProbeItem",
    "ProbeResult",
    "exploits",
    "group_advantages",
    "items_from_rows",
    "register_exploit",
    "run_probe",
    "suite_items",
    "unregister_exploit",
]
