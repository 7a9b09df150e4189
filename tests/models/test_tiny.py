"""TinyVLMSpec validation and build_tiny_vlm: an ordinary HF folder, deterministic by seed, that loads and generates."""

from __future__ import annotations

import dataclasses
import json

import pytest

from hymar.models.tiny import (
    BUILD_INFO_FILE,
    SIZES,
    TinyVLMSpec,
    build_tiny_vlm,
    tiny_vlm_config,
)

from .conftest import COUNT_PROMPT, small_corpus


class TestSpec:
    @pytest.mark.parametrize(
        "changes, match, reason",
        [
            ({"hidden": 130}, "heads", "hidden not divisible by heads"),
            ({"kv_heads": 3}, "kv_heads", "kv heads do not divide heads"),
            ({"hidden": 16, "heads": 4, "kv_heads": 2}, "head_dim", "head_dim 4 leaves no room for 3 M-RoPE sections"),
            ({"hidden": 36, "heads": 4, "kv_heads": 2}, "head_dim", "odd head_dim 9"),
            ({"image_size": 60}, "image_size", "60 is not a multiple of patch*merge = 28"),
            ({"vision_hidden": 40, "vision_heads": 4}, "vision_hidden", "vision head dim 10 not a multiple of 4"),
            ({"layers": 0}, "positive", "zero layers"),
        ],
    )
    def test_invalid_specs_rejected(self, changes, match, reason):
        with pytest.raises(ValueError, match=match):
            TinyVLMSpec(**changes)

    @pytest.mark.parametrize("name", sorted(SIZES))
    def test_mrope_section_sums_to_half_head_dim(self, name):
        spec = SIZES[name]
        assert sum(spec.mrope_section) == spec.head_dim // 2 and min(spec.mrope_section) >= 1

    def test_mrope_section_matches_qwen_at_head_dim_128(self):
        # Qwen2.5-VL's own split for head_dim 128
        assert TinyVLMSpec(hidden=1024, heads=8, kv_heads=2).mrope_section == [16, 24, 24]

    @pytest.mark.parametrize("image_size, tokens", [(56, 4), (84, 9), (112, 16)])
    def test_image_tokens(self, image_size, tokens):
        assert TinyVLMSpec(image_size=image_size).image_tokens == tokens

    def test_default_is_a_few_million_parameters_at_most(self):
        import torch
        from transformers import Qwen2_5_VLForConditionalGeneration

        from hymar.models.tokenizer import train_tokenizer

        tokenizer = train_tokenizer(small_corpus(), vocab_size=1024)
        with torch.device("meta"):  # sizes only, no memory
            model = Qwen2_5_VLForConditionalGeneration(tiny_vlm_config(TinyVLMSpec(), tokenizer))
        n_params = sum(p.numel() for p in model.parameters())
        assert 500_000 < n_params < 3_000_000


class TestBuild:
    def test_writes_an_ordinary_hf_folder(self, tiny_vlm_dir):
        names = {p.name for p in tiny_vlm_dir.iterdir()}
        expected = {
            "config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "chat_template.jinja", "preprocessor_config.json", "processor_config.json", BUILD_INFO_FILE,
        }
        assert expected <= names

    def test_config_token_ids_match_the_tokenizer(self, tiny_vlm_dir):
        from transformers import AutoConfig, AutoTokenizer

        config = AutoConfig.from_pretrained(tiny_vlm_dir)
        tok = AutoTokenizer.from_pretrained(tiny_vlm_dir)
        assert config.model_type == "qwen2_5_vl"
        assert config.image_token_id == tok.convert_tokens_to_ids("<|image_pad|>")
        assert config.vision_start_token_id == tok.convert_tokens_to_ids("<|vision_start|>")
        assert config.text_config.vocab_size == len(tok)
        assert sum(config.text_config.rope_parameters["mrope_section"]) == SIZES["test"].head_dim // 2

    def test_build_info_records_spec_and_seed(self, tiny_vlm_dir):
        info = json.loads((tiny_vlm_dir / BUILD_INFO_FILE).read_text())
        assert info["seed"] == 0 and info["spec"] == dataclasses.asdict(SIZES["test"]) and info["parameters"] > 0

    def test_same_seed_same_bytes_other_seed_other_weights(self, tiny_vlm_dir, tmp_path):
        same = build_tiny_vlm(tmp_path / "same", small_corpus(), SIZES["test"], seed=0)
        other = build_tiny_vlm(tmp_path / "other", small_corpus(), SIZES["test"], seed=1)
        for name in ("model.safetensors", "tokenizer.json"):
            assert (same / name).read_bytes() == (tiny_vlm_dir / name).read_bytes(), name
        assert (other / "model.safetensors").read_bytes() != (same / "model.safetensors").read_bytes()

    def test_global_rng_left_alone(self, tmp_path):
        import torch

        torch.manual_seed(123)
        expected = torch.rand(3)
        torch.manual_seed(123)
        build_tiny_vlm(tmp_path / "m", ["a b c"], SIZES["test"], seed=7)
        assert torch.equal(torch.rand(3), expected)


class TestReloadAndGenerate:
    def test_loads_with_load_policy_and_generates_from_image_and_text(self, tiny_vlm_dir, circle_image):
        import torch

        from hymar.models.loading import load_policy

        model, processor = load_policy(tiny_vlm_dir)
        assert type(model).__name__ == "Qwen2_5_VLForConditionalGeneration"
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": COUNT_PROMPT}]}]
        text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = processor(images=[circle_image, circle_image], text=[text, text], return_tensors="pt", padding=True)
        image_pad = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
        # 56x56, patch 14, merge 2: 4 image tokens per image
        assert (inputs["input_ids"] == image_pad).sum(dim=1).tolist() == [4, 4]
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=6, min_new_tokens=6, do_sample=False)
        new = out[:, inputs["input_ids"].shape[1]:]
        assert new.shape == (2, 6)
        # same image and prompt, greedy: both rows identical; the image changes the logits
        assert torch.equal(new[0], new[1])
        assert all(isinstance(s, str) for s in processor.batch_decode(new, skip_special_tokens=True))

    def test_image_reaches_the_model(self, tiny_vlm_dir, circle_image):
        import torch
        from PIL import Image

        from hymar.models.loading import load_policy

        model, processor = load_policy(tiny_vlm_dir)
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": COUNT_PROMPT}]}]
        text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        blank = Image.new("RGB", (56, 56), "white")
        with torch.no_grad():
            logits = [model(**processor(images=[im], text=[text], return_tensors="pt")).logits[0, -1] for im in (circle_image, blank)]
        assert not torch.allclose(logits[0], logits[1])

    def test_larger_image_size_gives_more_image_tokens(self, tmp_path, circle_image):
        from hymar.models.loading import load_policy

        spec = dataclasses.replace(SIZES["test"], image_size=112)
        _, processor = load_policy(build_tiny_vlm(tmp_path / "m112", small_corpus(), spec))
        text = processor.apply_chat_template(
            [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "?"}]}], tokenize=False
        )
        ids = processor(images=[circle_image], text=[text], return_tensors="pt")["input_ids"]
        assert int((ids == processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")).sum()) == 16
