"""EasyR1 reward function: ``compute_score(reward_inputs)`` in EasyR1's batch form.

EasyR1 (not on PyPI) loads ``worker.reward.reward_function=PATH:compute_score`` with
``worker.reward.reward_type=batch`` and calls it with one dict per rollout, ``{"response",
"response_length", "ground_truth"}`` (its examples' math and r1v reward functions read those keys),
expecting one dict of floats per rollout: ``"overall"`` (the reward) and any other keys, which it logs
as metrics. This function returns ``overall`` = the hymar total (0.0 where undefined) and one key per
component: its value, 0.0 where it does not apply or is invalid (EasyR1 averages each key with
``np.mean``; a NaN would blank the metric). The form is written from EasyR1's examples, not tested
against EasyR1 itself, which cannot be installed here.

Optional keys read when present: ``prompt`` (or ``question``), ``uid`` / ``group`` (group id; else
rollouts with the same prompt and gold are one group), ``task``, ``reference``, ``constraints``,
``images``. ``ground_truth`` may be the gold or a mapping of answer/reference/task/constraints.
The reward: the ``hymar_preset`` keyword, else ``$HYMAR_PRESET``, else ``rule-only``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from hymar.integrations.verl import DEFAULT_PRESET, ENV_VAR, _score, batch_groups, build_sample, get_reward

OVERALL = "overall"
_READ = ("prompt", "question", "uid", "group", "task", "reference", "constraints", "images")


def compute_score(reward_inputs: Sequence[Mapping[str, Any]], hymar_preset: str | None = None) -> list[dict[str, float]]:
    """EasyR1 batch reward function (see the module docstring).

    Raises:
        ValueError: ``reward_inputs`` is not a list of mappings (EasyR1's ``reward_type=sequential``
            passes one dict; hymar needs the batch to see groups).
    """
    if not isinstance(reward_inputs, Sequence) or not all(isinstance(r, Mapping) for r in reward_inputs):
        raise ValueError("hymar's EasyR1 reward needs worker.reward.reward_type=batch (a list of reward inputs)")
    infos = [{k: r[k] for k in _READ if r.get(k) is not None} for r in reward_inputs]
    sources = ["easyr1"] * len(infos)
    samples = [build_sample(s, str(r.get("response", "")), r.get("ground_truth"), i) for s, r, i in zip(sources, reward_inputs, infos)]
    reward = get_reward(hymar_preset or os.environ.get(ENV_VAR) or DEFAULT_PRESET)
    result = _score(reward, samples, batch_groups(sources, samples, infos))
    rows = []
    for i, total in enumerate(result.rewards):
        row = {OVERALL: float(total) if math.isfinite(total) else 0.0}
        for name, scores in result.components.items():
            row[name if name != OVERALL else f"hymar_{name}"] = float(scores[i].value) if scores[i].applies else 0.0
        rows.append(row)
    return rows
