"""Whether a reward may be called from several threads at once.

What was checked (hymar 0.x sources):

- `HybridReward.__call__` keeps no per-call state on the object (routing, gates and normalisation
  work on local lists; the calibration is only read).
- The rule verifier (``hymar.rewards.rules``) uses no signals; its symbolic math path runs in the
  shared `BoundedRunner` process pool, whose workers are checked out under a condition lock so two
  threads never share a pipe; its verdict LRU is guarded by a lock.
- The instruction-adherence aspects (``hymar.rewards.aspects``) are pure functions of the sample
  (one ``functools.lru_cache``, itself thread-safe; one idempotent module-level default).
- `LengthPenalty` is pure unless it counts tokens with a tokenizer it loads lazily (an unguarded
  load, and HF fast tokenizers can raise "Already borrowed" under concurrent use).
- Model components (embedding similarity, learned reward models, judges) hold torch modules and HF
  tokenizers and load lazily: not known to be safe.

So a reward is treated as thread-safe only when every component is a rule or aspect component, or a
length penalty without a tokenizer; anything else is called under one lock.
"""

from __future__ import annotations

from typing import Any

from hymar.rewards.types import Reward

_SAFE_MODULES = ("hymar.rewards.rules.", "hymar.rewards.aspects.")


def component_is_thread_safe(component: Any) -> bool:
    """True for the components this module's docstring lists as safe to call concurrently."""
    module = type(component).__module__ + "."
    if module.startswith(_SAFE_MODULES):
        return True
    if module == "hymar.rewards.length.":
        config = getattr(component, "config", None)
        return getattr(component, "count_tokens", None) is None and getattr(config, "tokenizer", None) is None
    return False


def reward_is_thread_safe(reward: Reward) -> tuple[bool, str]:
    """Whether ``reward`` may be called from several threads at once, and why.

    Args:
        reward: a `HybridReward` (anything else is assumed unsafe unless it sets ``thread_safe = True``).
    Returns:
        (safe, reason).
    """
    from hymar.rewards.hybrid import HybridReward

    if not isinstance(reward, HybridReward):
        if getattr(reward, "thread_safe", False) is True:
            return True, f"{type(reward).__name__} declares thread_safe = True"
        return False, f"{type(reward).__name__} is not a HybridReward and does not declare thread_safe = True"
    for name, component in reward.components.items():
        if not component_is_thread_safe(component):
            return False, f"component {name!r} ({type(component).__name__}) is not known to be thread-safe"
    return True, "every component is a rule/aspect component or a tokenizer-free length penalty"
