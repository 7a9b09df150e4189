"""The aspect registry: strict names, did-you-mean, kwargs passed through."""

from __future__ import annotations

import pytest

from hymar.rewards.aspects import (
    FormatAspect,
    aspect_names,
    get_aspect,
    register_aspect,
)
from hymar.rewards.aspects.base import Aspect
from hymar.rewards.aspects.registry import UnknownAspectError
from hymar.rewards.types import Score


def test_builtin_names():
    assert aspect_names() == ["adherence", "answer_form", "format", "keywords", "language", "length_limit", "reasoning"]


def test_get_aspect_passes_kwargs():
    aspect = get_aspect("format", style="boxed", strict=True)
    assert isinstance(aspect, FormatAspect) and aspect.style == "boxed" and aspect.strict


def test_unknown_name_suggests():
    # reason: a typo in a config must fail loudly with the likely intended name
    with pytest.raises(UnknownAspectError, match="did you mean 'keywords'"):
        get_aspect("keywrds")
    with pytest.raises(KeyError):  # it is a KeyError for callers that catch that
        get_aspect("nothing-like-it")


def test_duplicate_refused():
    with pytest.raises(ValueError, match="already registered"):

        @register_aspect("format")
        class Another(Aspect):
            def judge(self, sample, constraints):
                return Score(1.0)


def test_non_component_refused():
    with pytest.raises(TypeError):
        register_aspect("not_a_component")(int)  # type: ignore[arg-type]


def test_bad_kwargs_rejected():
    with pytest.raises(ValueError, match="style"):
        get_aspect("format", style="xml")
    with pytest.raises(TypeError):
        get_aspect("keywords", nonsense=1)


def test_names_match_class_attribute():
    # reason: the registered name is the component's default log name
    for name in aspect_names():
        assert get_aspect(name).name == name
