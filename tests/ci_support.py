"""What every test module may need: the repo root, and skip-or-fail for missing prerequisites."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def in_ci():
    return bool(os.environ.get("CI"))


def skip_or_fail(reason):
    """Skip on a person's machine; in CI a missing prerequisite is a failure, never a silent skip."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)
