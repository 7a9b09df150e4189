"""`hymar serve` endpoints in process (FastAPI TestClient): /score, /get_reward, /health, refusals, auth."""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Sequence

import pytest
from fastapi.testclient import TestClient

from hymar.integrations.server import ServeSettings, create_app
from hymar.integrations.server.openrlhf import label_fields, split_query
from hymar.integrations.server.protocol import RequestError
from hymar.rewards.base import RewardComponent
from hymar.rewards.config import load_config
from hymar.rewards.hybrid import HybridReward
from hymar.rewards.types import Sample, Score
from hymar.scoring import score_jsonl

RIGHT = {"id": "r", "prompt": "What is 2+2?", "completion": "<think>2+2=4</think><answer>4</answer>", "answer": "4"}
WRONG = {"id": "w", "prompt": "What is 2+2?", "completion": "<answer>5</answer>", "answer": "4"}


class GroupSize(RewardComponent):
    """Value = size of the sample's group, so tests can see which groups the server formed."""

    name = "group_size"

    def score(self, samples: Sequence[Sample], groups: Sequence[Hashable]) -> list[Score]:
        return [Score(float(sum(1 for h in groups if h == g))) for g in groups]


def group_reward() -> HybridReward:
    return HybridReward(load_config({"components": {"group_size": {"weight": 1.0}}}), {"group_size": GroupSize()})


@pytest.fixture(scope="module")
def rule_only() -> HybridReward:
    return HybridReward.from_preset("rule-only")


@pytest.fixture(scope="module")
def client(rule_only):
    with TestClient(create_app(rule_only, ServeSettings(reward_name="rule-only", max_samples=8))) as c:
        yield c


def strict_json(text: str):
    """Parse refusing NaN/Infinity: what the server promises to send."""
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"non-finite number {name} in response"))


# ------------------------------------------------------------------------------------------ /health
def test_health_reports_reward_components_and_counts(client):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["reward"] == "rule-only"
    assert body["components"] == ["accuracy"]
    assert (body["in_flight"], body["queued"]) == (0, 0)
    assert body["thread_safe"] is True and body["serialized"] is False


# ------------------------------------------------------------------------------------------- /score
def test_score_matches_hymar_score_output(client, rule_only, tmp_path):
    records = [RIGHT, WRONG, {"id": "bad", "completion": 5}, {**RIGHT, "id": "g1", "group": "g"}, {"id": "open", "completion": "hi"}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    score_jsonl(src, tmp_path / "out.jsonl", rule_only, progress=False)
    expected = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    got = client.post("/score", json=records).json()
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        if "error" in e:  # hymar score names the line, the server the index
            assert g["id"] == e["id"] and "field 'completion'" in g["error"] and g["index"] == 2
        else:
            assert g == e


def test_score_right_and_wrong_answers(client):
    right, wrong = client.post("/score", json=[RIGHT, WRONG]).json()
    assert (right["reward"], wrong["reward"]) == (1.0, 0.0)
    assert right["components"]["accuracy"]["valid"] is True


def test_score_groups_follow_the_group_field():
    records = [{"completion": "a", "group": "x"}, {"completion": "b"}, {"completion": "c", "group": "x"}, {"completion": "d", "group": 7}]
    with TestClient(create_app(group_reward())) as c:
        got = c.post("/score", json=records).json()
    # x has two members; an ungrouped record and group 7 are alone
    assert [r["components"]["group_size"]["value"] for r in got] == [2.0, 1.0, 2.0, 1.0]


def test_score_empty_list_is_empty(client):
    assert client.post("/score", json=[]).json() == []


@pytest.mark.parametrize(
    "content, status, needle",
    [
        (b"[1,", 400, "invalid JSON"),  # truncated body
        (b"", 400, "empty"),  # no body at all
        (b"[NaN]", 400, "NaN"),  # non-standard literal Python would accept
        (b'[{"completion": Infinity}]', 400, "Infinity"),  # same for Infinity
        (b"\xff\xfe[]", 400, "UTF-8"),  # not UTF-8
        (b"[" * 100_000 + b"]" * 100_000, 400, "invalid JSON"),  # nesting deeper than the parser's stack
        (b"[" + b"9" * 5000 + b"]", 400, "invalid JSON"),  # integer beyond Python's digit limit
        (b'{"completion": "x"}', 422, "body: expected a JSON list"),  # one object, not a list
        (b'[{"completion": "x"}, 3]', 422, "body[1]: expected a JSON object"),  # an item of the wrong type
        (b"[" + b",".join([b"{}"] * 9) + b"]", 422, "at most 8"),  # over --max-samples
    ],
)
def test_score_refuses_bad_bodies(client, content, status, needle):
    response = client.post("/score", content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert needle in response.json()["error"]


@pytest.mark.parametrize(
    "completion, reason",
    [
        ("<answer>4\ud800</answer>", "lone surrogate: not encodable as UTF-8"),
        ("<answer>4\x00</answer>", "NUL byte"),
        ("<answer>\u202e24</answer>", "right-to-left override hides what is compared"),
        ("x" * 300_000 + "<answer>4</answer>", "over the verifier's completion limit"),
        ("\\boxed{" * 5000 + "4" + "}" * 5000, "brace nesting bomb"),
        ("\\boxed{4}" * 500, "too many boxed answers"),
        ("<answer>" + "9" * 1900 + "</answer>", "huge number for the symbolic path"),
    ],
)
def test_hostile_completions_give_finite_or_null_results(client, completion, reason):
    body = json.dumps([{"completion": completion, "answer": "4"}, RIGHT], ensure_ascii=True)  # \ud800 escaped
    response = client.post("/score", content=body)
    assert response.status_code == 200, reason
    hostile, right = strict_json(response.text)
    assert hostile["reward"] is None or math.isfinite(hostile["reward"])
    assert right["reward"] == 1.0  # one bad sample does not spoil the batch


# ------------------------------------------------------------------------------------------- images
def test_images_refused_without_an_image_root(client):
    (out,) = client.post("/score", json=[{**RIGHT, "images": ["/etc/hostname"]}]).json()
    assert "--image-root" in out["error"]


def test_images_must_stay_inside_the_image_root(rule_only, tmp_path):
    (tmp_path / "ok.png").write_bytes(b"not really a png")
    settings = ServeSettings(image_root=str(tmp_path))
    with TestClient(create_app(rule_only, settings)) as c:
        inside, dotdot, absolute = c.post(
            "/score",
            json=[{**RIGHT, "images": ["ok.png"]}, {**RIGHT, "images": ["../x.png"]}, {**RIGHT, "images": ["/etc/hostname"]}],
        ).json()
    assert inside["reward"] == 1.0
    assert "outside" in dotdot["error"] and "images[0]" in dotdot["error"]
    assert "outside" in absolute["error"]


# -------------------------------------------------------------------------------------- /get_reward
def test_openrlhf_right_and_wrong_answer(client):
    prompt = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"
    body = {
        "query": [prompt + "<answer>4</answer>", prompt + "<answer>5</answer>"],
        "prompts": [prompt, prompt],
        "labels": ["4", "4"],
    }
    out = client.post("/get_reward", json=body).json()
    assert out["rewards"] == [1.0, 0.0]
    assert out["scores"] == out["rewards"]
    assert out["extra_logs"] == {
        "hymar_scorable": [1.0, 1.0],
        "hymar_prompt_matched": [1.0, 1.0],
        "hymar_accuracy": [1.0, 0.0],
    }


def test_openrlhf_groups_by_prompt_and_label_group():
    body = {
        "query": ["p1 a", "p1 b", "p2 c", "p1 d", "p2 e"],
        "prompts": ["p1", "p1", "p2", "p1", "p2"],
        "labels": [None, None, None, None, {"group": "own"}],
    }
    with TestClient(create_app(group_reward())) as c:
        out = c.post("/get_reward", json=body).json()
    # p1 x3; p2's first rollout alone because the last one names its own group
    assert out["extra_logs"]["hymar_group_size"] == [3.0, 3.0, 1.0, 3.0, 1.0]


def test_openrlhf_strip_suffix_and_structured_labels(rule_only):
    settings = ServeSettings(strip_suffixes=("<|im_end|>", "<|endoftext|>"))
    body = {
        "query": ["Q A: 4<|im_end|><|endoftext|><|endoftext|>", "Q A: yes", "The answer is 7."],
        "prompts": ["Q A: ", "Q A: ", "Q:"],
        "labels": ['{"answer": "4", "task": "math"}', {"answer": "yes", "task": "yesno"}, 7],
    }
    with TestClient(create_app(rule_only, settings)) as c:
        out = c.post("/get_reward", json=body).json()
    assert out["rewards"] == [1.0, 1.0, 1.0]
    assert out["extra_logs"]["hymar_prompt_matched"] == [1.0, 1.0, 0.0]


def test_openrlhf_without_prompts_or_labels(client):
    out = client.post("/get_reward", json={"query": ["hello"]}).json()
    # no gold answer: the rule does not apply, the total is 0 (rule-only counts not-applicable as 0)
    assert out["rewards"] == [0.0] and out["extra_logs"]["hymar_prompt_matched"] == [0.0]


def test_openrlhf_empty_request_keeps_every_log_key(client):
    out = client.post("/get_reward", json={"query": [], "prompts": [], "labels": []}).json()
    assert out == {"rewards": [], "scores": [], "extra_logs": {"hymar_scorable": [], "hymar_prompt_matched": [], "hymar_accuracy": []}}


@pytest.mark.parametrize(
    "body, needle",
    [
        ([1, 2], "body: expected a JSON object"),  # list instead of object
        ({"prompts": ["p"]}, "query: missing"),  # no queries
        ({"query": "abc"}, "query: expected a JSON list"),  # a string, not a list
        ({"query": ["a", 5]}, "query[1]: expected a string"),  # wrong item type, index named
        ({"query": ["a"], "prompts": ["a", "b"]}, "prompts: 2 items for 1 queries"),  # misaligned
        ({"query": ["a"], "prompts": [3]}, "prompts[0]: expected a string"),  # wrong prompt type
        ({"query": ["a"], "labels": [[1, 2]]}, "labels[0]: expected a string, number, object or null"),  # list label
        ({"query": ["a"], "labels": [True]}, "labels[0]"),  # a boolean is not an answer
        ({"query": ["a"], "labels": [{"constraints": 3}]}, "labels[0]: field 'constraints'"),  # bad record field
        ({"query": ["a"], "labels": [{"completion": "x"}]}, "labels[0]: must not set 'completion'"),  # no override
        ({"query": ["a"] * 9}, "at most 8"),  # over --max-samples
    ],
)
def test_openrlhf_refusals_name_the_field(client, body, needle):
    response = client.post("/get_reward", json=body)
    assert response.status_code == 422
    assert needle in response.json()["error"]


@pytest.mark.parametrize(
    "query, prompt, suffixes, expected",
    [
        ("PROMPT answer", "PROMPT ", (), ("answer", True)),  # the usual case
        ("other answer", "PROMPT ", (), ("other answer", False)),  # prompt not a prefix: whole query
        ("answer", "", (), ("answer", False)),  # no prompt
        ("P a</s><pad><pad>", "P ", ("<pad>", "</s>"), ("a", True)),  # suffixes in any order, repeatedly
        ("P a<pad>b", "P ", ("<pad>",), ("a<pad>b", True)),  # only at the end
    ],
)
def test_split_query(query, prompt, suffixes, expected):
    assert split_query(query, prompt, suffixes) == expected


@pytest.mark.parametrize(
    "label, expected",
    [
        ("42", {"answer": "42"}),  # plain gold answer
        (3.5, {"answer": 3.5}),  # numbers are answers too
        (None, {}),  # no label
        ('{"answer": "1", "task": "math"}', {"answer": "1", "task": "math"}),  # JSON object in a string
        ("{1, 2}", {"answer": "{1, 2}"}),  # a set-like answer that is not JSON stays an answer
        ('["a"]', {"answer": '["a"]'}),  # a JSON list string is an answer, not fields
    ],
)
def test_label_fields(label, expected):
    assert label_fields(label, 0) == expected


def test_label_fields_refuses_non_finite():
    with pytest.raises(RequestError, match=r"labels\[3\]"):
        label_fields(float("nan"), 3)


# ------------------------------------------------------------------------------------------- auth
@pytest.mark.parametrize(
    "headers, status",
    [
        ({}, 401),  # no token
        ({"Authorization": "Bearer wrong"}, 401),  # wrong token
        ({"Authorization": "Basic s3cret"}, 401),  # right secret, wrong scheme
        ({"Authorization": "Bearer s3cret"}, 200),  # right token
        ({"Authorization": "bearer s3cret"}, 200),  # the scheme is case-insensitive (RFC 7235)
    ],
)
@pytest.mark.parametrize("method, path, body", [("get", "/health", None), ("post", "/score", [RIGHT]), ("post", "/get_reward", {"query": ["a"]})])
def test_bearer_token(rule_only, headers, status, method, path, body):
    with TestClient(create_app(rule_only, ServeSettings(token="s3cret"))) as c:
        response = c.request(method.upper(), path, json=body, headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "token" in response.json()["error"]


# ------------------------------------------------------------------------------------------- 413
def test_body_over_limit_by_content_length(rule_only):
    with TestClient(create_app(rule_only, ServeSettings(max_body_bytes=100))) as c:
        response = c.post("/score", content=json.dumps([RIGHT] * 5))
    assert response.status_code == 413 and "100 bytes" in response.json()["error"]


def test_body_over_limit_while_streaming(rule_only):
    def chunks():  # no Content-Length: sent chunked, counted as it arrives
        for _ in range(50):
            yield b" " * 64

    with TestClient(create_app(rule_only, ServeSettings(max_body_bytes=1000))) as c:
        response = c.post("/score", content=chunks())
        small = c.post("/score", content=iter([b"[", b"]"]))
    assert response.status_code == 413
    assert small.status_code == 200 and small.json() == []


def test_a_failing_reward_gives_per_record_errors_not_a_crash():
    class Broken:
        component_names = ("x",)

        def __call__(self, samples, groups=None):
            raise ZeroDivisionError("boom")

    with TestClient(create_app(Broken()), raise_server_exceptions=False) as c:
        response = c.post("/score", json=[RIGHT, WRONG])
        openrlhf = c.post("/get_reward", json={"query": ["a"]})
        health = c.get("/health")
    # issue 9: a reward fault costs the records that cause it, never a 500 for the whole request
    assert response.status_code == 200
    assert [r["index"] for r in response.json()] == [0, 1]
    assert all("ZeroDivisionError: boom" in r["error"] for r in response.json())
    assert openrlhf.status_code == 200
    assert openrlhf.json()["rewards"] == [0.0] and openrlhf.json()["extra_logs"]["hymar_scorable"] == [0.0]
    assert health.json()["in_flight"] == 0
