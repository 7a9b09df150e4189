"""`evaluate` end to end: generation for VLM and text policies, a stub policy with known answers, the CLI."""

from __future__ import annotations

import json

import pytest

from hymar.eval import evaluate as evaluate_module
from hymar.eval.evaluate import evaluate
from hymar.data.prompts import vision_messages
from hymar.eval.generate import GenerationSettings, generate_completions
from hymar.rewards.rules.verifier import verify
from hymar.rewards.types import prompt_to_text

IMG = {"type": "image"}


@pytest.mark.parametrize(
    "prompt, has_image, expected, reason",
    [
        ("Count.", True, [{"role": "user", "content": [IMG, {"type": "text", "text": "Count."}]}], "string prompt gets the image first"),
        ("Count.", False, [{"role": "user", "content": [{"type": "text", "text": "Count."}]}], "no image, no placeholder"),
        (
            [{"role": "user", "content": [{"type": "image", "text": None}, {"type": "text", "text": "Q"}]}],
            False,
            [{"role": "user", "content": [{"type": "text", "text": "Q"}]}],
            "placeholder without an image is dropped",
        ),
        (
            [{"role": "user", "content": [{"type": "text", "text": "Q"}, {"type": "image"}, {"type": "image"}]}],
            True,
            [{"role": "user", "content": [{"type": "text", "text": "Q"}, IMG]}],
            "one image per row: extra placeholders dropped",
        ),
        (
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q"}],
            True,
            [{"role": "system", "content": [{"type": "text", "text": "Be brief."}]}, {"role": "user", "content": [IMG, {"type": "text", "text": "Q"}]}],
            "image goes into the first user turn",
        ),
    ],
)
def test_vision_messages(prompt, has_image, expected, reason):
    assert vision_messages(prompt, has_image) == expected, reason


@pytest.mark.parametrize("kwargs", [{"max_new_tokens": 0}, {"batch_size": 0}, {"temperature": -1.0}, {"top_p": 0.0}])
def test_generation_settings_reject_bad_values(kwargs):
    with pytest.raises(ValueError):
        GenerationSettings(**kwargs)


def test_stub_policy_accuracy_is_exact(monkeypatch, suite):
    """A policy that answers right on even rows and wrong on odd ones: accuracy is known in advance."""
    rows = suite["test"]

    def fake_generate(model, processing_class, batch_rows, settings, *, progress):
        out = []
        for i, row in enumerate(batch_rows):
            answer = row["answer"] if row["answer"] is not None else "A shape."
            if i % 2:
                answer = "wrong"
            out.append(f"<think>Looking.</think><answer>{answer}</answer>")
        return out

    monkeypatch.setattr("hymar.models.loading.load_policy", lambda path, device: (None, None))
    monkeypatch.setattr("hymar.eval.generate.generate_completions", fake_generate)
    result = evaluate("stub-policy", rows, progress=False)
    expected: dict[str, list[bool]] = {}
    for i, row in enumerate(rows):
        if row["answer"] is not None:
            expected.setdefault(row["domain"], []).append(i % 2 == 0)
    for domain, flags in expected.items():
        assert result.accuracy[domain] == pytest.approx(sum(flags) / len(flags)), domain
    assert "describe" not in result.accuracy and result.overall.format_strict == 1.0
    assert result.settings["decoding"] == "greedy" and result.policy == "stub-policy"
    assert all("demonstration" not in g for g in result.generations)


@pytest.mark.parametrize("policy", ["tiny_vlm_dir", "tiny_text_dir"])
def test_evaluate_real_policy_matches_its_generations(request, tmp_path, suite, policy):
    """Greedy generation with a real (untrained) policy; the reported numbers re-derive from the generations."""
    folder = request.getfixturevalue(policy)
    rows = suite["test"].select(range(6))
    result = evaluate(folder, rows, batch_size=4, max_new_tokens=6, progress=False)
    assert len(result.generations) == 6
    correct = {}
    for record, row in zip(result.generations, rows):
        assert isinstance(record["completion"], str) and record["id"] == row["id"]
        if row["answer"] is not None:
            score = verify(record["completion"], row["answer"], task=row["task"], prompt=prompt_to_text(row["prompt"]))
            correct.setdefault(row["domain"], []).append(bool(score.valid and score.value == 1.0))
    for domain, flags in correct.items():
        assert result.accuracy[domain] == pytest.approx(sum(flags) / len(flags))
    # greedy decoding is reproducible
    again = evaluate(folder, rows, batch_size=3, max_new_tokens=6, progress=False)
    assert [g["completion"] for g in again.generations] == [g["completion"] for g in result.generations]
    json_path, md_path = result.save(tmp_path)
    assert json.loads(json_path.read_text())["settings"]["rows"] == 6 and md_path.read_text().startswith("# Evaluation")


def test_generate_pads_on_the_left_for_mixed_lengths(tiny_vlm_dir, suite):
    """Batched and one-at-a-time greedy generation agree (left padding keeps prompts aligned)."""
    from hymar.models.loading import load_policy

    model, processor = load_policy(tiny_vlm_dir)
    rows = [dict(r) for r in suite["test"].select(range(3))]
    settings = GenerationSettings(max_new_tokens=5, batch_size=3)
    batched = generate_completions(model, processor, rows, settings, progress=False)
    single = generate_completions(model, processor, rows, GenerationSettings(max_new_tokens=5, batch_size=1), progress=False)
    assert batched == single


def test_cli_writes_reports(tmp_path, tiny_vlm_dir, capsys):
    from hymar.commands.evaluate import main

    out = tmp_path / "eval"
    code = main([str(tiny_vlm_dir), str(out), "--test-rows", "5", "--max-new-tokens", "4", "--preset", "rule-only", "--no-progress"])
    assert code == 0
    data = json.loads((out / "eval.json").read_text())
    assert data["settings"]["reward"] == "rule-only" and len(data["generations"]) == 5
    assert (out / "eval.md").is_file() and "accuracy" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["/nonexistent/policy", "OUT", "--test-rows", "2"], "does not exist"),
        (["POLICY", "OUT", "--preset", "no-such-preset"], "unknown preset"),
        (["POLICY", "OUT", "--dataset", "x.jsonl", "--column-map", "[1]"], "JSON object"),
    ],
)
def test_cli_errors_exit_1_with_a_message(tmp_path, capsys, argv, message):
    from hymar.commands.evaluate import main

    argv = [str(tmp_path / a) if a in ("OUT", "POLICY") else a for a in argv]
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_module_exports_scoring_half():
    assert callable(evaluate_module.score_generations)
