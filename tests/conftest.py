"""Make the package and build.py importable from a plain checkout, installed or not."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / "py", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def in_ci():
    return bool(os.environ.get("CI"))


def skip_or_fail(reason):
    """Skip on a person's machine; in CI a missing prerequisite is a failure, never a silent skip."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)
