"""The page after its first visit: offline through the service worker (web/sw.js), replaced when the
site changes, and Python started from the start-up snapshot with numpy and the package imported
(web/js/snapshot.js, imported-snapshot.js), the same session as the normal load — or the normal way when
the stored snapshot is corrupt or of another build."""

import shutil
import time

import pytest

from steps import READY_TIMEOUT_MS

pytestmark = pytest.mark.e2e

READY = "document.getElementById('status').dataset.state !== 'loading'"
SNAPSHOT_CACHE = "backprop-pyodide-snapshot"  # web/js/snapshot.js
SNAPSHOT_KEYS = f"caches.open('{SNAPSHOT_CACHE}').then(c => c.keys()).then(k => k.map(r => r.url))"
CONTROLLED = "!!navigator.serviceWorker.controller"
# what a session shows of its model: the accuracy on the subset's test digits and the strip's predictions
SHOWN = """() => [document.getElementById('model-subset-accuracy').dataset.accuracy,
  [...document.querySelectorAll('#strip figure')].map((f) => f.dataset.predicted ?? f.textContent).join('|')]"""


def wait_for(page, expression, what, timeout=60):
    """Poll an (async) expression in the page until it is truthy; returns its value."""
    end = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.25)


def visit(context, url):
    """A new tab in `context` on `url`, once the status has left "loading"; returns the page."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.warnings = []
    page.on("console", lambda m: page.warnings.append(m.text) if m.type == "warning" else None)
    page.goto(url)
    page.wait_for_function(READY, timeout=READY_TIMEOUT_MS)
    return page


def status(page):
    return page.eval_on_selector("#status", "e => e.dataset.state + ': ' + e.textContent.trim()")


def first_visit(chromium, url, shown=False, **context_args):
    """A fresh context's first visit, left once the snapshot is stored (and the service worker controls
    the page, unless service workers are blocked). Returns (context, snapshot key), and what the page
    showed (SHOWN) when `shown`."""
    context = chromium.new_context(bypass_csp=True, **context_args)
    page = visit(context, url)
    assert status(page).startswith("ready"), status(page)
    assert page.evaluate("window.__app.timings.snapshot") == "none"
    if shown:
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        seen = page.evaluate(SHOWN)
    keys = wait_for(page, SNAPSHOT_KEYS, "the start-up snapshot to be stored")
    if context_args.get("service_workers") != "block":
        wait_for(page, CONTROLLED, "the service worker to control the page")
    page.close()
    return (context, keys[0], seen) if shown else (context, keys[0])


def test_second_visit_works_with_the_network_off(chromium, site):
    context, _ = first_visit(chromium, site.url)
    try:
        context.set_offline(True)
        page = visit(context, site.url + "?hidden=30")  # the page's settings in the query
        assert status(page).startswith("ready"), status(page)
        assert page.evaluate("window.__app.timings.snapshot") == "used"
        # really offline: what the service worker does not keep does not arrive
        assert page.evaluate("fetch('no-such-file.txt').then(() => 'arrived', () => 'failed')") == "failed"
        # and Python answers: the drawing pad's test digit is predicted
        assert page.evaluate("window.__app.mode") == "ready"
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        assert page.errors == []
    finally:
        context.close()


def test_a_run_from_the_snapshot_equals_the_same_run_after_a_normal_load(chromium, site):
    """numpy restored from the snapshot trains as numpy loaded the normal way: a seeded run's every
    figure is the same (its libraries' code, tables and random generators are the ones it expects)."""
    from steps import train, wait_idle

    run = {"train_size": 500, "epochs": 2, "batch_size": 10, "hidden": "20", "seed": 3}
    points = (
        "window.__chart.runs[window.__chart.runs.length - 1].points.map((p) => "
        "[p.epoch, p.train_cost, p.eval_cost, p.train_accuracy, p.eval_accuracy])"
    )
    context = chromium.new_context(bypass_csp=True, service_workers="block")
    try:
        page = visit(context, site.url)
        assert page.evaluate("window.__app.timings.snapshot") == "none"
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        train(page, **run)
        wait_idle(page)
        normal = page.evaluate(points)
        wait_for(page, SNAPSHOT_KEYS, "the start-up snapshot to be stored")
        page.close()

        page = visit(context, site.url)
        assert page.evaluate("window.__app.timings.snapshot") == "used"
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        train(page, **run)
        wait_idle(page)
        assert page.evaluate(points) == normal and len(normal) == 2
        assert page.errors == []
    finally:
        context.close()


def test_the_labs_python_starts_from_the_snapshot_too(chromium, site):
    """The lab's worker (its own Python) starts from the same snapshot, with the lab's session imported
    in it: a Check of the skeleton gives its verdict and hint as after a normal load."""
    context, _ = first_visit(chromium, site.url, service_workers="block")
    try:
        page = visit(context, site.url + "#lab")
        page.wait_for_function("window.__lab && window.__lab.ready", timeout=60_000)
        page.click("#lab-check")
        page.wait_for_function("window.__lab.snapshot !== null && !window.__lab.busy", timeout=120_000)
        assert page.evaluate("window.__lab.snapshot") == "used"
        assert page.get_attribute("#lab-status", "data-state") == "fail"
        assert "write the backward pass" in page.text_content("#lab-hint")
        assert page.errors == []
    finally:
        context.close()


def test_without_the_service_worker_the_network_off_fails(chromium, site):
    """The control for the test above: the HTTP cache alone does not keep the page."""
    context, _ = first_visit(chromium, site.url, service_workers="block")
    try:
        context.set_offline(True)
        page = context.new_page()
        with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED"):
            page.goto(site.url)
    finally:
        context.close()


# Cache Storage entries replaced from the page (the worker shares its origin's caches): `bytes` is the
# new body, given its correct sha256 unless `keepSha` keeps the old header.
REPLACE_SNAPSHOT = """async ({ key, mutate }) => {
  const cache = await caches.open('%s');
  const old = await cache.match(key);
  const bytes = new Uint8Array(await old.arrayBuffer());
  let sha = old.headers.get('x-snapshot-sha256');
  if (mutate === 'flip-a-byte') bytes[bytes.length >> 1] ^= 0xff; // sha256 no longer matches
  if (mutate === 'other-build') {                              // the build id in the header, sha256 fixed
    bytes.set(new TextEncoder().encode('%s'), 16);
    const d = await crypto.subtle.digest('SHA-256', bytes);
    sha = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  if (mutate === 'truncated') return cache.put(key, new Response(bytes.slice(0, 1000), { headers: old.headers }));
  await cache.put(key, new Response(bytes, { headers: { 'x-snapshot-sha256': sha } }));
}"""


FAKE_BUILD = "0123456789abcdef0123456789abcdef"
# a stored snapshot whose bytes have the sha256 stored with them and not the fake build id
GOOD_SNAPSHOT = """caches.open('%s').then((c) => c.match(KEY)).then(async (r) => {
  if (!r) return false;
  const bytes = new Uint8Array(await r.arrayBuffer());
  const d = await crypto.subtle.digest('SHA-256', bytes);
  const sha = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return sha === r.headers.get('x-snapshot-sha256') && new TextDecoder().decode(bytes.slice(16, 48)) !== '%s';
})""" % (SNAPSHOT_CACHE, FAKE_BUILD)


@pytest.mark.parametrize("mutate", ["flip-a-byte", "other-build", "truncated"])
def test_a_bad_snapshot_falls_back_to_the_normal_load_and_is_made_again(chromium, site, mutate):
    context, key, shown = first_visit(chromium, site.url, service_workers="block", shown=True)
    try:
        page = context.new_page()
        page.goto(site.url + "no-such-page")  # same origin, no Python: only the cache is touched
        page.evaluate(REPLACE_SNAPSHOT % (SNAPSHOT_CACHE, FAKE_BUILD), {"key": key, "mutate": mutate})
        page.close()

        page = visit(context, site.url)
        assert status(page).startswith("ready"), status(page)
        why = page.evaluate("window.__app.timings.snapshot")
        expected = {"flip-a-byte": "corrupt", "truncated": "corrupt", "other-build": "build id mismatch"}[mutate]
        assert why.startswith("failed") and expected in why, why
        assert any("snapshot could not be used" in w for w in page.warnings), page.warnings
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        assert page.errors == []
        assert page.evaluate(SHOWN) == shown  # the normal load's session
        # the bad one was deleted and a good one made again: the next visit starts from it
        wait_for(page, GOOD_SNAPSHOT.replace("KEY", repr(key)), "a good snapshot again")
        page.close()
        page = visit(context, site.url)
        assert page.evaluate("window.__app.timings.snapshot") == "used"
        # the same session from the snapshot: the model's accuracy on the test digits, every prediction
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        assert page.evaluate(SHOWN) == shown and page.errors == []
    finally:
        context.close()


def test_a_changed_site_replaces_the_offline_copy(chromium, serve_copy, build_module):
    from ci_support import ROOT

    served = serve_copy()
    copy = served.dir
    context = None
    try:
        context, _ = first_visit(chromium, served.url, service_workers="allow")
        old_title = "Backprop in your browser"
        # a rebuild: a changed page, so a new manifest and a new sw.js
        index = copy / "index.html"
        index.write_text(
            index.read_text(encoding="utf-8").replace(f"<h1>{old_title}</h1>", "<h1>Changed</h1>"), encoding="utf-8"
        )
        shutil.copyfile(ROOT / "web" / "sw.js", copy / "sw.js")
        new_build = build_module.write_offline_manifest(copy)

        page = visit(context, served.url)  # still the old copy, or already the new one
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        wait_for(
            page,
            f"caches.keys().then(k => k.includes('backprop-site-{new_build}') && "
            "k.filter(n => n.startsWith('backprop-site-')).length === 1)",
            "the new build's cache to replace the old one",
        )
        page.close()
        context.set_offline(True)
        page = visit(context, served.url)
        assert page.inner_text("h1") == "Changed"
        assert status(page).startswith("ready"), status(page)
    finally:
        if context:
            context.close()


PYC_CACHE = "backprop-pyc"  # web/js/pyc-cache.js
PYC_KEYS = f"caches.open('{PYC_CACHE}').then(c => c.keys()).then(k => k.map(r => r.url))"
# the kept .pyc zip replaced from the page: a byte flipped (its sha256 no longer matches), or cut short
# with its sha256 made right (the zip itself is damaged: Python's check refuses it)
REPLACE_PYCS = (
    """async ({ key, mutate }) => {
  const cache = await caches.open('%s');
  const old = await cache.match(key);
  let bytes = new Uint8Array(await old.arrayBuffer());
  let sha = old.headers.get('x-sha256');
  if (mutate === 'flip-a-byte') bytes[bytes.length >> 1] ^= 0xff;
  if (mutate === 'cut-short') {
    bytes = bytes.slice(0, bytes.length >> 1);
    const d = await crypto.subtle.digest('SHA-256', bytes);
    sha = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  await cache.put(key, new Response(bytes, { headers: { 'x-sha256': sha } }));
}"""
    % PYC_CACHE
)


def visit_without_snapshot(context, url):
    """A visit that loads numpy and the package the normal way: the start-up snapshot (which brings
    them imported, and makes the kept modules moot) deleted first, from a page without Python."""
    page = context.new_page()
    page.goto(url + "no-such-page")
    page.evaluate(f"caches.delete('{SNAPSHOT_CACHE}')")
    page.close()
    return visit(context, url)


@pytest.mark.parametrize("mutate", ["flip-a-byte", "cut-short"])
def test_kept_compiled_modules_start_the_same_session_and_a_bad_copy_falls_back(chromium, site, mutate):
    """numpy's and the package's .pyc files kept after a first visit are used by the next (the same
    model, accuracy and predictions); a damaged copy is refused, the page imports from source, and a
    good copy is kept again."""
    context = chromium.new_context(bypass_csp=True, service_workers="block")
    try:
        page = visit(context, site.url)
        assert page.evaluate("window.__app.timings.pyc") == "none"
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        shown = page.evaluate(SHOWN)
        key = wait_for(page, PYC_KEYS, "the compiled modules to be kept")[0]
        page.close()

        page = visit_without_snapshot(context, site.url)
        assert page.evaluate("window.__app.timings.pyc") == "used"
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        assert page.evaluate(SHOWN) == shown and page.errors == []
        page.evaluate(REPLACE_PYCS, {"key": key, "mutate": mutate})
        page.close()

        page = visit_without_snapshot(context, site.url)
        why = page.evaluate("window.__app.timings.pyc")
        assert why.startswith("failed") and {"flip-a-byte": "corrupt", "cut-short": "damaged"}[mutate] in why, why
        assert any("kept compiled modules could not be used" in w for w in page.warnings), page.warnings
        page.wait_for_function("window.__app.views >= 1", timeout=60_000)
        assert page.evaluate(SHOWN) == shown and page.errors == []
        wait_for(page, PYC_KEYS, "the compiled modules to be kept again")
        page.close()
        page = visit_without_snapshot(context, site.url)
        assert page.evaluate("window.__app.timings.pyc") == "used"
    finally:
        context.close()
