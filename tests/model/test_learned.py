"""LearnedRewardModel and VisionRewardModel on tiny locally built models (see conftest.py)."""

from __future__ import annotations

import math
import pickle

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from hymar.models.errors import ModelLoadError  # noqa: E402
from hymar.rewards.model.learned import LearnedRewardModel  # noqa: E402
from hymar.rewards.types import Sample  # noqa: E402

PROMPTS = [
    ("How many red circles?", "The answer is 3."),
    ("What colour is the square?", "blue"),
    ("Count the triangles in the image, then say the answer.", "<think>one two</think>The answer is 2."),
    ("What shape?", ""),
]


def _samples(images=()) -> list[Sample]:
    return [Sample(prompt=p, completion=c, images=tuple(images)) for p, c in PROMPTS]


@pytest.fixture(scope="module")
def scalar_rm(scalar_rm_dir):
    return LearnedRewardModel(scalar_rm_dir, batch_size=3, max_length=256)


@pytest.fixture(scope="module")
def vector_rm(vector_rm_dir):
    return LearnedRewardModel(vector_rm_dir, batch_size=4)


@pytest.fixture(scope="module")
def vision_rm(vision_rm_dir):
    return LearnedRewardModel(vision_rm_dir, batch_size=4)


class TestTextRewardModel:
    def test_scalar_scores_every_sample(self, scalar_rm):
        scores = scalar_rm(_samples())
        assert [s.valid for s in scores] == [True] * len(PROMPTS)
        assert all(set(s.info["aspects"]) == {"reward"} for s in scores)
        # value is the one output (weight 1/1)
        assert all(s.value == pytest.approx(s.info["aspects"]["reward"]) for s in scores)
        assert len({round(s.value, 6) for s in scores}) == len(PROMPTS), "different texts, different rewards"

    def test_batching_and_padding_do_not_change_rewards(self, scalar_rm):
        # left padding + last-token pooling: a sample's reward must not depend on its batch mates
        batched = [s.value for s in scalar_rm(_samples())]
        alone = [scalar_rm([s])[0].value for s in _samples()]
        assert batched == pytest.approx(alone, abs=1e-4)

    def test_vector_weighted_sum_and_aspects(self, vector_rm):
        assert vector_rm.aspects == ("correctness", "adherence", "fluency")
        for score in vector_rm(_samples()):
            aspects = score.info["aspects"]
            assert list(aspects) == ["correctness", "adherence", "fluency"]
            expected = 2.0 * aspects["correctness"] + 1.0 * aspects["adherence"] + 0.5 * aspects["fluency"]
            assert score.value == pytest.approx(expected)

    def test_aspect_weights_override(self, vector_rm_dir):
        rm = LearnedRewardModel(vector_rm_dir, aspect_weights={"adherence": 1.0})
        score = rm(_samples()[:1])[0]
        assert score.value == pytest.approx(score.info["aspects"]["adherence"]), "others weigh 0"

    def test_score_aspects_matches_info(self, vector_rm):
        table = vector_rm.score_aspects(_samples())
        scores = vector_rm(_samples())
        for name, column in table.items():
            assert column == pytest.approx([s.info["aspects"][name] for s in scores])

    def test_truncation_is_flagged(self, scalar_rm_dir):
        rm = LearnedRewardModel(scalar_rm_dir, max_length=16)
        short, long = rm([Sample(prompt="hi", completion="red"), Sample(prompt="hi", completion="red blue " * 40)])
        assert "truncated" not in short.info and not short.info.get("truncated")
        assert long.valid and long.info["truncated"] is True

    def test_images_ignored_by_text_model(self, scalar_rm, images):
        plain = scalar_rm(_samples()[:1])[0].value
        with_image = scalar_rm(_samples([images["black"]])[:1])[0].value
        assert with_image == pytest.approx(plain), "a text RM sees only the text"

    def test_chat_messages_prompt(self, scalar_rm):
        msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Colour?"}]}]
        assert scalar_rm([Sample(prompt=msgs, completion="red")])[0].valid

    def test_runtime_error_is_invalid_per_sample(self, scalar_rm_dir, monkeypatch):
        rm = LearnedRewardModel(scalar_rm_dir, batch_size=4)
        real_forward = rm._model.forward

        def flaky(*args, input_ids=None, **kwargs):
            if input_ids.shape[0] == 1 and (input_ids == rm._processor.convert_tokens_to_ids("Ġblue")).any():
                raise RuntimeError("CUDA out of memory (simulated)")
            if input_ids.shape[0] > 1:
                raise RuntimeError("batch failed (simulated)")
            return real_forward(*args, input_ids=input_ids, **kwargs)

        monkeypatch.setattr(rm._model, "forward", flaky)
        samples = [Sample(prompt="q", completion="red"), Sample(prompt="q", completion="a blue one")]
        ok, bad = rm(samples)
        assert ok.valid and ok.value is not None, "the batch is retried sample by sample"
        assert not bad.valid and "out of memory" in bad.info["reason"]

    def test_pickle_reloads(self, scalar_rm):
        blob = pickle.dumps(scalar_rm)
        assert len(blob) < 10_000, "weights stay out of the pickle"
        clone = pickle.loads(blob)
        assert clone._model is None
        assert [s.value for s in clone(_samples())] == pytest.approx([s.value for s in scalar_rm(_samples())])


class TestLoadErrors:
    @pytest.mark.parametrize(
        "make, message",
        [
            (lambda tmp: tmp / "missing", "not found"),  # no such folder
            (lambda tmp: tmp, "could not load reward model"),  # empty folder: no config
        ],
    )
    def test_clear_error_naming_path(self, tmp_path, make, message):
        path = make(tmp_path)
        with pytest.raises(ModelLoadError, match=message) as err:
            LearnedRewardModel(path)
        assert str(path) in str(err.value)

    def test_spec_with_wrong_aspect_count(self, scalar_rm_dir, tmp_path):
        import shutil

        folder = tmp_path / "rm"
        shutil.copytree(scalar_rm_dir, folder)
        (folder / "hymar_reward.json").write_text('{"aspects": ["a", "b"]}')
        with pytest.raises(ModelLoadError, match="2 aspects but the model has 1"):
            LearnedRewardModel(folder)


class TestVisionRewardModel:
    def test_image_reaches_the_model(self, vision_rm, images):
        by_image = {
            name: vision_rm([Sample(prompt="What colour?", completion="red", images=(images[name],))])[0]
            for name in ("black", "white", "noise")
        }
        assert all(s.valid for s in by_image.values()), by_image
        values = [s.value for s in by_image.values()]
        assert min(abs(a - b) for i, a in enumerate(values) for b in values[i + 1 :]) > 1e-3

    def test_pil_image_equals_path(self, vision_rm, images):
        from PIL import Image

        pil = Image.open(images["noise"])
        a = vision_rm([Sample(prompt="q", completion="red", images=(images["noise"],))])[0].value
        b = vision_rm([Sample(prompt="q", completion="red", images=(pil,))])[0].value
        assert a == pytest.approx(b, abs=1e-5)

    def test_batch_mixed_images_and_text_only(self, vision_rm, images):
        samples = [
            Sample(prompt="q", completion="red", images=(images["black"],)),
            Sample(prompt="q", completion="a longer answer about blue squares", images=(images["white"], images["noise"])),
            Sample(prompt="text only", completion="blue"),
        ]
        batched = vision_rm(samples)
        alone = [vision_rm([s])[0] for s in samples]
        assert all(s.valid for s in batched)
        assert [s.value for s in batched] == pytest.approx([s.value for s in alone], abs=1e-4)
        assert set(batched[0].info["aspects"]) == {"correctness", "adherence"}

    def test_corrupt_or_missing_image_invalid_only_for_its_sample(self, vision_rm, images, tmp_path):
        samples = [
            Sample(prompt="q", completion="red", images=(images["corrupt"],)),  # bytes are not a PNG
            Sample(prompt="q", completion="red", images=(tmp_path / "nope.png",)),  # file missing
            Sample(prompt="q", completion="red", images=(images["black"],)),  # fine
        ]
        corrupt, missing, fine = vision_rm(samples)
        assert not corrupt.valid and "image" in corrupt.info["reason"]
        assert not missing.valid and "image" in missing.info["reason"]
        assert fine.valid

    def test_image_count_mismatch_invalid(self, vision_rm, images):
        msgs = [{"role": "user", "content": [{"type": "image"}, {"type": "image"}, {"type": "text", "text": "q"}]}]
        score = vision_rm([Sample(prompt=msgs, completion="red", images=(images["black"],))])[0]
        assert not score.valid and "2 image parts" in score.info["reason"]

    def test_over_max_length_invalid(self, vision_rm_dir, images):
        rm = LearnedRewardModel(vision_rm_dir, max_length=20)
        short, long = rm(
            [
                Sample(prompt="q", completion="red", images=(images["black"],)),
                Sample(prompt="q", completion="red blue green " * 20, images=(images["black"],)),
            ]
        )
        assert short.valid
        assert not long.valid and "exceeds max_length" in long.info["reason"]

    def test_save_load_roundtrip_and_forward_shape(self, vision_rm_dir, tiny_vlm_processor, images, tmp_path):
        import torch
        from PIL import Image

        from hymar.rewards.model.vision_rm import VisionRewardModel

        model = VisionRewardModel.from_pretrained(vision_rm_dir).eval()
        model.save_pretrained(tmp_path / "copy")
        again = VisionRewardModel.from_pretrained(tmp_path / "copy").eval()
        msgs = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "q"}]}]
        text = tiny_vlm_processor.apply_chat_template(msgs, tokenize=False)
        enc = tiny_vlm_processor(
            text=[text, text], images=[Image.open(images["black"]), Image.open(images["white"])], padding=True, return_tensors="pt"
        )
        with torch.no_grad():
            out = model(**enc)
            out_again = again(**enc)
        assert out.shape == (2, 2)
        assert torch.allclose(out, out_again)

    def test_head_is_trainable(self, vision_rm_dir, tiny_vlm_processor):
        import torch

        from hymar.rewards.model.vision_rm import VisionRewardModel

        model = VisionRewardModel.from_pretrained(vision_rm_dir)
        enc = tiny_vlm_processor(text=["red", "blue blue"], padding=True, return_tensors="pt")
        model(**enc).sum().backward()
        assert model.head.weight.grad is not None and torch.isfinite(model.head.weight.grad).all()

    def test_missing_head_file(self, scalar_rm_dir):
        from hymar.rewards.model.vision_rm import VisionRewardModel

        with pytest.raises(FileNotFoundError, match="reward_head.safetensors"):
            VisionRewardModel.from_pretrained(scalar_rm_dir)


def test_score_aspects_nan_for_invalid(vision_rm, images):
    table = vision_rm.score_aspects([Sample(prompt="q", completion="red", images=(images["corrupt"],))])
    assert all(math.isnan(col[0]) for col in table.values())
