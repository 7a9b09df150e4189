"""hymar's ms-swift ORMs through swift's own plugin loading and reward call path (CPU).

- ``--external_plugins``: swift's `BaseArguments._import_external_plugins` imports the plugin file
  (with `swift.utils.import_external_file`, as ``swift rlhf`` does);
- ``--reward_funcs``: swift's `resolve_reward_funcs` builds the ORMs from ``swift.rewards.orms`` with
  the GRPO args and names them by class;
- the call: swift's `score_completions` on `GRPOSample` rollouts (dataset columns, ``prompt_id``,
  ``trainer_state``), giving the [N, n_funcs] reward matrix GRPO weights with ``--reward_weights``.

Run by test_swift_package.py in a process of its own (swift patches transformers when imported).
"""

from __future__ import annotations

import math
import sys
from types import SimpleNamespace

import pytest

pytest.importorskip("swift.rewards")
torch = pytest.importorskip("torch")

from hymar.integrations import swift as hymar_swift  # noqa: E402
from hymar.integrations.swift_plugin import PLUGIN  # noqa: E402

ROLLOUTS = [  # (prompt_id, question, completion, solution)
    ("p1", "What is 2 + 3?", "<think>2 + 3 = 5</think><answer>5</answer>", "5"),
    ("p1", "What is 2 + 3?", "<think>hmm</think><answer>6</answer>", "5"),
    ("p2", "Which is bigger, 7 or 9?", "The bigger one is \\boxed{9}.", "9"),
    ("p2", "Which is bigger, 7 or 9?", "<think>9 > 7</think><answer>9</answer>", "9"),
]
CONFIG = "components:\n  accuracy: {weight: 1.0}\n  format: {weight: 0.5}\nnormalization: none\n"


@pytest.fixture
def plugin_loaded(tmp_path, monkeypatch):
    """swift's --external_plugins import of hymar's plugin file with $HYMAR_PRESET set to a config."""
    from swift.arguments.base_args.base_args import BaseArguments
    from swift.rewards import orms

    config = tmp_path / "reward.yaml"
    config.write_text(CONFIG)
    monkeypatch.setenv("HYMAR_PRESET", str(config))
    before = dict(orms)
    path_before = list(sys.path)
    for name in [m for m, mod in sys.modules.items() if m.startswith("_swift_external_") and getattr(mod, "__file__", None) == PLUGIN]:
        del sys.modules[name]  # swift imports a plugin file once per process; each test loads it afresh
    args = SimpleNamespace(external_plugins=[PLUGIN], custom_register_path=[])
    BaseArguments._import_external_plugins(args)
    yield orms
    orms.clear()
    orms.update(before)
    sys.path[:] = path_before


def grpo_samples():
    from swift.rl_core.data import GRPOSample

    return [
        GRPOSample(messages=[{"role": "user", "content": q}, {"role": "assistant", "content": c}], prompt_id=pid, extra={"solution": s})
        for pid, q, c, s in ROLLOUTS
    ]


def test_plugin_registers_the_total_and_one_orm_per_component(plugin_loaded):
    assert {"hymar", "hymar_accuracy", "hymar_format"} <= set(plugin_loaded)
    import trl  # the plugin's folder on sys.path must not shadow the real packages

    assert "hymar" not in trl.__file__


def test_swift_reward_call_path(plugin_loaded):
    from swift.rl_core.grpo_algorithm import score_completions
    from swift.rlhf_trainers.utils import resolve_reward_funcs

    funcs, names = resolve_reward_funcs(["hymar", "hymar_accuracy", "hymar_format"], args=SimpleNamespace(num_generations=2))
    assert names == ["hymar", "hymar_accuracy", "hymar_format"]  # what swift logs
    matrix = score_completions(grpo_samples(), funcs, None, use_gym_env=False, device=torch.device("cpu"),
                               trainer_state=SimpleNamespace(global_step=3))
    assert matrix.shape == (4, 3)
    accuracy, format_ = matrix[:, 1].tolist(), matrix[:, 2].tolist()
    assert accuracy == [1.0, 0.0, 1.0, 1.0]
    assert format_[0] == 1.0 and format_[2] < 1.0
    assert matrix[:, 0].tolist() == pytest.approx([a + 0.5 * f for a, f in zip(accuracy, format_)])
    # --reward_weights 1 0 0: swift's weighted nansum is the hymar total
    weights = torch.tensor([1.0, 0.0, 0.0])
    assert (matrix * weights).nansum(dim=1).tolist() == matrix[:, 0].tolist()


def test_orms_share_one_scoring_per_batch_and_use_prompt_ids(plugin_loaded, monkeypatch):
    from swift.rl_core.grpo_algorithm import score_completions
    from swift.rlhf_trainers.utils import resolve_reward_funcs

    funcs, _ = resolve_reward_funcs(["hymar", "hymar_accuracy", "hymar_format"], args=SimpleNamespace(num_generations=2))
    scorer = funcs[0].scorer
    assert all(f.scorer is scorer for f in funcs)
    calls = []
    original = scorer._score_safely
    monkeypatch.setattr(scorer, "_score_safely", lambda samples, groups=None: calls.append(groups) or original(samples, groups))
    score_completions(grpo_samples(), funcs, None, use_gym_env=False, device=torch.device("cpu"), trainer_state=SimpleNamespace(global_step=7))
    assert calls == [["p1", "p1", "p2", "p2"]]


def test_unscorable_rows_are_nan_in_every_column():
    """A row whose every weighted term is invalid: NaN in each column, so swift's nansum adds nothing."""
    assert hymar_swift.register_orms("rule-only", registry={}) == ["hymar", "hymar_accuracy"]
    classes = hymar_swift.orm_classes("rule-only")
    total, accuracy = classes["hymar"](), classes["hymar_accuracy"]()
    deep = "<answer>" + "{" * 300 + "</answer>"
    kwargs = {"messages": [[{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": deep}]], "solution": ["4"]}
    assert math.isnan(total([deep], **kwargs)[0]) and math.isnan(accuracy([deep], **kwargs)[0])


def test_flags_line_up_names_and_weights():
    assert hymar_swift.flags("rule-only") == "--reward_funcs hymar hymar_accuracy --reward_weights 1 0"
