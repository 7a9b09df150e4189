"""Task datasets -> TRL ``GRPOTrainer`` training rows.

GRPOTrainer reads ``prompt`` (chat messages, rendered with the policy's chat template) and, for a VLM,
``image`` (TRL 1.16 puts it into the prompt's ``{"type": "image"}`` placeholder). Every other column is
handed to the reward functions as a keyword argument, one value per completion, where
`hymar.integrations.trl.build_samples` reads answer, reference, task and image and keeps the rest
(id, domain, metadata_json) as ``Sample.metadata``. The SFT target (``demonstration``) is dropped: a
reward must not see the reference solution it could leak into a "model" score by mistake, and it is
dead weight in every batch.
"""

from __future__ import annotations

from typing import Any

from hymar.data.prompts import text_only_prompt

#: columns GRPO does not need (the SFT target)
DROPPED_COLUMNS = ("demonstration",)


def to_grpo_dataset(dataset: Any, *, keep_images: bool = True) -> Any:
    """Map a task dataset (the `hymar.data.synthetic` layout) to GRPO training rows.

    Args:
        dataset: a ``datasets.Dataset`` with a ``prompt`` column (chat messages or strings) and
            optionally image, answer, reference, task, domain, id, metadata_json.
        keep_images: True for a VLM policy; False for a text policy, which drops the ``image`` column and
            turns each message's content parts into one string (image placeholders removed).

    Returns:
        The dataset without `DROPPED_COLUMNS` (and, for a text policy, without images).

    Raises:
        ValueError: no ``prompt`` column, or no rows.
    """
    if "prompt" not in dataset.column_names:
        raise ValueError(f"GRPO dataset lacks a 'prompt' column; has {dataset.column_names}")
    if len(dataset) == 0:
        raise ValueError("GRPO dataset is empty")
    drop = [c for c in DROPPED_COLUMNS if c in dataset.column_names]
    if not keep_images and "image" in dataset.column_names:
        drop.append("image")
    if drop:
        dataset = dataset.remove_columns(drop)
    if keep_images:
        return dataset
    return dataset.map(lambda prompt: {"prompt": text_only_prompt(prompt)}, input_columns=["prompt"])
