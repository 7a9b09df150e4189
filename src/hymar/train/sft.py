"""SFT warm start: TRL ``SFTTrainer`` on reasoning-then-answer demonstrations.

GRPO learns from differences between completions of the same prompt; a randomly initialised policy
earns zero reward on every completion, so every advantage is zero and nothing moves. A short SFT on
``<think>..</think><answer>..</answer>`` demonstrations gives the policy the output format and partial
accuracy, leaving room for GRPO to improve (HARMO, like DeepSeek-R1 and Vision-R1, starts from an
instruction-tuned or cold-start-SFT model).

Data: the task-suite layout (``prompt`` = chat messages, ``demonstration`` = the target text, optional
``image``) becomes TRL's conversational prompt-completion format, ``completion = [{"role": "assistant",
"content": demonstration}]``, so the loss covers the completion only (``completion_only_loss``) and TRL
renders both with the policy's own chat template. Images come from the ``image`` column; TRL's vision
collator puts them into the ``{"type": "image"}`` placeholders of the prompt. Works for any policy
`hymar.models.loading.load_policy` loads: a VLM with its processor, or a text model with its tokenizer
(image columns and placeholders are then dropped).
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from hymar.atomic import atomic_write_text
from hymar.models.saving import replace_via_temp, saving

METRICS_FILE = "sft_metrics.json"
STATE_FILE = "trainer_state.json"


def to_prompt_completion(dataset: Any, *, keep_images: bool = True) -> Any:
    """Map a task-suite dataset to TRL's prompt-completion format.

    Args:
        dataset: a ``datasets.Dataset`` with ``prompt`` (chat messages or a string) and
            ``demonstration`` (str) columns, optionally ``image``.
        keep_images: keep the ``image`` column and image placeholders (a VLM); False for a text policy,
            which drops both and joins each message's text parts into a string.

    Returns:
        A dataset with columns ``prompt``, ``completion`` and, for a VLM with images, ``image``.
    """
    missing = {"prompt", "demonstration"} - set(dataset.column_names)
    if missing:
        raise ValueError(f"SFT dataset lacks column(s) {sorted(missing)}; has {dataset.column_names}")
    with_images = keep_images and "image" in dataset.column_names
    keep = {"prompt", "demonstration"} | ({"image"} if with_images else set())
    dataset = dataset.remove_columns([c for c in dataset.column_names if c not in keep])

    def convert(prompt: Any, demonstration: str) -> dict[str, Any]:
        if isinstance(prompt, str):  # standard (not conversational) prompt-completion
            return {"prompt": prompt, "completion": demonstration}
        messages = prompt if with_images else [_text_only(m) for m in prompt]
        return {"prompt": messages, "completion": [{"role": "assistant", "content": demonstration}]}

    # input_columns: the image column is neither decoded nor rewritten by the map
    return dataset.map(convert, input_columns=["prompt", "demonstration"], remove_columns=["demonstration"])


def _text_only(message: dict[str, Any]) -> dict[str, Any]:
    content = message["content"]
    if isinstance(content, str):
        return dict(message)
    text = "".join(part.get("text") or "" for part in content if part.get("type") == "text")
    return {"role": message["role"], "content": text}


def _checkpointing_kwargs(config_cls: Any, enabled: bool) -> dict[str, bool]:
    # transformers 5.x renamed gradient_checkpointing to activation_checkpointing (the old name warns)
    names = {f.name for f in dataclasses.fields(config_cls)}
    key = "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"
    return {key: enabled}


def run_sft(
    model_path: str | Path,
    train_dataset: Any,
    out_dir: str | Path,
    *,
    epochs: float = 5.0,
    learning_rate: float = 1e-3,
    batch_size: int = 16,
    seed: int = 0,
    max_length: int | None = 1024,
    warmup_ratio: float = 0.05,
    lr_scheduler: str = "linear",
    logging_steps: int = 10,
    gradient_checkpointing: bool = False,
    use_cpu: bool | None = None,
    report_to: str | list[str] = "none",
) -> Path:
    """Fine-tune the policy at ``model_path`` on the dataset's demonstrations; save it to ``out_dir``.

    The defaults suit the embedded tiny policy on CPU (trained from scratch, so a high learning rate);
    for a pretrained checkpoint such as Qwen2.5-VL-3B-Instruct use ``learning_rate`` ~1e-5 and one epoch.

    Args:
        model_path: any policy folder or Hub id `hymar.models.loading.load_policy` accepts.
        train_dataset: ``datasets.Dataset`` with ``prompt``, ``demonstration`` and optionally ``image``
            (the layout of ``hymar.data.synthetic.build_task_suite``).
        out_dir: where the fine-tuned model and its processing class are saved, with `METRICS_FILE`
            (loss and wall time) and `STATE_FILE` (TRL's log history).
        epochs: passes over the data.
        learning_rate: peak AdamW learning rate (linear decay after ``warmup_ratio`` of the steps).
        batch_size: examples per device step.
        seed: seeds data order and any dropout.
        max_length: tokens kept per example (prompt + completion, image tokens included); None: no cut.
        warmup_ratio: fraction of steps with a linear warm-up.
        lr_scheduler: transformers scheduler name after the warm-up ("linear" decays to 0,
            "constant_with_warmup" holds the peak).
        logging_steps: steps between loss logs.
        gradient_checkpointing: trade compute for memory (slower; off by default, slower still on CPU).
        use_cpu: train on CPU; None: on CPU unless CUDA is available.
        report_to: Trainer loggers ("none", "tensorboard", ...).

    Returns:
        ``Path(out_dir)``, loadable with `hymar.models.loading.load_policy`.
    """
    import torch
    from trl import SFTConfig, SFTTrainer

    from hymar.models.loading import load_policy

    if len(train_dataset) == 0:
        raise ValueError("SFT dataset is empty")
    out = Path(out_dir)
    cpu = (not torch.cuda.is_available()) if use_cpu is None else use_cpu
    model, processing_class = load_policy(model_path, device="cpu" if cpu else "cuda")
    multimodal = hasattr(processing_class, "image_processor")
    data = to_prompt_completion(train_dataset, keep_images=multimodal)
    bf16 = (not cpu) and torch.cuda.is_bf16_supported()
    n_steps = max(1, int(len(data) * epochs // batch_size))
    config = SFTConfig(
        output_dir=str(out),
        num_train_epochs=epochs,
        learning_rate=learning_rate,
        per_device_train_batch_size=batch_size,
        warmup_steps=int(warmup_ratio * n_steps),
        lr_scheduler_type=lr_scheduler,
        seed=seed,
        data_seed=seed,
        max_length=max_length,
        completion_only_loss=True,
        use_cpu=cpu,
        bf16=bf16,
        **_checkpointing_kwargs(SFTConfig, gradient_checkpointing),
        logging_steps=logging_steps,
        save_strategy="no",  # only the final model is kept
        report_to=report_to,
        dataloader_num_workers=0,
    )
    trainer = SFTTrainer(model=model, args=config, train_dataset=data, processing_class=processing_class)
    start = time.perf_counter()
    result = trainer.train()
    wall = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    # a loader refuses the folder while it holds the "saving" marker (see hymar.models.saving)
    with saving(out, by="hymar SFT"):
        trainer.save_model(str(out))  # model, generation config and processing class
        replace_via_temp(out / STATE_FILE, trainer.state.save_to_json)
        losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
        metrics = {
            "model_path": str(model_path),
            "settings": {
                "epochs": epochs,
                "learning_rate": learning_rate,
                "batch_size": batch_size,
                "seed": seed,
                "max_length": max_length,
                "warmup_ratio": warmup_ratio,
                "lr_scheduler": lr_scheduler,
            },
            "examples": len(data),
            "steps": trainer.state.global_step,
            "train_loss": result.training_loss,
            "first_logged_loss": losses[0] if losses else None,
            "last_logged_loss": losses[-1] if losses else None,
            "wall_seconds": round(wall, 2),
            "device": "cpu" if cpu else "cuda",
        }
        atomic_write_text(out / METRICS_FILE, json.dumps(metrics, indent=2) + "\n")
    return out
