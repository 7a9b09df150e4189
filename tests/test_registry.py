"""The component registry: one strict map for aspects and components, lazy paths, did-you-mean."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest

from hymar.rewards.aspects import FormatAspect
from hymar.rewards.aspects.base import Aspect
from hymar.rewards.base import PerSampleComponent
from hymar.rewards.presets import preset_names
from hymar.rewards.registry import (
    UnknownComponentError,
    aspect_names,
    build_component,
    component_names,
    entry,
    register_component,
    resolve_component,
    unregister_component,
)
from hymar.rewards.types import Sample, Score


def test_builtin_names():
    assert aspect_names() == ["answer_form", "format", "keywords", "language", "length_limit", "reasoning"]
    assert component_names() == sorted(
        aspect_names() + ["accuracy", "adherence", "anls", "grounding", "length", "repetition", "similarity", "reward_model", "judge"]
    )


def test_aspects_resolve_as_components():
    # reason: the registered aspect `reasoning` could not be named in a YAML config
    from hymar.rewards.aspects.reasoning import ReasoningAspect

    assert resolve_component("reasoning") is ReasoningAspect
    assert entry("reasoning").kind == "aspect" and entry("adherence").kind == "component"


def test_build_passes_kwargs():
    aspect = build_component("format", {"style": "boxed", "strict": True})
    assert isinstance(aspect, FormatAspect) and aspect.style == "boxed" and aspect.strict


def test_unknown_name_suggests():
    # reason: a typo in a config must fail loudly with the likely intended name
    with pytest.raises(UnknownComponentError, match="did you mean 'keywords'"):
        resolve_component("keywrds")
    with pytest.raises(KeyError):  # it is a KeyError for callers that catch that
        resolve_component("nothing-like-it")
    assert "did you mean" in str(UnknownComponentError("x; did you mean 'y'?"))  # no repr quoting


def test_duplicate_refused():
    with pytest.raises(ValueError, match="already registered"):

        @register_component("format", kind="aspect")
        class Another(Aspect):
            def judge(self, sample, constraints):
                return Score(1.0)

    with pytest.raises(ValueError, match="already registered"):
        register_component("accuracy", "some.module:Thing")


def test_non_component_refused():
    with pytest.raises(TypeError):
        register_component("not_a_component")(int)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind"):
        register_component("odd_kind", "m:a", kind="verifier")  # type: ignore[arg-type]


def test_bad_kwargs_rejected():
    with pytest.raises(ValueError, match="style"):
        build_component("format", {"style": "xml"})
    with pytest.raises(TypeError):
        build_component("keywords", {"nonsense": 1})


def test_builtins_cannot_be_unregistered():
    with pytest.raises(ValueError, match="built-in"):
        unregister_component("accuracy")


def test_decorator_registers_and_names_the_class():
    @register_component("always_half")
    @dataclass(frozen=True)
    class Half(PerSampleComponent):
        def score_one(self, sample: Sample) -> Score:
            return Score(0.5)

    try:
        assert Half.name == "always_half"
        assert "always_half" in component_names() and "always_half" not in aspect_names()
        assert build_component("always_half")([Sample(completion="x")]) == [Score(0.5)]
    finally:
        unregister_component("always_half")
    assert "always_half" not in component_names()


def test_module_attr_path_without_registration():
    component = build_component("hymar.rewards.aspects.format:FormatAspect")
    assert isinstance(component, FormatAspect)
    with pytest.raises(ImportError, match="no attribute"):
        resolve_component("hymar.rewards.aspects.format:Nope")


def test_naming_a_rule_component_imports_no_torch():
    # reason: the registry is lazy; `hymar score --preset rule-only` must not pay for torch
    code = (
        "import sys; from hymar.rewards.registry import component_names, build_component; "
        "[build_component(n) for n in ('accuracy', 'adherence', 'length', 'reasoning')]; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_presets_are_the_yaml_files():
    # reason: presets are discovered from presets/*.yaml, not a hand-kept tuple
    from importlib import resources

    files = sorted(p.name[: -len(".yaml")] for p in resources.files("hymar").joinpath("presets").iterdir() if p.name.endswith(".yaml"))
    assert preset_names() == files
    assert {"harmo", "rule-only", "model-only", "hybrid", "hybrid-aspects", "hybrid-aspects-length"} <= set(files)
