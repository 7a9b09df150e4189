"""`hymar build-model`: add_arguments + run, a loadable folder, clear failures."""

from __future__ import annotations

import argparse
import json

import pytest

from hymar.commands import build_model


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    build_model.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_defaults():
    args = _args("out")
    assert (args.out_dir, args.size, args.image_size, args.seed, args.corpus) == ("out", "default", None, 0, None)


def test_unknown_size_is_a_usage_error():
    with pytest.raises(SystemExit):
        _args("out", "--size", "huge")


def test_builds_a_loadable_folder_from_a_corpus_file(tmp_path, capsys):
    from hymar.models.loading import load_policy

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("How many circles?\n<think>I count 2.</think><answer>2</answer>\n\n", encoding="utf-8")
    out = tmp_path / "model"
    code = build_model.run(_args(str(out), "--size", "test", "--image-size", "112", "--corpus", str(corpus), "--seed", "3"))
    assert code == 0
    assert "16 image tokens" in capsys.readouterr().out
    info = json.loads((out / "hymar_build.json").read_text())
    assert info["seed"] == 3 and info["spec"]["image_size"] == 112
    model, processor = load_policy(out)
    assert processor.image_processor is not None and model.config.model_type == "qwen2_5_vl"


def test_default_corpus_comes_from_the_task_suite(tmp_path):
    from transformers import AutoTokenizer

    out = tmp_path / "model"
    assert build_model.run(_args(str(out), "--size", "test", "--corpus-examples", "20")) == 0
    tok = AutoTokenizer.from_pretrained(out)
    # task words became BPE merges: "answer" is one token, not six bytes
    assert len(tok("answer", add_special_tokens=False)["input_ids"]) == 1


@pytest.mark.parametrize(
    "make_argv, message, reason",
    [
        (lambda tmp: [str(tmp / "m"), "--size", "test", "--corpus", str(tmp / "missing.txt")], "does not exist", "no corpus file"),
        (lambda tmp: [str(tmp / "m"), "--size", "test", "--image-size", "60", "--corpus", str(tmp / "c.txt")], "multiple", "image size off the patch grid"),
        (lambda tmp: [str(tmp / "c.txt"), "--size", "test", "--corpus", str(tmp / "c.txt")], "not a folder", "output is an existing file"),
    ],
)
def test_failures_exit_nonzero_with_a_message(tmp_path, capsys, make_argv, message, reason):
    (tmp_path / "c.txt").write_text("abc\n", encoding="utf-8")
    assert build_model.run(_args(*make_argv(tmp_path))) == build_model.EXIT_ERROR, reason
    assert message in capsys.readouterr().err
