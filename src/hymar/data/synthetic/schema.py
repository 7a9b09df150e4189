"""The columns of a hymar task dataset (the synthetic suite and `hymar.data.adapter` both produce them).

=============== ============================ =====================================================
column          type                         meaning
=============== ============================ =====================================================
id              string                       unique within the dataset
domain          string                       "counting", "arithmetic", "chart", "choice", "describe"
                                             for the suite; the user's domain (or task) otherwise
task            string or None               hymar task tag: "counting" | "math" | "choice" | "open" ...
prompt          list of chat messages        [{"role": "user", "content": [{"type": "image", "text":
                                             None}, {"type": "text", "text": "..."}]}]; content is
                                             always a list of parts (one Arrow type for every row)
image           datasets.Image or None       the image that goes with the prompt (decoded to PIL)
answer          string or None               gold answer of a verifiable task
reference       string or None               reference response of an open-ended task
demonstration   string or None               "<think>...</think><answer>...</answer>" for SFT
metadata_json   string or None               JSON object: the suite's scene and facts, or the
                                             user's mapped "metadata" column
=============== ============================ =====================================================

Image parts carry ``"text": None`` because Arrow stores one struct type for every part; chat
templates dispatch on ``"type"`` and ignore it.
"""

from __future__ import annotations

from typing import Any

from datasets import Features, Image, List, Value

COLUMNS = ("id", "domain", "task", "prompt", "image", "answer", "reference", "demonstration", "metadata_json")

PROMPT_FEATURE = List({"role": Value("string"), "content": List({"type": Value("string"), "text": Value("string")})})

TASK_FEATURES = Features(
    {
        "id": Value("string"),
        "domain": Value("string"),
        "task": Value("string"),
        "prompt": PROMPT_FEATURE,
        "image": Image(),
        "answer": Value("string"),
        "reference": Value("string"),
        "demonstration": Value("string"),
        "metadata_json": Value("string"),
    }
)

PREFERENCE_COLUMNS = ("id", "prompt", "image", "chosen", "rejected")

PREFERENCE_FEATURES = Features(
    {
        "id": Value("string"),
        "prompt": PROMPT_FEATURE,
        "image": Image(),
        "chosen": Value("string"),
        "rejected": Value("string"),
    }
)


def user_message(text: str, with_image: bool) -> list[dict[str, Any]]:
    """One user turn: an image part first (when there is an image) then the text."""
    parts: list[dict[str, Any]] = [{"type": "image", "text": None}] if with_image else []
    parts.append({"type": "text", "text": text})
    return [{"role": "user", "content": parts}]
