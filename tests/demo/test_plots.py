"""`hymar.demo.plots`: PNGs from hand-made TRL log histories and results."""

from __future__ import annotations

import pytest

from hymar.demo.plots import reward_components, write_plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _history(n_steps: int, *, offset: float = 0.0) -> list[dict]:
    return [
        {"step": s, "rewards/hymar/mean": 0.1 * s + offset, "rewards/accuracy/mean": 0.05 * s, "rewards/length/mean": -0.01 * s,
         "completions/mean_length": 30.0 - s}
        for s in range(1, n_steps + 1)
    ] + [{"step": n_steps, "train_runtime": 1.0}]  # TRL's final summary entry has no reward keys


def test_reward_components_in_first_seen_order():
    assert reward_components([_history(2)]) == ["hymar", "accuracy", "length"]


def test_write_plots_makes_four_pngs(tmp_path):
    results = {
        "base": {"accuracy": {"overall": 0.2, "counting": 0.3}},
        "runs": {
            "rule-only": {"accuracy": {"overall": 0.3, "counting": 0.4}, "accuracy_std": {"overall": 0.05}},
            "hybrid-aspects-length": {"accuracy": {"overall": 0.35, "counting": 0.5}},
        },
    }
    histories = {"rule-only": [_history(3), _history(3, offset=0.2)], "hybrid-aspects-length": [_history(3)]}
    paths = write_plots(results, histories, tmp_path)
    assert [p.name for p in paths] == ["reward_components.png", "accuracy.png", "length.png", "health.png"]
    for path in paths:
        assert path.read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize("histories", [{"rule-only": [[]]}, {"rule-only": []}], ids=["empty-log", "no-seeds"])
def test_plots_survive_missing_logs(tmp_path, histories):
    results = {"base": {"accuracy": {"overall": 0.2}}, "runs": {"rule-only": {"accuracy": {"overall": 0.3}}}}
    assert all(p.is_file() for p in write_plots(results, histories, tmp_path))
