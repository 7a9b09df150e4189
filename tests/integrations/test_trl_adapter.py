"""The TRL adapter: sample building, groups, views over one cached scoring, logging, async, pickling."""

from __future__ import annotations

import asyncio
import math
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from trl.trainer.utils import get_callable_name, is_async_callable

from hymar.integrations.trl import (
    AsyncHymarRewardFunction,
    HymarRewardFunction,
    build_samples,
    completion_to_text,
    infer_groups,
    make_reward_funcs,
    resolve_reward,
)
from hymar.rewards.types import RewardResult, Sample, Score

from .conftest import CountingReward, StubAccuracy, stub_hybrid

USER = [{"role": "user", "content": "What is 2+2?"}]
BATCH = {
    "prompts": ["What is 2+2?", "What is 2+2?", "What is 3+3?", "What is 3+3?"],
    "completions": ["<answer>4</answer>", "5", "<answer>6</answer>", "<answer>7</answer>"],
    "answer": ["4", "4", "6", "6"],
}


def call(func, batch=BATCH, **extra):
    return func(prompts=batch["prompts"], completions=batch["completions"], answer=batch["answer"], **extra)


def same(a: list[float], b: list[float]) -> bool:
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


class TestCompletionText:
    @pytest.mark.parametrize(
        "completion, expected",
        [
            ("<answer>4</answer>", "<answer>4</answer>"),  # plain text passes through
            ([{"role": "assistant", "content": "42"}], "42"),  # TRL's conversational completion
            ([{"role": "assistant", "content": [{"type": "text", "text": "a"}]}], "a"),  # content parts
            (
                [
                    {"role": "assistant", "content": "call"},
                    {"role": "tool", "content": "tool says 9"},
                    {"role": "assistant", "content": "9"},
                ],
                "call\n9",
            ),  # tool output is not the model's words
            (None, ""),  # a missing completion scores as empty text
        ],
    )
    def test_text(self, completion, expected):
        assert completion_to_text(completion) == expected


class TestBuildSamples:
    @pytest.mark.parametrize(
        "columns, field, expected",
        [
            ({"answer": ["4"]}, "answer", "4"),  # answer column
            ({"solution": ["4"]}, "answer", "4"),  # TRL's math datasets call it solution
            ({"gold": [4]}, "answer", "4"),  # numbers become strings
            ({"answer": ["a"], "solution": ["b"]}, "answer", "a"),  # answer wins over solution
            ({"answer": [None]}, "answer", None),  # a missing gold answer stays None
            ({"reference": ["ref"]}, "reference", "ref"),  # open-ended reference
            ({"task": ["math"]}, "task", "math"),  # domain tag
            ({"constraints": ['{"max_words": 5}']}, "constraints", {"max_words": 5}),  # JSON string decoded
            ({"constraints": [{"max_words": 5}]}, "constraints", {"max_words": 5}),  # mapping as is
            ({"image": ["img.png"]}, "images", ("img.png",)),  # single image wrapped
            ({"images": [["a.png", "b.png"]]}, "images", ("a.png", "b.png")),  # image list
            ({"difficulty": ["hard"]}, "metadata", {"difficulty": "hard"}),  # other columns -> metadata
            ({"trainer_state": object(), "log_metric": print}, "metadata", {}),  # TRL kwargs dropped
        ],
    )
    def test_column_mapping(self, columns, field, expected):
        (sample,) = build_samples(["q"], ["c"], columns)
        assert getattr(sample, field) == expected

    def test_conversational_prompt_kept_as_messages(self):
        (sample,) = build_samples([USER], [[{"role": "assistant", "content": "4"}]], {})
        assert sample.prompt == USER and sample.prompt_text == "What is 2+2?" and sample.completion == "4"

    def test_length_mismatch_is_an_error(self):
        with pytest.raises(ValueError):
            build_samples(["a", "b"], ["c"], {})


def _partition(groups):
    """Group ids -> list of index tuples, so tests compare the partition, not the id strings."""
    out: dict = {}
    for i, g in enumerate(groups):
        out.setdefault(g, []).append(i)
    return sorted(tuple(v) for v in out.values())


class TestInferGroups:
    @pytest.mark.parametrize(
        "prompts, answers, images, group_size, expected",
        [
            (["A", "A", "B", "B"], None, None, None, [(0, 1), (2, 3)]),  # consecutive rollouts per prompt
            (["A", "A", "A", "A"], None, None, 2, [(0, 1), (2, 3)]),  # prompt drawn twice, split by size
            (["A", "A", "A", "A"], None, None, None, [(0, 1, 2, 3)]),  # without a size one run is one group
            (["A", "B", "A"], None, None, None, [(0,), (1,), (2,)]),  # non-adjacent repeats stay apart
            (["A", "A"], ["1", "2"], None, None, [(0,), (1,)]),  # same text, other gold answer
            (["A", "A"], None, [["x.png"], ["y.png"]], None, [(0,), (1,)]),  # same text, other image
            (["A", "A"], None, [["x.png"], ["x.png"]], None, [(0, 1)]),  # same text and image
        ],
    )
    def test_partition(self, prompts, answers, images, group_size, expected):
        samples = [
            Sample(prompt=p, answer=answers[i] if answers else None, images=tuple(images[i]) if images else ())
            for i, p in enumerate(prompts)
        ]
        assert _partition(infer_groups(samples, group_size)) == expected

    def test_ids_are_stable_across_calls(self):
        samples = [Sample(prompt="A"), Sample(prompt="A")]
        assert infer_groups(samples) == infer_groups(list(samples))

    def test_groups_reach_the_reward(self):
        f = HymarRewardFunction(stub_hybrid())
        result = f.score_batch(BATCH["prompts"], BATCH["completions"], answer=BATCH["answer"])
        assert [s.value for s in result.components["group_size"]] == [2.0, 2.0, 2.0, 2.0]


class TestRewardFunction:
    def test_total_and_name(self):
        f = HymarRewardFunction(stub_hybrid())
        # accuracy (w 1.0) + format (w 0.5)
        assert call(f) == [1.5, 0.0, 1.5, 0.5]
        assert get_callable_name(f) == "hymar" and not is_async_callable(f)

    def test_conversational_input(self):
        f = HymarRewardFunction(stub_hybrid())
        out = f(prompts=[USER], completions=[[{"role": "assistant", "content": "<answer>4</answer>"}]], answer=["4"])
        assert out == [1.5]

    @pytest.mark.parametrize("make", [HymarRewardFunction, AsyncHymarRewardFunction])
    def test_pickle_round_trip(self, make):
        f = make(stub_hybrid())
        g = pickle.loads(pickle.dumps(f))
        assert type(g) is type(f) and g.__name__ == "hymar"
        if make is HymarRewardFunction:
            assert call(g) == call(f)
        else:
            assert asyncio.run(call(g)) == asyncio.run(call(f))

    def test_pickled_views_share_the_unpickled_total(self, counting_reward):
        funcs, _ = make_reward_funcs(counting_reward)
        restored = pickle.loads(pickle.dumps(funcs))
        assert all(view.owner is restored[0] for view in restored[1:])
        call(restored[0])
        views = [call(v) for v in restored[1:]]
        assert restored[0].reward.calls == 1 and views[0] == [1.0, 0.0, 1.0, 0.0]

    def test_trainer_step_is_part_of_the_batch_key(self, counting_reward):
        class State:
            def __init__(self, step):
                self.global_step = step

        f = HymarRewardFunction(counting_reward)
        call(f, trainer_state=State(1))
        call(f, trainer_state=State(1))
        call(f, trainer_state=State(2))
        assert counting_reward.calls == 2  # same batch at the same step is scored once


class TestResolveReward:
    def test_config_path_and_mapping(self, tmp_path):
        stub = f"{StubAccuracy.__module__}:StubAccuracy"
        path = tmp_path / "reward.yaml"
        path.write_text(f"components:\n  accuracy: {{type: '{stub}', weight: 1.0}}\n")
        from_file = resolve_reward(path)
        from_map = resolve_reward({"components": {"accuracy": {"type": stub}}})
        assert from_file.component_names == from_map.component_names == ["accuracy"]

    @pytest.mark.parametrize(
        "spec, error",
        [
            ("no-such-preset", ValueError),  # neither a preset nor a file
            ("missing.yaml", ValueError),  # a config path that does not exist
            (42, TypeError),  # not a reward spec at all
        ],
    )
    def test_bad_specs(self, spec, error):
        with pytest.raises(error):
            resolve_reward(spec)

    def test_preset_name_builds_the_real_preset_and_pickles(self):
        f = HymarRewardFunction("rule-only")
        g = pickle.loads(pickle.dumps(f))
        kwargs = {"prompts": ["2+2?", "2+2?"], "completions": ["The answer is 4", "It is 5"], "answer": ["4", "4"]}
        assert f.component_names == ["accuracy"]
        assert f(**kwargs) == g(**kwargs) == [1.0, 0.0]

    def test_reward_object_passes_through(self):
        reward = stub_hybrid()
        assert resolve_reward(reward) is reward


class TestComponentViews:
    def test_names_and_weights(self):
        funcs, weights = make_reward_funcs(stub_hybrid())
        assert [get_callable_name(f) for f in funcs] == ["hymar", "accuracy", "format", "group_size"]
        assert weights == [1.0, 0.0, 0.0, 0.0]

    def test_no_views_without_component_logging(self):
        funcs, weights = make_reward_funcs(stub_hybrid(), log_components=False)
        assert len(funcs) == 1 and weights == [1.0]

    @pytest.mark.parametrize("views_first", [False, True])  # TRL runs sync funcs before async ones
    def test_views_read_one_cached_scoring(self, counting_reward, views_first):
        total, *views = make_reward_funcs(counting_reward)[0]
        order = views + [total] if views_first else [total] + views
        outputs = {get_callable_name(f): call(f) for f in order}
        assert counting_reward.calls == 1
        assert outputs["hymar"] == [1.5, 0.0, 1.5, 0.5]
        assert outputs["accuracy"] == [1.0, 0.0, 1.0, 0.0]
        assert outputs["format"] == [1.0, 0.0, 1.0, 1.0]
        call(total, batch={**BATCH, "completions": ["4", "4", "6", "6"]})
        assert counting_reward.calls == 2  # a new batch is scored again

    def test_not_applicable_is_nan(self, counting_reward):
        total, accuracy, *_ = make_reward_funcs(counting_reward)[0]
        kwargs = {"prompts": ["q", "q"], "completions": ["a", "b"], "answer": [None, "b"]}
        total(**kwargs)
        values = accuracy(**kwargs)
        assert math.isnan(values[0]) and values[1] == 1.0

    def test_view_is_nan_where_total_is_nan(self):
        class Fixed:
            component_names = ["c"]

            def __call__(self, samples, groups=None):
                return RewardResult([float("nan"), 1.0], {"c": [Score(0.5), Score(0.5)]})

        total, view = make_reward_funcs(Fixed())[0]
        kwargs = {"prompts": ["p", "q"], "completions": ["a", "b"]}
        assert same(total(**kwargs), [float("nan"), 1.0])
        assert same(view(**kwargs), [float("nan"), 0.5])  # keeps TRL's "unscorable" rows unscorable

    def test_concurrent_callers_score_once(self, counting_reward):
        funcs, _ = make_reward_funcs(counting_reward)
        with ThreadPoolExecutor(max_workers=8) as pool:
            outputs = list(pool.map(lambda f: call(f), funcs * 4))
        assert counting_reward.calls == 1
        assert outputs[0] == [1.5, 0.0, 1.5, 0.5]

    def test_cache_is_bounded(self, counting_reward):
        f = HymarRewardFunction(counting_reward)
        for i in range(20):
            f(prompts=["q"], completions=[str(i)])
        assert counting_reward.calls == 20 and len(f._cache) <= 8

    def test_failure_reaches_every_caller_as_nan_and_the_next_batch_is_scored(self):
        class Flaky:
            component_names = ["c"]
            calls = 0

            def __call__(self, samples, groups=None):
                Flaky.calls += 1
                if Flaky.calls == 1:
                    raise RuntimeError("boom")
                return RewardResult([1.0], {"c": [Score(1.0)]})

        total, view = make_reward_funcs(Flaky())[0]
        # a failing batch must not kill the trainer: NaN (TRL: no advantage) for the total and its views,
        # from one scoring call (the views read the cached failure)
        assert math.isnan(total(prompts=["p"], completions=["a"])[0])
        assert math.isnan(view(prompts=["p"], completions=["a"])[0]) and Flaky.calls == 1
        assert total(prompts=["p"], completions=["b"]) == [1.0] and Flaky.calls == 2

    def test_component_named_like_the_total_is_refused(self):
        class Clash:
            component_names = ["hymar"]

            def __call__(self, samples, groups=None):
                raise AssertionError

        with pytest.raises(ValueError):
            make_reward_funcs(Clash())


class TestLogMetric:
    @staticmethod
    def logged(func, **kwargs):
        metrics: dict[str, float] = {}
        call(func, log_metric=metrics.__setitem__, **kwargs)
        return metrics

    def test_without_views_all_stats_are_sent(self):
        metrics = self.logged(HymarRewardFunction(stub_hybrid()))
        assert metrics["rewards/accuracy/mean"] == 0.5
        assert metrics["rewards/format/mean"] == 0.75
        assert metrics["rewards/accuracy/confidence"] == 1.0
        assert metrics["rewards/accuracy/invalid_rate"] == 0.0
        assert "rewards/total/mean" not in metrics  # TRL logs the total as rewards/hymar/*

    def test_with_views_only_what_trl_cannot_compute(self):
        total = make_reward_funcs(stub_hybrid())[0][0]
        metrics = self.logged(total)
        assert "rewards/accuracy/confidence" in metrics and "rewards/accuracy/invalid_rate" in metrics
        assert not any(k.endswith(("/mean", "/std")) for k in metrics)  # the views log those

    def test_nan_is_never_sent(self):
        metrics: dict[str, float] = {}
        f = HymarRewardFunction(stub_hybrid())
        f(prompts=["q"], completions=["a"], answer=[None], log_metric=metrics.__setitem__)
        assert "rewards/accuracy/mean" not in metrics  # accuracy applied to nothing in this batch
        assert all(math.isfinite(v) for v in metrics.values())

    def test_logging_can_be_turned_off(self):
        assert self.logged(HymarRewardFunction(stub_hybrid(), log_components=False)) == {}


class TestAsync:
    def test_async_funcs_are_recognised_by_trl(self):
        funcs, _ = make_reward_funcs(stub_hybrid(), asynchronous=True)
        assert all(is_async_callable(f) for f in funcs)

    def test_called_from_an_event_loop_in_a_non_main_thread(self, counting_reward):
        """Mirrors TRL: a daemon thread runs the loop; the trainer thread submits with run_coroutine_threadsafe."""
        loop = asyncio.new_event_loop()
        loop_thread = threading.Thread(target=loop.run_forever, daemon=True)
        loop_thread.start()
        try:
            funcs, _ = make_reward_funcs(counting_reward, asynchronous=True)

            async def gather():
                return await asyncio.gather(*(call(f) for f in funcs))

            outputs = asyncio.run_coroutine_threadsafe(gather(), loop).result(timeout=30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            loop_thread.join(timeout=5)
        assert outputs[0] == [1.5, 0.0, 1.5, 0.5] and outputs[1] == [1.0, 0.0, 1.0, 0.0]
        assert counting_reward.calls == 1
        assert counting_reward.threads[0] not in (loop_thread.ident, threading.main_thread().ident)


def test_counting_reward_pickles():
    """The helper itself must pickle, or the pickling tests above would prove nothing."""
    r = pickle.loads(pickle.dumps(CountingReward(stub_hybrid())))
    assert r.calls == 0 and r([Sample(prompt="q", completion="x", answer="x")]).rewards == [1.0]


class TestOneBuildPerStep:
    """The total and its K views find the step's result by the identity of TRL's lists (issue 11)."""

    @pytest.fixture
    def builds(self, monkeypatch):
        from hymar.integrations import trl as trl_module

        counter = {"n": 0}
        original = trl_module.build_samples

        def counting(*args, **kwargs):
            counter["n"] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(trl_module, "build_samples", counting)
        return counter

    def test_same_lists_build_the_samples_once(self, counting_reward, builds):
        # reason: each view rebuilt every Sample and hashed every image: K+1 times per step
        funcs, _ = make_reward_funcs(counting_reward)
        batch = {k: list(v) for k, v in BATCH.items()}
        outputs = [call(f, batch) for f in funcs]
        assert builds["n"] == 1 and counting_reward.calls == 1
        assert outputs[1] == [1.0, 0.0, 1.0, 0.0]

    def test_copied_lists_fall_back_to_the_content_hash(self, counting_reward, builds):
        f = HymarRewardFunction(counting_reward)
        first = call(f, {k: list(v) for k, v in BATCH.items()})
        second = call(f, {k: list(v) for k, v in BATCH.items()})
        assert first == second and builds["n"] == 2 and counting_reward.calls == 1

    def test_a_list_refilled_in_place_is_scored_again(self, counting_reward):
        f = HymarRewardFunction(counting_reward)
        batch = {k: list(v) for k, v in BATCH.items()}
        before = call(f, batch)
        batch["completions"][1] = batch["completions"][0]  # now right, like the first rollout
        after = call(f, batch)
        assert counting_reward.calls == 2 and after[1] == before[0] != before[1]

    def test_a_new_step_with_the_same_lists_is_scored_again(self, counting_reward):
        class State:
            def __init__(self, step):
                self.global_step = step

        f = HymarRewardFunction(counting_reward)
        batch = {k: list(v) for k, v in BATCH.items()}
        call(f, batch, trainer_state=State(1))
        call(f, batch, trainer_state=State(2))
        assert counting_reward.calls == 2


def test_each_image_is_hashed_once_per_batch(counting_reward, monkeypatch):
    # reason: the image fingerprint (tobytes + sha1) ran once per rollout, twice (batch key, groups)
    from hymar.integrations import batch_cache

    hashed = []
    original = batch_cache._image_fingerprint
    monkeypatch.setattr(batch_cache, "_image_fingerprint", lambda image: hashed.append(id(image)) or original(image))
    from PIL import Image

    images = [Image.new("RGB", (8, 8), c) for c in ("red", "blue")]
    funcs, _ = make_reward_funcs(counting_reward)
    batch = {**{k: list(v) for k, v in BATCH.items()}, "image": [images[0], images[0], images[1], images[1]]}
    for f in funcs:
        f(prompts=batch["prompts"], completions=batch["completions"], answer=batch["answer"], image=batch["image"])
    assert sorted(hashed) == sorted([id(images[0]), id(images[1])] * 2)  # batch key + group inference
