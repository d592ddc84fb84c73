"""Moved: the page bench is tools/bench_page.py, the browser's settings tools/chromium.py.

This stand-in only keeps the two names that test_kernel.py and test_views.py import from here; once
their imports say ``from bench_page import ...`` (tools/ is on the path: tests/conftest.py), delete it.
"""

from bench_page import WORKER_RUNS, draw_strokes  # noqa: F401
