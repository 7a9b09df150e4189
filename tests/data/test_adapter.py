"""The dataset adapter: user JSONL / folders / Datasets mapped onto hymar's columns, and its errors.

Hub names go through ``datasets.load_dataset(name, split=...)``; that cannot run offline, so the same
code path is tested with a local folder, which datasets reads with its "json" builder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import Dataset
from PIL import Image

from hymar.data.adapter import (
    load_mapped_dataset,
    load_preference_dataset,
    resolve_column_map,
)
from hymar.data.synthetic import build_task_suite
from hymar.data.synthetic.schema import COLUMNS, PREFERENCE_COLUMNS

USER_MAP = {"question": "prompt", "gt": "answer", "image_path": "image", "kind": "task"}


def write_png(path: Path, colour: tuple[int, int, int], size: int = 20) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (size, size), colour).save(path)
    return path


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture
def user_jsonl(tmp_path: Path) -> Path:
    write_png(tmp_path / "imgs" / "red.png", (255, 0, 0), 24)
    write_png(tmp_path / "imgs" / "blue.png", (0, 0, 255), 32)
    return write_jsonl(
        tmp_path / "data.jsonl",
        [
            {
                "question": "How many red squares?",
                "gt": 3,
                "image_path": "imgs/red.png",
                "kind": "counting",
                "extra": [1],
            },
            {"question": "What colour is it?", "gt": "blue", "image_path": "imgs/blue.png", "kind": "text"},
            {"question": "What is 2 + 2?", "gt": "4", "image_path": None, "kind": "math"},
        ],
    )


def test_user_jsonl_with_images(user_jsonl):
    ds = load_mapped_dataset(user_jsonl, column_map=USER_MAP)
    assert ds.column_names == list(COLUMNS)
    assert ds["answer"] == ["3", "blue", "4"], "numeric golds become strings"
    assert ds["task"] == ["counting", "text", "math"]
    assert ds["domain"] == ["counting", "text", "math"], "no domain column: the task names the domain"
    assert ds["id"] == ["train-000000", "train-000001", "train-000002"]
    first, second, third = ds[0], ds[1], ds[2]
    assert first["image"].size == (24, 24) and first["image"].getpixel((0, 0)) == (255, 0, 0)
    assert second["image"].size == (32, 32)
    assert first["prompt"] == [
        {
            "role": "user",
            "content": [{"type": "image", "text": None}, {"type": "text", "text": "How many red squares?"}],
        }
    ]
    assert third["image"] is None
    assert third["prompt"] == [{"role": "user", "content": [{"type": "text", "text": "What is 2 + 2?"}]}], (
        "text-only row: no image part"
    )
    assert ds["reference"] == [None] * 3 and ds["demonstration"] == [None] * 3


def test_image_root_overrides_the_jsonl_folder(tmp_path):
    write_png(tmp_path / "elsewhere" / "x.png", (0, 255, 0))
    path = write_jsonl(tmp_path / "d" / "data.jsonl", [{"prompt": "Q?", "image": "x.png"}])
    ds = load_mapped_dataset(path, image_root=tmp_path / "elsewhere", task="open")
    assert ds[0]["image"].getpixel((1, 1)) == (0, 255, 0)
    assert ds["task"] == ["open"], "task argument fills rows without one"


def test_identity_columns_and_chat_prompts(tmp_path):
    write_png(tmp_path / "a.png", (1, 2, 3))
    path = write_jsonl(
        tmp_path / "chat.jsonl",
        [
            {
                "id": 17,
                "prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Describe it."}],
                "images": ["a.png"],
                "reference": "A dark square.",
                "metadata": {"source": "me"},
            }
        ],
    )
    row = load_mapped_dataset(path)[0]
    assert row["id"] == "17"
    assert row["prompt"] == [
        {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
        {"role": "user", "content": [{"type": "image", "text": None}, {"type": "text", "text": "Describe it."}]},
    ], "string content becomes parts; the image part goes first in the first user message"
    assert row["image"].size == (20, 20) and row["reference"] == "A dark square."
    assert json.loads(row["metadata_json"]) == {"source": "me"}


def test_column_map_can_move_an_identically_named_column(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"prompt": "Describe.", "answer": "A cat."}])
    row = load_mapped_dataset(path, column_map={"answer": "reference"})[0]
    assert (row["answer"], row["reference"]) == (None, "A cat.")


def test_local_folder_through_load_dataset(tmp_path):
    # The Hub code path: datasets.load_dataset(folder, split=...) picks its "json" builder.
    write_png(tmp_path / "images" / "p.png", (9, 9, 9))
    folder = tmp_path / "user_ds"
    write_jsonl(
        folder / "train.jsonl", [{"q": "How many?", "a": 2, "img": "p.png"}, {"q": "And now?", "a": 5, "img": "p.png"}]
    )
    ds = load_mapped_dataset(
        folder,
        split="train",
        column_map={"q": "prompt", "a": "answer", "img": "image"},
        image_root=tmp_path / "images",
        task="counting",
        load_kwargs={"cache_dir": str(tmp_path / "cache")},
    )
    assert ds["answer"] == ["2", "5"] and ds[1]["image"].getpixel((0, 0)) == (9, 9, 9)
    assert [p["type"] for p in ds[0]["prompt"][0]["content"]] == ["image", "text"]


def test_dataset_with_image_feature_passes_bytes_through():
    suite = build_task_suite(3, 0, seed=1)["train"]
    user = suite.select_columns(["prompt", "image", "answer"]).rename_columns(
        {"prompt": "messages", "image": "picture"}
    )
    ds = load_mapped_dataset(user, column_map={"messages": "prompt", "picture": "image"})
    for mine, theirs in zip(ds, suite, strict=True):
        assert mine["prompt"] == theirs["prompt"]
        assert mine["image"].tobytes() == theirs["image"].tobytes()


# --- errors ---------------------------------------------------------------------------------------


def test_missing_image_names_row_and_column(tmp_path):
    write_png(tmp_path / "ok.png", (0, 0, 0))
    path = write_jsonl(tmp_path / "d.jsonl", [{"question": "a", "pic": "ok.png"}, {"question": "b", "pic": "gone.png"}])
    with pytest.raises(ValueError, match=r"row 1, column 'pic'.*gone\.png"):
        load_mapped_dataset(path, column_map={"question": "prompt", "pic": "image"})


def test_unreadable_image_names_row_and_column(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"this is not a png")
    path = write_jsonl(tmp_path / "d.jsonl", [{"prompt": "a", "image": "bad.png"}])
    with pytest.raises(ValueError, match=r"row 0, column 'image': cannot read image"):
        load_mapped_dataset(path)


def test_error_inside_load_dataset_path_names_row(tmp_path):
    folder = tmp_path / "f"
    write_jsonl(folder / "train.jsonl", [{"prompt": "a", "image": "nope.png"}])
    with pytest.raises(ValueError, match=r"row 0, column 'image'"):
        load_mapped_dataset(folder, load_kwargs={"cache_dir": str(tmp_path / "cache")})


@pytest.mark.parametrize(
    ("column_map", "pattern", "reason"),
    [
        (
            {"questoin": "prompt"},
            r"\['questoin'\].*available columns: \['question', 'gt', 'image_path', 'kind', 'extra'\]",
            "typo in a user column lists the real ones",
        ),
        ({"question": "promt"}, r"not hymar columns.*'prompt'", "unknown hymar target lists the targets"),
        (
            {"question": "prompt", "kind": "prompt"},
            r"both 'question' and 'kind' onto 'prompt'",
            "two columns onto one target",
        ),
        ({"gt": "answer"}, r"no column for \['prompt'\].*available columns", "nothing becomes the prompt"),
    ],
)
def test_bad_column_map(user_jsonl, column_map, pattern, reason):
    with pytest.raises(ValueError, match=pattern):
        load_mapped_dataset(user_jsonl, column_map=column_map)


@pytest.mark.parametrize(
    ("record", "pattern", "reason"),
    [
        ({"prompt": "q", "answer": ["a", "b"]}, r"row 0, column 'answer': expected a string or a number", "list gold"),
        ({"prompt": 5}, r"row 0, column 'prompt'", "prompt neither text nor messages"),
        ({"prompt": [{"role": "user", "content": [{"type": "video"}]}]}, r"part of type 'video'", "unknown part type"),
        (
            {"prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "q"}]}]},
            r"image part but the row has no image",
            "dangling image part",
        ),
        ({"prompt": "q", "image": ["a.png", "b.png"]}, r"2 images", "one image per row"),
    ],
)
def test_bad_values_name_row_and_column(tmp_path, record, pattern, reason):
    write_png(tmp_path / "a.png", (0, 0, 0))
    write_png(tmp_path / "b.png", (0, 0, 0))
    path = write_jsonl(tmp_path / "d.jsonl", [record])
    with pytest.raises(ValueError, match=pattern):
        load_mapped_dataset(path)


def test_bad_json_line_and_missing_file(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "ok"}\n{not json\n')
    with pytest.raises(ValueError, match="line 2 is not valid JSON"):
        load_mapped_dataset(path)
    with pytest.raises(FileNotFoundError):
        load_mapped_dataset(tmp_path / "absent.jsonl")


def test_resolve_column_map_identity_then_overrides():
    mapping = resolve_column_map(
        ["prompt", "answer", "images", "gt"], {"gt": "answer"}, ("prompt", "answer", "image", "images")
    )
    assert mapping == {"prompt": "prompt", "image": "images", "answer": "gt"}


# --- preference layout ----------------------------------------------------------------------------


def test_preference_layout(tmp_path):
    write_png(tmp_path / "p.png", (5, 6, 7))
    path = write_jsonl(
        tmp_path / "prefs.jsonl",
        [
            {
                "prompt": "Describe.",
                "images": ["p.png"],
                "chosen": "A square.",
                "rejected": [{"role": "assistant", "content": "A cat."}],
            },
            {
                "question": "x",
                "prompt": "Say hi.",
                "images": [],
                "chosen": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": [{"type": "text", "text": "hi"}]},
                ],
                "rejected": "bye",
            },
        ],
    )
    ds = load_preference_dataset(path)
    assert ds.column_names == list(PREFERENCE_COLUMNS)
    assert ds["chosen"] == ["A square.", "hi"], "chat responses: the last assistant message's text"
    assert ds["rejected"] == ["A cat.", "bye"]
    assert ds[0]["image"].getpixel((0, 0)) == (5, 6, 7) and ds[1]["image"] is None
    assert ds[0]["prompt"][0]["content"][0] == {"type": "image", "text": None}


def test_preference_column_map_and_missing_columns(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [{"q": "Q", "good": "a", "bad": "b"}])
    ds = load_preference_dataset(path, column_map={"q": "prompt", "good": "chosen", "bad": "rejected"})
    assert (ds[0]["chosen"], ds[0]["rejected"]) == ("a", "b")
    with pytest.raises(
        ValueError, match=r"no column for \['chosen', 'rejected'\].*available columns: \['q', 'good', 'bad'\]"
    ):
        load_preference_dataset(path, column_map={"q": "prompt"})


def test_preference_from_dataset_object():
    ds = Dataset.from_dict({"prompt": ["p"], "chosen": ["c"], "rejected": ["r"]})
    out = load_preference_dataset(ds)
    assert (
        out[0]["prompt"] == [{"role": "user", "content": [{"type": "text", "text": "p"}]}] and out[0]["image"] is None
    )
