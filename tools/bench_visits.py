"""The page's visits, for the browser bench (bench_page.py): load to ready on a first visit and on
second visits, each in a fresh browser context (a new tab for each visit) — with the browser's HTTP
cache only (service workers blocked), with the service worker (web/sw.js), each without and with
Python's start-up snapshot (web/js/snapshot.js), and with the network off. Prints figures; asserts
nothing."""

import os
import statistics
import time

from chromium import launch
from sitebuild.serve import serve_dir

SNAPSHOT_CACHE = "backprop-pyodide-snapshot"  # web/js/snapshot.js
SNAPSHOT_STORED = f"caches.open('{SNAPSHOT_CACHE}').then(c => c.keys()).then(k => k.length > 0)"
DELETE_SNAPSHOT = f"caches.delete('{SNAPSHOT_CACHE}')"
VISITS = ("cold", "http", "http+snapshot", "sw", "sw+snapshot", "offline")


def _poll(page, expression, what, timeout=120):
    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _visit(context, url):
    """(seconds to ready, the worker's timings) of a new tab on url; the tab is left open."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("document.getElementById('status').dataset.state !== 'loading'", timeout=180_000)
    state = page.eval_on_selector("#status", "e => e.dataset.state + ': ' + e.textContent.trim()")
    if not state.startswith("ready"):
        raise RuntimeError(f"the page did not load: {state}")
    app = page.evaluate("window.__app")
    return page, app["readyMs"] / 1000, app["timings"]


def measure_visits(browser, url, runs):
    """{visit kind: [(seconds, timings)]}: per run, a context with service workers blocked (cold, then
    the HTTP cache without and with the snapshot) and one with them (cold, then the service worker
    without and with the snapshot, then the network off)."""
    out = {kind: [] for kind in VISITS}
    for i in range(runs):
        for sw in (False, True):
            context = browser.new_context(bypass_csp=True, service_workers="allow" if sw else "block")
            page, seconds, timings = _visit(context, url)
            out["cold"].append((seconds, timings))
            _poll(page, SNAPSHOT_STORED, "the start-up snapshot")
            if sw:
                _poll(page, "!!navigator.serviceWorker.controller", "the service worker")
            page.close()
            kind = "sw" if sw else "http"
            for with_snapshot in (False, True) if i % 2 == 0 else (True, False):
                page = context.new_page()
                page.goto(url + "no-such-page")  # same origin, no Python: only the caches are touched
                _poll(page, SNAPSHOT_STORED, "the start-up snapshot")
                if not with_snapshot:
                    page.evaluate(DELETE_SNAPSHOT)
                page.close()
                page, seconds, timings = _visit(context, url)
                if (timings.get("snapshot") == "used") != with_snapshot:
                    raise RuntimeError(
                        f"snapshot {timings.get('snapshot')!r} on a visit meant to have it {with_snapshot}"
                    )
                out[kind + ("+snapshot" if with_snapshot else "")].append((seconds, timings))
                _poll(page, SNAPSHOT_STORED, "the start-up snapshot")  # made again, by this tab's worker
                page.close()
            if sw:
                page = context.new_page()
                page.goto(url + "no-such-page")
                _poll(page, SNAPSHOT_STORED, "the start-up snapshot")
                page.close()
                context.set_offline(True)
                page, seconds, timings = _visit(context, url)
                out["offline"].append((seconds, timings))
            context.close()
    return out


def visits_only(site, runs, t0):
    from playwright.sync_api import sync_playwright

    server, url = serve_dir(site)
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            visits = measure_visits(browser, url, runs)
            print(f"Chromium {browser.version}, headless; site {site}; {os.cpu_count()} CPUs")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    print_visits(visits, runs)
    print(f"({time.perf_counter() - t0:.0f} s in all)")
    return 0


def print_visits(visits, runs):
    labels = {
        "cold": "first visit (cold)",
        "http": "second visit, HTTP cache",
        "http+snapshot": "second visit, HTTP cache + snapshot",
        "sw": "second visit, service worker",
        "sw+snapshot": "second visit, service worker + snapshot",
        "offline": "second visit, network off (service worker + snapshot)",
    }
    print(
        f"load to ready, s, median of {runs} fresh contexts (each a new tab; 'python' is when Python "
        "had started, s after the worker started):"
    )
    for kind in VISITS:
        seconds = [s for s, _ in visits[kind]]
        python = statistics.median(t["python"] for _, t in visits[kind])
        print(
            f"  {labels[kind]:56} {statistics.median(seconds):5.2f}  (each {', '.join(f'{s:.2f}' for s in seconds)};"
            f" python {python:.2f})"
        )
    warm = min(("http", "http+snapshot", "sw", "sw+snapshot"), key=lambda k: statistics.median(s for s, _ in visits[k]))
    print(f"  fastest second visit: {labels[warm]}; targets: cold ≤ 3.0 s, second visit ≤ 1.5 s, network off works")
