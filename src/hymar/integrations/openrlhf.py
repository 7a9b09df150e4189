"""OpenRLHF local reward function: ``reward_func(queries, prompts, labels)`` in-process, no server.

OpenRLHF (0.9+) accepts a Python file as ``--remote_rm_url``: it imports the file
(``importlib.util.spec_from_file_location("reward_func", path)``), calls its ``reward_func`` on each
rollout (in a worker thread) and reads ``{"rewards", "scores", "extra_logs"}`` from the result, as from
a reward server. This module is that file::

    --remote_rm_url "$(python -c 'import hymar.integrations.openrlhf as m; print(m.__file__)')"

The mapping from OpenRLHF's arguments to hymar samples and the result are those of ``hymar serve``'s
``/get_reward`` (`hymar.integrations.server.openrlhf`): the response is the query with the prompt
removed from its front, a label is the gold answer or an object of record fields, identical prompts in
one call are one group; ``rewards[i]`` is the total (0.0 where undefined), ``extra_logs`` holds
``hymar_scorable``, ``hymar_prompt_matched`` and ``hymar_<component>``. End-of-turn tokens
(`hymar.rewards.completion.END_OF_TURN`) are stripped from the response's end: OpenRLHF decodes the
query with its special tokens. The reward is ``$HYMAR_PRESET`` (a preset or config path; default
``rule-only``), built once per process. Label images are refused (no image root is trusted here).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from hymar.integrations.server.openrlhf import score_openrlhf
from hymar.integrations.verl import get_reward
from hymar.rewards.completion import END_OF_TURN

ENV_VAR = "HYMAR_PRESET"
DEFAULT_PRESET = "rule-only"
#: most queries in one call (OpenRLHF sends one per call; a batch of thousands is a caller's mistake)
MAX_SAMPLES = 65_536


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any]) -> dict[str, Any]:
    """OpenRLHF's local reward function.

    Args:
        queries: decoded prompt + response, one per rollout.
        prompts: the templated prompts.
        labels: the dataset's ``--label_key`` values.
    Returns:
        ``{"rewards": [float], "scores": [float], "extra_logs": {key: [float]}}``.
    Raises:
        hymar.integrations.server.protocol.RequestError: the lists do not line up or hold wrong types
            (OpenRLHF logs the failure for that rollout).
    """
    reward = get_reward(os.environ.get(ENV_VAR) or DEFAULT_PRESET)
    body = {"query": list(queries), "prompts": list(prompts), "labels": list(labels)}
    return score_openrlhf(body, reward, list(reward.component_names), MAX_SAMPLES, strip_suffixes=END_OF_TURN)
