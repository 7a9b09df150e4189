"""`hymar demo`: the paper's study in miniature, end to end on the embedded tiny VLM.

Stages (each cached in the output folder DIR, see `hymar.demo.stages`):

1. suite (in memory): the synthetic task suite; its train split is cut into validation, SFT and GRPO-pool
   row ranges (disjoint, see `hymar.demo.settings`), the test split is read by evaluation alone;
2. ``DIR/model``: the tiny Qwen2.5-VL-architecture policy, tokenizer trained on the SFT and GRPO texts;
3. ``DIR/sft``: SFT warm start on the SFT rows (the one base every GRPO run starts from);
4. ``DIR/rm``: a vector reward model (aspects correctness, adherence, conciseness, relevance) on the SFT
   base as backbone (as InstructGPT initialises its RM from the SFT model), trained on synthetic
   perturbation pairs; its report gives held-out pairwise accuracy and ECE before/after calibration;
5. ``DIR/gate``: the perceivability gate on the validation rows (`hymar.demo.gate`);
6. ``DIR/eval/base``: the SFT base evaluated on the test split;
7. per preset and seed, ``DIR/runs/<preset>/seed<k>``: GRPO from the SFT base on the GRPO pool with the
   preset, whose "model" component is the trained RM (so ``model-only`` is the monolithic learned-RM
   baseline), then ``DIR/eval/<preset>/seed<k>``: evaluation on the test split;
8. ``DIR/results.json``, ``DIR/report.md``, ``DIR/report.html`` (`hymar.demo.html_page`), the PNG plots (`hymar.demo.results`,
   `hymar.demo.report`, `hymar.demo.plots`) and
   ``DIR/examples/`` (`hymar.demo.examples`), with 95% bootstrap intervals (`hymar.demo.intervals`).

Every evaluation scores with the same reward (the full preset with the trained RM as its "model"
component), so "model reward" means the same RM score in every column. The open-ended "describe"
domain is judged by that model reward and by embedding similarity to the reference, not by accuracy.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from hymar.atomic import atomic_write_text
from hymar.demo.examples import write_examples
from hymar.demo.results import REPORT_FILE, RESULTS_FILE
from hymar.demo.settings import RM_ASPECTS, DemoSettings
from hymar.demo.stages import StageRunner, stage_key

EVAL_FILE_STEM = "eval"
SIMILARITY_FILE = "similarity.json"
GATE_DIR = "gate"
GATE_FILE = "gate.json"
#: GRPO steps between logged metrics (the health curves' resolution)
GRPO_LOGGING_STEPS = 2
#: the RM's suite seed is the demo's plus this
RM_SEED_OFFSET = 1
#: the domain judged without a verifier
OPEN_DOMAIN = "describe"


def model_override(rm_dir: str | Path) -> dict[str, Any]:
    """Reward-config overrides that make a preset's "model" component the trained reward model.

    Adds the RM's per-domain calibration (``calibration.json`` next to it) when it exists.

    Args:
        rm_dir: a folder written by `hymar.train.rm.run_train_rm`.

    Returns:
        A mapping for ``HybridReward.from_preset(name, overrides)``.
    """
    rm = Path(rm_dir)
    out: dict[str, Any] = {"components": {"model": {"type": "reward_model", "args": {"path": str(rm)}}}}
    if (rm / "calibration.json").is_file():
        out["calibration"] = {"path": str(rm / "calibration.json")}
    return out


def preset_reward(preset: str, rm_dir: str | Path) -> Any:
    """The `HybridReward` of ``preset`` with its "model" component (if it has one) set to the RM."""
    from hymar.rewards.hybrid import HybridReward
    from hymar.rewards.presets import load_preset

    has_model = "model" in load_preset(preset).components
    return HybridReward.from_preset(preset, model_override(rm_dir) if has_model else None)


class DemoPipeline:
    """One demo run into ``out_dir``; `run` does every stage and returns the results dict.

    Args:
        out_dir: the demo folder.
        settings: sizes and hyper-parameters.
        fresh: rerun every stage even when cached.
        stream: progress lines (default stderr).
    """

    def __init__(self, out_dir: str | Path, settings: DemoSettings, *, fresh: bool = False, stream: TextIO | None = None):
        self.out = Path(out_dir)
        self.settings = settings
        self.stages = StageRunner(fresh=fresh, stream=stream)
        self.suite: Any = None
        self._eval_reward: Any = None
        self._similarity: Any = None

    # ------------------------------------------------------------------ helpers
    def _part(self, **keys: Any) -> dict[str, Any]:
        """The settings a stage depends on, as a key dict."""
        s = self.settings.to_dict()
        return {k: s[k] for k in keys.pop("fields", ())} | keys

    @property
    def model_dir(self) -> Path:
        return self.out / "model"

    @property
    def sft_dir(self) -> Path:
        return self.out / "sft"

    @property
    def rm_dir(self) -> Path:
        return self.out / "rm"

    def run_dir(self, preset: str, seed: int) -> Path:
        return self.out / "runs" / preset / f"seed{seed}"

    def eval_dir(self, preset: str, seed: int | None = None) -> Path:
        return self.out / "eval" / (preset if seed is None else f"{preset}/seed{seed}")

    # ------------------------------------------------------------------ stages
    def run(self) -> dict[str, Any]:
        """Every stage, then results.json, report.md and the plots.

        Returns:
            The results dict (as written to results.json).
        """
        from hymar.demo.plots import write_plots
        from hymar.demo.report import write_report
        from hymar.demo.results import build_results
        from hymar.demo.html_page import write_demo_page

        s = self.settings
        key_rm = self.prepare()
        key_gate = stage_key(self._part(stage="gate", up=key_rm, fields=("gate_rows", "num_generations", "temperature", "eval_max_new_tokens")))
        self.stages.run("perceivability gate", self.out / GATE_DIR, key_gate, self._gate)
        key_eval = stage_key(self._part(stage="eval", up=key_rm, fields=("test_rows", "eval_max_new_tokens")))
        self.stages.run("eval base", self.eval_dir("base"), key_eval, lambda d: self._evaluate(self.sft_dir, d))

        grpo_fields = (
            "grpo_steps", "num_generations", "prompts_per_step", "max_completion_length", "grpo_learning_rate",
            "temperature", "num_iterations", "dynamic_sampling", "beta",
        )
        seeds = {p: s.seeds_of(p) for p in s.presets}
        for preset in s.presets:
            for seed in range(seeds[preset]):
                key_run = stage_key(self._part(stage="grpo", up=key_rm, preset=preset, seed=seed, fields=grpo_fields))
                run_dir = self.run_dir(preset, seed)
                self.stages.run(f"grpo {preset} seed {seed}", run_dir, key_run, lambda d, p=preset, k=seed: self._grpo(p, k, d))
                key_run_eval = stage_key({"stage": "eval", "up": key_run, "eval": key_eval})
                self.stages.run(f"eval {preset} seed {seed}", self.eval_dir(preset, seed), key_run_eval, lambda d, r=run_dir: self._evaluate(r, d))

        histories = {p: [_log_history(self.run_dir(p, k)) for k in range(seeds[p])] for p in s.presets}
        base_eval, base_generations = _load_eval(self.eval_dir("base"))
        loaded = {p: [_load_eval(self.eval_dir(p, k)) for k in range(seeds[p])] for p in s.presets}
        generations = {"base": [base_generations]} | {p: [g for _, g in evals] for p, evals in loaded.items()}
        results = build_results(
            settings=s,
            base=base_eval,
            runs={p: [e for e, _ in evals] for p, evals in loaded.items()},
            grpo_metrics={p: [_load_json(self.run_dir(p, k) / "grpo_metrics.json") for k in range(seeds[p])] for p in s.presets},
            rm_report=_load_json(self.rm_dir / "rm_report.json"),
            timings=self.stages.timings,
            histories=histories,
            generations=generations,
            gate=_load_json(self.out / GATE_DIR / GATE_FILE),
        )
        results["examples"] = write_examples(self.suite["test"], generations, self.out, count=s.examples)
        plot_began = time.perf_counter()
        results["plots"] = [p.name for p in write_plots(results, histories, self.out)]
        self.stages.timings["plots"] = {"seconds": round(time.perf_counter() - plot_began, 2), "cached": False}
        results["timings"]["total_seconds"] = round(self.stages.elapsed(), 2)
        results["timings"]["peak_memory_mib"] = peak_memory_mib()
        write_report(results, self.out)
        page = write_demo_page(results, self.out)  # report.md's tables and plots, the examples side by side
        self.stages.log(f"wrote {self.out / REPORT_FILE}, {page}, {self.out / RESULTS_FILE} and {len(results['plots'])} plots")
        return results

    def prepare(self) -> str:
        """The shared stages: suite (in memory), tiny VLM, SFT base and reward model.

        Returns:
            The RM stage's key (everything downstream depends on it).
        """
        import torch

        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no model hub: everything is built locally
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if self.settings.threads is not None:
            torch.set_num_threads(self.settings.threads)
        self.out.mkdir(parents=True, exist_ok=True)
        if self.suite is None:
            began = time.perf_counter()
            self._build_suite()
            self.stages.timings["suite"] = {"seconds": round(time.perf_counter() - began, 2), "cached": False}
            sizes = ", ".join(f"{len(self.suite[k])} {k}" for k in ("validation", "sft", "grpo", "test"))
            self.stages.log(f"suite: {sizes} rows")
        key_model = stage_key(self._part(stage="model", fields=("model_size", "suite_seed", "validation_rows", "sft_rows", "grpo_rows", "image_size")))
        self.stages.run("model", self.model_dir, key_model, self._build_model)
        key_sft = stage_key(self._part(stage="sft", up=key_model, fields=("sft_epochs", "sft_learning_rate", "sft_batch_size", "sft_scheduler")))
        self.stages.run("sft", self.sft_dir, key_sft, self._sft)
        key_rm = stage_key(
            self._part(
                stage="rm", up=key_sft, rm_seed_offset=RM_SEED_OFFSET,
                fields=("rm_train_rows", "rm_test_rows", "rm_steps", "rm_batch_size", "rm_learning_rate", "rm_policy_prompts"),
            )
        )
        self.stages.run("rm", self.rm_dir, key_rm, self._train_rm)
        return key_rm

    def _build_suite(self) -> None:
        from hymar.data.synthetic import build_task_suite

        s = self.settings
        suite = build_task_suite(s.train_rows, s.test_rows, seed=s.suite_seed, image_size=s.image_size)
        train = suite["train"]
        # row ranges of one train split (rows cycle through the domains, so every range is balanced)
        bounds = {"validation": (0, s.validation_rows), "sft": (s.validation_rows, s.validation_rows + s.sft_rows),
                  "grpo": (s.validation_rows + s.sft_rows, s.train_rows)}
        self.suite = {name: train.select(range(a, b)) for name, (a, b) in bounds.items()} | {"test": suite["test"]}

    def _build_model(self, folder: Path) -> dict[str, Any]:
        from dataclasses import replace

        from hymar.data.synthetic import task_corpus
        from hymar.models.tiny import SIZES, build_tiny_vlm

        s = self.settings
        if s.model_size not in SIZES:
            raise ValueError(f"unknown model size {s.model_size!r}; known: {sorted(SIZES)}")
        spec = replace(SIZES[s.model_size], image_size=s.image_size)
        # SFT and GRPO texts only: the tokenizer never sees the validation or test rows
        build_tiny_vlm(folder, task_corpus([self.suite["sft"], self.suite["grpo"]]), spec, seed=s.suite_seed)
        return json.loads((folder / "hymar_build.json").read_text(encoding="utf-8"))

    def _sft(self, folder: Path) -> dict[str, Any]:
        from hymar.train.sft import METRICS_FILE, run_sft

        s = self.settings
        run_sft(
            self.model_dir, self.suite["sft"], folder,
            epochs=s.sft_epochs, learning_rate=s.sft_learning_rate, batch_size=s.sft_batch_size, seed=s.suite_seed,
            lr_scheduler=s.sft_scheduler,
        )
        return _load_json(folder / METRICS_FILE)

    def _train_rm(self, folder: Path) -> dict[str, Any]:
        from hymar.train.rm.training import RMRunConfig, run_train_rm
        from hymar.train.rm.loop import RMTrainConfig

        s = self.settings
        config = RMRunConfig(
            backbone=str(self.sft_dir),
            vector=True,
            aspects=RM_ASPECTS,
            train_rows=s.rm_train_rows,
            test_rows=s.rm_test_rows,
            train=RMTrainConfig(steps=s.rm_steps, batch_size=s.rm_batch_size, learning_rate=s.rm_learning_rate,
                                warmup_steps=max(1, s.rm_steps // 20)),
            policy=str(self.sft_dir) if s.rm_policy_prompts > 0 else None,
            policy_prompts=max(1, s.rm_policy_prompts),
            # another suite seed: the RM's rows (its held-out and calibration rows included) are other draws
            # than the demo's, so the demo's test split is seen by evaluation alone
            seed=s.suite_seed + RM_SEED_OFFSET,
            threads=s.threads,
        )
        return run_train_rm(folder, config)

    def _grpo(self, preset: str, seed: int, folder: Path) -> dict[str, Any]:
        from hymar.train.grpo import METRICS_FILE, GRPOSettings, run_grpo

        s = self.settings
        settings = GRPOSettings(
            num_generations=s.num_generations,
            prompts_per_step=s.prompts_per_step,
            max_completion_length=s.max_completion_length,
            learning_rate=s.grpo_learning_rate,
            max_steps=s.grpo_steps,
            temperature=s.temperature,
            beta=s.beta,
            dynamic_sampling=s.dynamic_sampling,
            seed=seed,
            logging_steps=GRPO_LOGGING_STEPS,
            report_to=(),
            progress=False,
            trl_args={"num_iterations": s.num_iterations} if s.num_iterations != 1 else {},
        )
        run_grpo(self.sft_dir, self.suite["grpo"], folder, reward=preset_reward(preset, self.rm_dir), settings=settings)
        metrics = _load_json(folder / METRICS_FILE)
        # the policy weights are kept (loadable); checkpoints are off, so nothing else is large
        return {"steps": metrics.get("steps"), "timing": metrics.get("timing"), "wall_seconds": metrics.get("wall_seconds")}

    def _gate(self, folder: Path) -> dict[str, Any]:
        from hymar.demo.gate import perceivability

        s = self.settings
        gate = perceivability(
            self.sft_dir, self.suite["validation"], sample_rows=s.gate_rows, samples=s.num_generations,
            temperature=s.temperature, max_new_tokens=s.eval_max_new_tokens, seed=s.suite_seed,
        )
        atomic_write_text(folder / GATE_FILE, json.dumps(gate, indent=2) + "\n")
        verdict = "holds" if gate["passes"] else "FAILS"
        gaps = ", ".join(f"{d} {100 * v['real']:.0f} vs {100 * v['blank']:.0f}" for d, v in gate["domains"].items())
        self.stages.log(f"perceivability gate {verdict}: validation accuracy real vs blank image: {gaps}")
        return {"passes": gate["passes"]}

    def _evaluate(self, policy: Path, folder: Path) -> dict[str, Any]:
        from hymar.eval.evaluate import evaluate

        s = self.settings
        if self._eval_reward is None:
            self._eval_reward = preset_reward("hybrid-aspects-length", self.rm_dir)
        result = evaluate(policy, self.suite["test"], reward=self._eval_reward, max_new_tokens=s.eval_max_new_tokens, progress=False)
        result.save(folder, stem=EVAL_FILE_STEM)
        similarity = self._describe_similarity(result.generations)
        atomic_write_text(folder / SIMILARITY_FILE, json.dumps(similarity, indent=2) + "\n")
        return {"accuracy": result.accuracy, "mean_length": result.mean_length, "describe_similarity": similarity.get("mean")}

    def _describe_similarity(self, generations: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Embedding similarity of the open-ended answers to their references (a judge independent of
        the trained RM, so the model-only run cannot be graded by the model it was optimised against)."""
        from hymar.rewards.types import Sample

        rows = [g for g in generations if g.get("domain") == OPEN_DOMAIN and g.get("reference")]
        if not rows:
            return {"mean": None, "n": 0}
        try:
            if self._similarity is None:
                from hymar.rewards.model.embedding import EmbeddingSimilarity

                self._similarity = EmbeddingSimilarity()
            samples = [Sample(g.get("prompt") or "", g.get("completion") or "", reference=g["reference"], task="open") for g in rows]
            scores = self._similarity(samples, list(range(len(samples))))
        except Exception as err:  # noqa: BLE001 - an optional judge; the report says why it is missing
            return {"mean": None, "n": len(rows), "error": f"{type(err).__name__}: {err}"[:300]}
        values = [float(sc.value) for sc in scores if sc.applies]
        return {"mean": sum(values) / len(values) if values else None, "n": len(values)}


def _load_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _load_eval(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A saved evaluation: ``eval.json`` without its generations plus the describe similarity, and the
    generations (read once)."""
    data = _load_json(folder / f"{EVAL_FILE_STEM}.json")
    generations = list(data.pop("generations", None) or [])
    data["describe_similarity"] = _load_json(folder / SIMILARITY_FILE).get("mean")
    return data, generations


def peak_memory_mib() -> float:
    """Peak resident memory of this process and its finished children, in MiB (Linux reports KiB)."""
    import resource

    usage = [resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return round(max(usage) / 1024, 1)


def _log_history(run_dir: Path) -> list[dict[str, Any]]:
    return list(_load_json(run_dir / "trainer_state.json").get("log_history", []))


def run_demo(out_dir: str | Path, settings: DemoSettings | None = None, *, fresh: bool = False, stream: TextIO | None = None) -> dict[str, Any]:
    """Run the demo into ``out_dir`` (see the module docstring).

    Args:
        out_dir: the demo folder (stages cached there).
        settings: sizes and hyper-parameters (default `DemoSettings()`, the 15-minute run).
        fresh: rerun cached stages.
        stream: progress lines (default stderr).

    Returns:
        The results dict written to ``out_dir/results.json``.
    """
    return DemoPipeline(out_dir, settings or DemoSettings(), fresh=fresh, stream=stream).run()
