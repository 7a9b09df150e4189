"""The registry invariant: every registered name resolves, builds, returns Scores and keeps its name.

It lives beside the model tests because two built-ins need a model folder or a judge endpoint to be
built at all; every other name must build with no arguments. A new built-in that needs arguments
adds them to the `required_args` fixture, so nothing can be registered without being exercised here.
"""

from __future__ import annotations

import pickle

import pytest

from hymar.rewards.base import RewardComponent
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.registry import build_component, component_names, resolve_component
from hymar.rewards.types import Sample, Score

from .test_judge import FakeServer

SAMPLES = [
    Sample(prompt="What is 2+2? Answer in one word.", completion="<think>add</think><answer>4</answer>", answer="4", reference="4"),
    Sample(prompt="Name a colour.", completion="<think>sky</think><answer>blue</answer>", reference="blue"),
    Sample(prompt="What is 3*3?", completion="nine, maybe 8", answer="9"),
]
GROUPS = [0, 0, 1]


@pytest.fixture(scope="module")
def judge_url():
    fake = FakeServer()
    yield fake.url
    fake.close()


@pytest.fixture
def required_args(scalar_rm_dir, judge_url):
    # name -> the smallest arguments it cannot be built without
    return {
        "reward_model": {"path": str(scalar_rm_dir)},
        "judge": {"base_url": judge_url, "model": "fake-judge", "timeout": 2.0, "max_retries": 0},
    }


@pytest.mark.parametrize("name", component_names())
def test_every_registered_name_builds_and_scores(name, required_args):
    # reason: a registered name that cannot be named in a config, built or run is a broken promise
    factory = resolve_component(name)
    assert callable(factory)
    component = build_component(name, required_args.get(name))
    assert isinstance(component, RewardComponent)
    assert component.name == name, "the registered name is the component's default log name"
    scores = component(SAMPLES, GROUPS)
    assert len(scores) == len(SAMPLES) and all(isinstance(s, Score) for s in scores)
    assert any(s.valid for s in scores), [s.info for s in scores]


@pytest.mark.parametrize("name", component_names())
def test_every_registered_name_works_from_a_config(name, required_args):
    # reason: resolve_component('reasoning') raised KeyError while the aspect registry knew it
    spec = {"type": name, "weight": 1.0}
    if name in required_args:
        spec["args"] = required_args[name]
    reward = HybridReward.from_config({"components": {"c": spec}})
    result = reward(SAMPLES, GROUPS)
    assert len(result.rewards) == len(SAMPLES)
    assert len(result.components["c"]) == len(SAMPLES)


@pytest.mark.parametrize("name", [n for n in component_names() if n not in ("reward_model", "judge")])
def test_every_argument_free_component_pickles(name):
    # reason: rollout workers spawn, so a component must survive pickling with the same scores
    component = build_component(name)
    clone = pickle.loads(pickle.dumps(component))
    assert type(clone) is type(component)
    assert clone(SAMPLES, GROUPS) == component(SAMPLES, GROUPS)
