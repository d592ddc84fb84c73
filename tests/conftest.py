"""Make the package, build.py and tests/ci_support.py importable from a plain checkout, installed or not."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT / "py", ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def pytest_collection_modifyitems(items):
    """The browser tests last: Playwright's sync API keeps an event loop running in this thread from the
    first browser test to the end of the session, and asyncio.run (the session's training loop in the
    CPython tests) refuses to start inside a running loop. A stable sort keeps every other order."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
