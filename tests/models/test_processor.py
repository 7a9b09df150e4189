"""The image-only Qwen-VL processor, `load_processor` and the fixed-size image processor (all in hymar.models.processor)."""

from __future__ import annotations

import pytest

from hymar.models.processor import QwenVLImageProcessor, fixed_size_image_processor


def test_one_home_for_processor_loading():
    # reason: models/ and rewards/model/ imported each other; the processor lives in models/ alone
    import importlib

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("hymar.rewards.model.processor")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("hymar.rewards.model.errors")


@pytest.mark.parametrize(
    "image_size, width, height, grid, reason",
    [
        (56, 56, 56, (1, 4, 4), "square at size: 4x4 patches"),
        (56, 300, 300, (1, 4, 4), "large square image pinned down to 56x56"),
        (56, 20, 20, (1, 4, 4), "small square image pinned up to 56x56"),
        (112, 112, 112, (1, 8, 8), "112: 8x8 patches"),
        (56, 112, 28, (1, 2, 8), "4:1 image keeps its shape at about 56*56 pixels"),
    ],
)
def test_fixed_size_grid(image_size, width, height, grid, reason):
    from PIL import Image

    processor = fixed_size_image_processor(image_size)
    out = processor(images=[Image.new("RGB", (width, height), "white")], return_tensors="pt")
    assert tuple(out["image_grid_thw"][0].tolist()) == grid, reason


@pytest.mark.parametrize("image_size", [56, 112])
def test_every_square_side_maps_to_image_size(image_size):
    # min_pixels = max_pixels = image_size**2 mis-sized e.g. 72, 75, 110 (float error in smart_resize)
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    processor = fixed_size_image_processor(image_size)
    lo, hi = processor.size["shortest_edge"], processor.size["longest_edge"]
    wrong = [side for side in range(10, 1200) if smart_resize(side, side, 28, lo, hi) != (image_size, image_size)]
    assert wrong == []


@pytest.mark.parametrize("image_size", [0, 50, 57])
def test_fixed_size_rejects_sizes_off_the_patch_grid(image_size):
    with pytest.raises(ValueError, match="multiple"):
        fixed_size_image_processor(image_size)


def test_processor_without_video_part_expands_image_tokens():
    from PIL import Image

    from hymar.models.tokenizer import train_tokenizer

    tok = train_tokenizer(["How many?"], vocab_size=300)
    processor = QwenVLImageProcessor(image_processor=fixed_size_image_processor(56), tokenizer=tok)
    assert getattr(processor, "video_processor", None) is None and processor.chat_template == tok.chat_template
    text = processor.apply_chat_template(
        [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "How many?"}]}], tokenize=False
    )
    ids = processor(images=[Image.new("RGB", (56, 56))], text=[text], return_tensors="pt")["input_ids"][0].tolist()
    assert ids.count(tok.convert_tokens_to_ids("<|image_pad|>")) == 4
