"""Fixtures for the end-to-end tests: the built site served on localhost, and headless Chromium.

The site is built once per session with build.py's API (self-hosted Pyodide from PYODIDE_DIR, so the
tests run offline). Without Chromium or Playwright the browser tests skip on a person's machine and
fail in CI (env CI set), where they must run.
"""

import os
import shutil
from pathlib import Path

import pytest

from chromium import (  # one place for the browser's settings (tools/)
    CHROMIUM,
    CHROMIUM_ARGS,
)
from ci_support import skip_or_fail
from steps import READY_TIMEOUT_MS


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end test in headless Chromium (slow: loads Pyodide)")


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Python playwright is not installed (pip install playwright; never `playwright install`)")
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    return sync_playwright


@pytest.fixture(scope="session")
def build_module():
    import build  # the repo root is on sys.path (tests/conftest.py)

    return build


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory, build_module):
    out = tmp_path_factory.mktemp("site") / "dist"
    try:
        # full MNIST for the page's optional download when MNIST is here (always in CI)
        return build_module.build_site(
            out, pyodide="self", full_mnist=bool(os.environ.get("MNIST_DIR")), log=lambda *a: None
        )
    except Exception as e:  # no PYODIDE_DIR and no network, say
        skip_or_fail(f"could not build the site with self-hosted Pyodide: {e}")


class Site:
    """A served copy of the site: .url, .dir; stop() shuts the server down."""

    def __init__(self, build, directory):
        self.dir = Path(directory)
        self.server, self.url = build.serve_dir(self.dir)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def site(site_dir, build_module):
    s = Site(build_module, site_dir)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def serve_copy(site_dir, build_module, tmp_path_factory):
    """serve_copy(*missing) -> a served copy of the site (.dir, .url) that a test may change, with the
    files `missing` (paths in the site) deleted; served until the session ends."""
    served = []

    def make(*missing):
        copy = tmp_path_factory.mktemp("copy") / "dist"
        shutil.copytree(site_dir, copy)
        for rel in missing:
            (copy / rel).unlink()
        s = Site(build_module, copy)
        served.append(s)
        return s

    yield make
    for s in served:
        s.stop()


@pytest.fixture(scope="session")
def broken_site(serve_copy):
    """A served copy of the site with some files deleted: broken_site("data/mnist-subset.npz")."""
    return serve_copy


@pytest.fixture(scope="session")
def chromium():
    sync_playwright = _playwright()
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as e:
        pw.stop()
        skip_or_fail(f"Chromium at {CHROMIUM} did not start: {e}")
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def new_page(chromium):
    """new_page(viewport=...) -> a page in a fresh context (cold cache), with .errors collected."""
    contexts = []

    def make(**context_args):
        # Playwright runs string predicates (wait_for_function) through eval, which the page's CSP
        # forbids: tests bypass the CSP unless they check it (test_robustness passes bypass_csp=False)
        context = chromium.new_context(**{"bypass_csp": True, **context_args})
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield make
    for c in contexts:
        c.close()


@pytest.fixture
def open_page(new_page):
    """open_page(url, **context_args) -> page, once its status line has left "loading" (and, when it is
    ready, once the views have shown the model: they are filled right after "ready")."""

    def open_(url, **context_args):
        page = new_page(**context_args)
        page.goto(url)
        page.wait_for_function(
            "document.getElementById('status').dataset.state !== 'loading'", timeout=READY_TIMEOUT_MS
        )
        if page.get_attribute("#status", "data-state") == "ready":  # and the views have followed
            page.wait_for_function("window.__app.views >= 1", timeout=READY_TIMEOUT_MS)
        return page

    return open_
