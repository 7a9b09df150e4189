"""`hymar demo`: SFT base, reward model, GRPO per reward preset and seed, evaluation, report and plots.

Public API:
    run_demo(out_dir, settings=None, *, fresh=False, stream=None) -> dict   (the results.json dict)
    DemoSettings, quick_settings(**overrides), DEFAULT_PRESETS
    build_results(...), render_report(results), write_report(results, out_dir), hacking_signs(base, runs)
    write_plots(results, histories, out_dir)
"""

from __future__ import annotations

from hymar.demo.pipeline import DemoPipeline, model_override, preset_reward, run_demo
from hymar.demo.plots import write_plots
from hymar.demo.report import render_report, write_report
from hymar.demo.results import build_results, hacking_signs, target_check
from hymar.demo.settings import DEFAULT_PRESETS, DemoSettings, quick_settings

__all__ = [
    "DEFAULT_PRESETS",
    "DemoPipeline",
    "DemoSettings",
    "build_results",
    "hacking_signs",
    "model_override",
    "preset_reward",
    "quick_settings",
    "render_report",
    "run_demo",
    "target_check",
    "write_plots",
    "write_report",
]
