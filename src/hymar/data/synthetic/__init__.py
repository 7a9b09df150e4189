"""The synthetic multimodal task suite (Pillow-rendered, deterministic by seed).

Public API (imported lazily, so `perturb` works without datasets or Pillow):
    build_task_suite(n_train, n_test, seed=0, image_size=84, *, domains=None, holdout="scene") -> DatasetDict
    task_corpus(dataset_dict) -> Iterator[str]
    DOMAINS, TASK_OF_DOMAIN, VERIFIABLE_DOMAINS
    perturb_reference, perturb_completion, perturb_answer, Perturbed, ASPECTS (see `perturb`)
"""

from __future__ import annotations

from hymar._lazy import lazy_exports

_EXPORTS = {
    "build_task_suite": "hymar.data.synthetic.suite",
    "task_corpus": "hymar.data.synthetic.suite",
    "generate_problems": "hymar.data.synthetic.suite",
    "DOMAINS": "hymar.data.synthetic.suite",
    "OPT_IN_DOMAINS": "hymar.data.synthetic.suite",
    "TASK_OF_DOMAIN": "hymar.data.synthetic.suite",
    "VERIFIABLE_DOMAINS": "hymar.data.synthetic.suite",
    "perturb_reference": "hymar.data.synthetic.perturb",
    "perturb_completion": "hymar.data.synthetic.perturb",
    "perturb_answer": "hymar.data.synthetic.perturb",
    "Perturbed": "hymar.data.synthetic.perturb",
    "ASPECTS": "hymar.data.synthetic.perturb",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
