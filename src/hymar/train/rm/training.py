"""Reward-model training recipe (``hymar train-rm``): scalar or vector reward models on a VLM backbone.

Reads top to bottom as setup -> data -> train -> save -> report:

1. setup: the synthetic task suite (train rows for training, test rows held out) and the backbone,
   by default the embedded tiny VLM built into ``OUT/backbone`` from the suite's texts; any Hugging
   Face VLM path works (``--backbone``), nothing here depends on the tiny model;
2. data (`hymar.train.rm.pairs`, `hymar.train.rm.policy`): perturbation pairs from the suite, human
   pairs from a {prompt, images, chosen, rejected} file, optionally verifier-labelled policy samples;
3. train (`hymar.train.rm.loop`): a plain torch loop over `VisionRewardModel`, Bradley-Terry per
   aspect head (vector) or on the one output (scalar); images go through the processor
   (pixel_values, image_grid_thw), so the image reaches the reward model;
4. save: ``OUT`` is a reward-model folder that ``LearnedRewardModel(OUT)`` loads and the hybrid
   combiner takes by path (``{"components": {"model": {"type": "reward_model", "args": {"path":
   OUT}}}}``): backbone + ``reward_head.safetensors`` + processor + ``hymar_reward.json``; plus
   ``calibration.json`` (per-domain, keyed by the sample's task tag as the combiner keys it; use it
   with ``calibration.path``);
5. report (`hymar.train.rm.report`): held-out pairwise accuracy per aspect, source and domain; ECE of
   the total score against the verifier before and after per-domain calibration -> ``OUT/rm_report.json``.

Departures from the paper's setup (HARMO trains its reward model on a 3B+ VLM with human and
AI feedback): the default backbone is tiny and untrained, so the model learns the perturbations'
surface cues (format, padding, topic) far more easily than visual correctness; the report's per-aspect
accuracy shows that honestly.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from hymar.atomic import atomic_write_text
from hymar.data.synthetic.perturb import ASPECTS
from hymar.models.saving import saving
from hymar.train.rm.loop import RMTrainConfig
from hymar.train.rm.pairs import (
    PreferencePair,
    human_pairs,
    perturbation_pairs,
    split_pairs,
)

REPORT_FILE = "rm_report.json"
CALIBRATION_FILE = "calibration.json"
BACKBONE_DIR = "backbone"


@dataclass(frozen=True)
class RMRunConfig:
    """Everything `run_train_rm` needs besides the output folder.

    Args:
        backbone: a VLM folder or Hub id; None builds the tiny VLM (``model_size``) into OUT/backbone.
        vector: one head per aspect (True) or a scalar model (False).
        aspects: the heads of a vector model; for both kinds, the aspects synthetic pairs are built for.
        aspect_weights: weight of each aspect in the total score (default 1/n each).
        synthetic: build perturbation pairs from the synthetic suite.
        human_pairs: a {prompt, images, chosen, rejected} JSONL file, folder or Hub name (aspect "overall").
        human_column_map, image_root: passed to the preference-dataset adapter.
        human_held_out: share of the human pairs held out for the report.
        policy: a policy path whose verifier-labelled samples add correctness pairs.
        policy_prompts: train rows sampled with the policy (a quarter as many test rows are held out).
        policy_k: completions per prompt.
        train_rows, test_rows: synthetic-suite rows per split (test rows: held-out pairs and calibration).
        pairs_per_row: perturbation pairs per suite row (each on another aspect).
        model_size: named `hymar.models.tiny.SIZES` entry for the built backbone.
        train: optimisation settings.
        calibration_method: "affine", "temperature" or "isotonic".
        device: torch device (None: cuda when available, else cpu).
        dtype: backbone weight dtype name (None: float32).
        threads: torch CPU threads for this run (None: torch's default; restored afterwards). On a
            busy machine 1 thread can be several times faster than oversubscribed cores.
        seed: suite, pairs, head initialisation and batch order.
    """

    backbone: str | None = None
    vector: bool = True
    aspects: tuple[str, ...] = ASPECTS
    aspect_weights: Mapping[str, float] | None = None
    synthetic: bool = True
    human_pairs: str | None = None
    human_column_map: Mapping[str, str] | None = None
    image_root: str | None = None
    human_held_out: float = 0.2
    policy: str | None = None
    policy_prompts: int = 32
    policy_k: int = 4
    train_rows: int = 300
    test_rows: int = 100
    pairs_per_row: int = 2
    model_size: str = "default"
    train: RMTrainConfig = field(default_factory=RMTrainConfig)
    calibration_method: str = "temperature"
    device: str | None = None
    dtype: str | None = None
    threads: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.aspects or len(set(self.aspects)) != len(self.aspects):
            raise ValueError(f"aspects must be non-empty and distinct, got {list(self.aspects)}")
        if self.aspect_weights is not None:
            unknown = set(self.aspect_weights) - set(self.model_aspects)
            if unknown:
                raise ValueError(f"aspect_weights name {sorted(unknown)}, not among the model's aspects {list(self.model_aspects)}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")
        if self.train_rows < 0 or self.test_rows < 0 or self.pairs_per_row < 1:
            raise ValueError("train_rows and test_rows must be >= 0 and pairs_per_row >= 1")

    @property
    def model_aspects(self) -> tuple[str, ...]:
        """The names of the model's outputs: the aspects (vector) or ("reward",) (scalar)."""
        return tuple(self.aspects) if self.vector else ("reward",)

    @property
    def weights(self) -> tuple[float, ...]:
        names = self.model_aspects
        if self.aspect_weights is None:
            return tuple(1.0 / len(names) for _ in names)
        return tuple(float(self.aspect_weights.get(n, 0.0)) for n in names)


def quick_config(**overrides: Any) -> RMRunConfig:
    """Tiny sizes for tests and smoke runs (``--quick``): test-size backbone, few rows and steps."""
    base = RMRunConfig(
        train_rows=40,
        test_rows=20,
        model_size="test",
        train=RMTrainConfig(steps=30, batch_size=8, warmup_steps=3, learning_rate=2e-3),
        policy_prompts=4,
        policy_k=2,
    )
    return replace(base, **overrides)


@dataclass
class _Data:
    train: list[PreferencePair]
    held_out: list[PreferencePair]
    test_rows: list[dict[str, Any]]


def _build_backbone(out: Path, config: RMRunConfig, suite: Any) -> str:
    from hymar.data.synthetic import task_corpus
    from hymar.models.tiny import SIZES, build_tiny_vlm

    if config.model_size not in SIZES:
        raise ValueError(f"unknown model size {config.model_size!r}; known: {sorted(SIZES)}")
    # train rows only: the tokenizer never sees held-out texts
    return str(build_tiny_vlm(out / BACKBONE_DIR, task_corpus(suite["train"]), SIZES[config.model_size], seed=config.seed))


def _collect_pairs(config: RMRunConfig, train_rows: list[dict], test_rows: list[dict]) -> _Data:
    train: list[PreferencePair] = []
    held_out: list[PreferencePair] = []
    synthetic_aspects = [a for a in config.aspects if a in ASPECTS]
    if config.synthetic and synthetic_aspects:
        train += perturbation_pairs(train_rows, aspects=synthetic_aspects, per_row=config.pairs_per_row, seed=config.seed)
        held_out += perturbation_pairs(test_rows, aspects=synthetic_aspects, per_row=config.pairs_per_row, seed=config.seed + 1)
    if config.human_pairs is not None:
        human = human_pairs(config.human_pairs, column_map=config.human_column_map, image_root=config.image_root)
        human_train, human_test = split_pairs(human, config.human_held_out, seed=config.seed)
        train += human_train
        held_out += human_test
    if config.policy is not None:
        from hymar.train.rm.policy import policy_pairs

        device = config.device or "cpu"
        n = config.policy_prompts
        train += policy_pairs(config.policy, train_rows[:n], k=config.policy_k, seed=config.seed, device=device)
        held_out += policy_pairs(config.policy, test_rows[: max(1, n // 4)], k=config.policy_k, seed=config.seed + 1, device=device)
    if not train:
        raise ValueError("no training pairs: enable synthetic pairs, or give human pairs or a policy that yields pairs")
    return _Data(train, held_out, test_rows)


def calibration_samples(rows: Sequence[Mapping[str, Any]], seed: int = 0) -> list[tuple[Any, float, str]]:
    """(Sample, verifier label, domain key) for verifiable rows: the correct response and a
    wrong-answer perturbation of it, labelled by `verify` (so labels are the verifier's, not assumed).

    The domain key is the task tag (``sample.task or "default"``), the key the hybrid combiner's
    calibration uses.
    """
    from hymar.data.synthetic.perturb import perturb_completion
    from hymar.rewards.rules.verifier import verify
    from hymar.rewards.types import Sample, prompt_to_text
    from hymar.train.rm.pairs import target_completion

    rng = random.Random(seed)
    out = []
    for row in rows:
        correct = target_completion(row)
        if correct is None or row.get("answer") is None or row.get("task") == "open":
            continue
        prompt_text = prompt_to_text(row["prompt"])
        try:
            wrong = perturb_completion(correct, rng, answer=row["answer"], task=row.get("task"), prompt=prompt_text, kind="wrong_answer").text
        except ValueError:  # no <answer> section to perturb (user data)
            continue
        for completion in (correct, wrong):
            verdict = verify(completion, row["answer"], task=row.get("task"), prompt=prompt_text)
            if not verdict.applies:
                continue
            image = row.get("image")
            sample = Sample(row["prompt"], completion, () if image is None else (image,), answer=row["answer"], task=row.get("task"))
            out.append((sample, float(bool(verdict.correct)), row.get("task") or "default"))
    return out


def _calibrate(model: Any, processor: Any, test_rows: list[dict], config: RMRunConfig, device: str, out: Path) -> dict[str, Any] | None:
    from hymar.train.rm.batch import render_sample
    from hymar.train.rm.loop import score_rendered
    from hymar.train.rm.report import calibration_report

    # alternate rows: calibration fit on one half, ECE measured on the other
    splits = [calibration_samples(test_rows[parity::2], seed=config.seed + parity) for parity in (0, 1)]
    if not splits[0] or not splits[1]:
        return None
    scored = []
    for items in splits:
        raw = score_rendered(model, processor, [render_sample(s, processor) for s, _, _ in items], config.train.batch_size * 2, device)
        totals = [sum(w * r for w, r in zip(config.weights, row)) for row in raw]
        kept = [(t, y, d) for t, (_, y, d) in zip(totals, items) if not math.isnan(t)]
        scored.append(([t for t, _, _ in kept], [y for _, y, _ in kept], [d for _, _, d in kept]))
    (fs, fy, fd), (es, ey, ed) = scored
    calibration, report = calibration_report(fs, fy, fd, es, ey, ed, method=config.calibration_method)
    calibration.save(out / CALIBRATION_FILE)
    report["key"] = "task"
    report["path"] = CALIBRATION_FILE
    return report


def _save(model: Any, processor: Any, out: Path) -> None:
    model.save_pretrained(out)
    processor.save_pretrained(out)
    image_processor = getattr(processor, "image_processor", None)
    if image_processor is not None:
        # the stand-alone preprocessor_config.json, which the image-only processor fallback reads
        image_processor.save_pretrained(out)


def _save_spec(out: Path, config: RMRunConfig, backbone: str, calibrated: bool) -> None:
    """``hymar_reward.json``: aspect names and weights, multimodal, and where the run came from."""
    from hymar.rewards.model.spec import RewardModelSpec

    extra: dict[str, Any] = {"trained_by": "hymar train-rm", "kind": "vector" if config.vector else "scalar", "backbone": backbone}
    if calibrated:
        extra["calibration"] = CALIBRATION_FILE
    RewardModelSpec(config.model_aspects, dict(zip(config.model_aspects, config.weights)), True, extra).save(out)


def run_train_rm(out_dir: str | Path, config: RMRunConfig = RMRunConfig()) -> dict[str, Any]:  # frozen: a shared default is safe
    """Build data, train, save and evaluate a reward model; see the module docstring.

    Args:
        out_dir: the reward-model folder to write (created).
        config: what to train on and how.

    Returns:
        The report (also written to ``out_dir/rm_report.json``).

    Raises:
        ValueError: no training pairs, a text-only backbone, bad settings.
        hymar.models.errors.ModelLoadError: the backbone cannot be loaded.
    """
    import torch

    previous_threads = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    try:
        # the folder is marked incomplete until the last file is written (see hymar.models.saving)
        with saving(Path(out_dir), by="hymar train-rm"):
            return _run(Path(out_dir), config)
    finally:
        torch.set_num_threads(previous_threads)


def _run(out: Path, config: RMRunConfig) -> dict[str, Any]:
    import torch

    from hymar.data.synthetic import build_task_suite
    from hymar.models.loading import is_multimodal
    from hymar.rewards.model.embedding import resolve_device
    from hymar.models.processor import load_processor
    from hymar.rewards.model.vision_rm import VisionRewardModel
    from hymar.train.rm.loop import score_pairs, train_pairs
    from hymar.train.rm.report import pairwise_accuracy

    out.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    start = time.perf_counter()

    # 1. setup
    suite = build_task_suite(config.train_rows, config.test_rows, seed=config.seed)
    backbone = config.backbone if config.backbone is not None else _build_backbone(out, config, suite)
    if not is_multimodal(backbone):
        raise ValueError(f"backbone {backbone} is a text-only model; hymar train-rm trains reward models on VLM backbones")
    times["setup"] = time.perf_counter() - start

    # 2. data
    mark = time.perf_counter()
    train_rows, test_rows = list(suite["train"]), list(suite["test"])
    data = _collect_pairs(config, train_rows, test_rows)
    times["data"] = time.perf_counter() - mark

    # 3. train
    mark = time.perf_counter()
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)  # the head's initialisation
    load_kwargs = {"dtype": getattr(torch, config.dtype)} if config.dtype else {}
    model = VisionRewardModel.from_backbone(backbone, n_aspects=len(config.model_aspects), **load_kwargs).to(device)
    processor = load_processor(backbone)
    train_config = replace(config.train, seed=config.seed)
    stats = train_pairs(model, processor, data.train, config.model_aspects, config.weights, train_config, device)
    times["train"] = time.perf_counter() - mark

    # 4. save (the spec last: it names calibration.json only when one was written)
    _save(model, processor, out)

    # 5. report
    mark = time.perf_counter()
    batch = train_config.batch_size * 2
    chosen, rejected = score_pairs(model, processor, data.held_out, batch, device) if data.held_out else ([], [])
    accuracy = pairwise_accuracy(data.held_out, chosen, rejected, config.model_aspects, config.weights)
    calibration = _calibrate(model, processor, data.test_rows, config, device, out)
    _save_spec(out, config, backbone, calibrated=calibration is not None)
    times["eval"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    trained_aspects = Counter(p.aspect for p in data.train)
    report = {
        "model": {
            "path": str(out),
            "backbone": backbone,
            "kind": "vector" if config.vector else "scalar",
            "aspects": list(config.model_aspects),
            "aspect_weights": dict(zip(config.model_aspects, config.weights)),
            "untrained_heads": [a for a in config.model_aspects if config.vector and a not in trained_aspects],
        },
        "data": {
            "train_pairs": len(data.train),
            "held_out_pairs": len(data.held_out),
            "train_by_aspect": dict(sorted(trained_aspects.items())),
            "train_by_source": dict(sorted(Counter(p.source for p in data.train).items())),
            "suite_rows": {"train": config.train_rows, "test": config.test_rows},
        },
        "training": {**stats.to_dict(), **_train_settings(train_config), "device": str(device)},
        "pairwise_accuracy": accuracy,
        "calibration": calibration,
        "wall_seconds": {k: round(v, 2) for k, v in times.items()},
        "seed": config.seed,
        "threads": torch.get_num_threads(),
    }
    atomic_write_text(out / REPORT_FILE, json.dumps(report, indent=2) + "\n")
    return report


def _train_settings(config: RMTrainConfig) -> dict[str, Any]:
    settings = asdict(config)
    settings.pop("progress", None)
    settings.pop("steps", None)  # reported as the steps actually run
    return settings
