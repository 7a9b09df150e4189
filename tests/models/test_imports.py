"""`import hymar.models` (and the build-model command module) must not pull in torch or transformers."""

from __future__ import annotations

import subprocess
import sys


def test_package_import_is_light():
    code = (
        "import sys, hymar.models, hymar.models.tiny, hymar.train, hymar.commands.build_model\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert sorted(hymar.models.__all__) == hymar.models.__all__ and 'load_policy' in hymar.models.__all__\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_lazy_exports_resolve():
    import hymar.models
    from hymar.models.loading import load_policy

    assert hymar.models.load_policy is load_policy


def test_unknown_export_is_an_attribute_error():
    import pytest

    import hymar.models

    with pytest.raises(AttributeError, match="no_such_thing"):
        hymar.models.no_such_thing  # noqa: B018 - the access is the test
