"""What a component declares (class attributes on `RewardComponent`) and the `Reward` protocol."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hymar.rewards.base import DEFAULT_FAILURE_THRESHOLD, PerSampleComponent, RewardComponent
from hymar.rewards.guard import JUDGE_DEFAULT_TIMEOUT_S, default_failure_threshold, default_timeout_s
from hymar.rewards.hybrid import HybridReward, resolve_reward
from hymar.rewards.registry import build_component, component_names, resolve_component
from hymar.rewards.types import Reward, RewardResult, Sample, Score


@pytest.mark.parametrize(
    ("score", "expected", "reason"),
    [
        (Score(1.0), True, "verified right"),
        (Score(0.0), False, "verified wrong"),
        (Score(0.5), True, "a blend at the midpoint counts as correct"),
        (Score(0.49), False, "just below the midpoint"),
        (Score.not_applicable(), None, "no verdict where nothing applies"),
        (Score.invalid("timeout"), None, "no verdict where the verifier could not judge"),
    ],
)
def test_score_correct(score, expected, reason):
    assert score.correct is expected, reason


class TestDeclaredAttributes:
    def test_defaults_of_the_base(self):
        assert RewardComponent.needs_correctness is False
        assert RewardComponent.default_timeout_s is None
        assert RewardComponent.default_failure_threshold == DEFAULT_FAILURE_THRESHOLD
        assert RewardComponent.uses_model is False

    @pytest.mark.parametrize("name", component_names())
    def test_builtins_declare_what_the_guard_reads(self, name):
        # reason: the guard special-cased the judge through sys.modules; now each class says it
        cls = resolve_component(name)
        expected_timeout = JUDGE_DEFAULT_TIMEOUT_S if name == "judge" else None
        assert cls.default_timeout_s == expected_timeout
        local = name not in ("similarity", "reward_model", "judge")
        assert cls.default_failure_threshold == (None if local else DEFAULT_FAILURE_THRESHOLD)
        assert cls.uses_model is not local
        assert cls.needs_correctness is (name == "length")

    def test_guard_defaults_follow_the_declaration(self):
        @dataclass(frozen=True)
        class Slow(PerSampleComponent):
            default_timeout_s = 7.5
            default_failure_threshold = None

            def score_one(self, sample):
                return Score(1.0)

        assert default_timeout_s(Slow()) == 7.5 and default_failure_threshold(Slow()) is None
        reward = HybridReward.from_config({"components": {"slow": {"type": f"{__name__}:_Flaky"}}})
        assert reward.guards["slow"].policy.failure_threshold == DEFAULT_FAILURE_THRESHOLD


@dataclass(frozen=True)
class _Flaky(PerSampleComponent):
    def score_one(self, sample):
        return Score(1.0)


@dataclass(frozen=True)
class _CorrectnessEcho(RewardComponent):
    """A user component that declares it needs correctness: scores 1 where correct, 0 where wrong."""

    needs_correctness = True

    def score(self, samples, groups):
        return self.score_with_correctness(samples, groups, None)

    def score_with_correctness(self, samples, groups, correct):
        correct = correct or [None] * len(samples)
        return [Score.not_applicable() if c is None else Score(1.0 if c else 0.0) for c in correct]


def test_needs_correctness_is_honoured_for_user_components():
    # reason: detection used getattr(score_with_correctness); the declaration is the contract now
    reward = HybridReward.from_config(
        {"components": {"accuracy": {"weight": 0.0}, "echo": {"type": f"{__name__}:_CorrectnessEcho"}}}
    )
    samples = [Sample(completion="<answer>4</answer>", answer="4"), Sample(completion="<answer>5</answer>", answer="4"),
               Sample(completion="hello")]  # fmt: skip
    echo = reward(samples).components["echo"]
    assert [s.value for s in echo] == [1.0, 0.0, None]


def test_base_score_with_correctness_refuses_undeclared_components():
    with pytest.raises(NotImplementedError, match="needs_correctness"):
        build_component("format").score_with_correctness([Sample()], [0], [True])


class TestRewardProtocol:
    def test_hybrid_reward_is_a_reward(self):
        assert isinstance(HybridReward.from_preset("rule-only"), Reward)

    def test_any_object_with_the_two_members_is_one(self):
        class Double:
            component_names = ("x",)

            def __call__(self, samples, groups=None):
                return RewardResult([0.0] * len(samples), {"x": [Score(0.0)] * len(samples)})

        double = Double()
        assert isinstance(double, Reward) and resolve_reward(double) is double

    def test_a_plain_function_is_not(self):
        with pytest.raises(TypeError, match="expected a HybridReward"):
            resolve_reward(lambda samples, groups=None: None)
