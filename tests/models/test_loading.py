"""load_policy / is_multimodal: one call for VLM and text folders; errors name the path."""

from __future__ import annotations

import shutil

import pytest

from hymar.models.loading import is_multimodal, load_policy
from hymar.models.errors import ModelLoadError


class TestMultimodal:
    def test_vlm_gives_model_and_processor(self, tiny_vlm_dir):
        from transformers import ProcessorMixin

        model, processor = load_policy(tiny_vlm_dir)
        assert isinstance(processor, ProcessorMixin) and processor.image_processor is not None
        assert processor.tokenizer.padding_side == "left"
        assert model.generation_config.pad_token_id == processor.tokenizer.pad_token_id

    def test_is_multimodal(self, tiny_vlm_dir, tiny_text_dir):
        assert is_multimodal(tiny_vlm_dir) is True
        assert is_multimodal(str(tiny_text_dir)) is False

    def test_default_dtype_on_cpu_is_float32_and_names_work(self, tiny_vlm_dir):
        import torch

        assert load_policy(tiny_vlm_dir)[0].dtype == torch.float32
        assert load_policy(tiny_vlm_dir, dtype="bfloat16")[0].dtype == torch.bfloat16
        assert load_policy(tiny_vlm_dir, dtype=torch.float64)[0].dtype == torch.float64


class TestText:
    def test_text_model_gives_causal_lm_and_tokenizer(self, tiny_text_dir):
        import torch
        from transformers import PreTrainedTokenizerBase

        model, tokenizer = load_policy(tiny_text_dir)
        assert isinstance(tokenizer, PreTrainedTokenizerBase)
        assert type(model).__name__ == "Qwen2ForCausalLM"
        prompt = tokenizer.apply_chat_template([{"role": "user", "content": "What is 2 + 3?"}], tokenize=False, add_generation_prompt=True)
        inputs = tokenizer([prompt, "x"], return_tensors="pt", padding=True)
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=4, min_new_tokens=4, do_sample=False)
        assert out.shape == (2, inputs["input_ids"].shape[1] + 4)

    def test_missing_pad_token_falls_back_to_eos(self, tiny_text_dir, tmp_path):
        from transformers import AutoTokenizer

        folder = tmp_path / "nopad"
        shutil.copytree(tiny_text_dir, folder)
        saved = AutoTokenizer.from_pretrained(folder)
        saved.pad_token = None
        saved.save_pretrained(folder)
        assert AutoTokenizer.from_pretrained(folder).pad_token is None  # the case under test
        _, tokenizer = load_policy(folder)
        assert tokenizer.pad_token == tokenizer.eos_token == "<|im_end|>"


def _config_only(tmp_path, source):
    folder = tmp_path / "config_only"
    folder.mkdir()
    shutil.copy(source / "config.json", folder / "config.json")
    return folder


def _vlm_without_processor(tmp_path, source):
    folder = tmp_path / "no_processor"
    folder.mkdir()
    for name in ("config.json", "model.safetensors", "generation_config.json"):
        shutil.copy(source / name, folder / name)
    return folder


def _garbled_config(tmp_path, source):
    folder = tmp_path / "garbled"
    folder.mkdir()
    (folder / "config.json").write_text("{not json")
    return folder


@pytest.mark.parametrize(
    "make, match, reason",
    [
        (lambda tmp, src: tmp / "does" / "not" / "exist", "does not exist", "absolute path that is not there"),
        (lambda tmp, src: src / "config.json", "is a file", "a file, not a folder"),
        (lambda tmp, src: tmp, "could not read a model config", "a folder without config.json"),
        (_garbled_config, "could not read a model config", "config.json is not JSON"),
        (_config_only, "could not load the multimodal policy model", "config but no weights"),
        (_vlm_without_processor, "processor", "weights but no tokenizer or image processor"),
    ],
)
def test_errors_name_the_path(tmp_path, tiny_vlm_dir, make, match, reason):
    path = make(tmp_path, tiny_vlm_dir)
    with pytest.raises(ModelLoadError, match=match) as info:
        load_policy(path)
    assert str(path) in str(info.value), reason


def test_relative_dot_path_that_is_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelLoadError, match=r"\./nowhere does not exist"):
        load_policy("./nowhere")


def test_is_multimodal_error_names_the_path(tmp_path):
    with pytest.raises(ModelLoadError, match=str(tmp_path)):
        is_multimodal(tmp_path)


def test_a_folder_whose_save_was_interrupted_is_refused(tmp_path, tiny_vlm_dir):
    from hymar.models.saving import SAVING_MARKER, saving

    folder = tmp_path / "policy"
    shutil.copytree(tiny_vlm_dir, folder)
    with pytest.raises(KeyboardInterrupt), saving(folder, by="test"):
        raise KeyboardInterrupt  # the run stops mid-save: the marker stays
    assert (folder / SAVING_MARKER).is_file()
    with pytest.raises(ModelLoadError, match="incomplete"):
        load_policy(folder)
    (folder / SAVING_MARKER).unlink()
    model, _ = load_policy(folder)  # the same files, once marked complete, load
    assert model is not None
