"""First and second visits on a real network, today's site beside this one (issue 19's targets).

    python3 tools/bench_first.py [--runs 3] [--baseline REF] [--site DIR] [--no-baseline]
    python3 build.py bench --first-visit          # the same, on a fresh build

Prints figures; asserts nothing. Two sites are measured in the same run, taking turns: the one built
from this tree and "today's", built from git REF (default: the merge base with main) by that tree's
own build.py. For each, medians of --runs fresh browser contexts (headless Chromium):

- first visits on a throttled network: the built site served by a server of our own (``Throttled``
  below) that caches like GitHub Pages (``Cache-Control: max-age=600`` on every file), counts the
  bytes it sends and throttles them itself: one 20 Mbit/s link shared by every connection and 40 ms
  before each answer (one round trip; its pages, workers and service worker alike, which Chromium's
  own network emulation would reach only through each worker's DevTools session). Once without
  compression, once gzipping text, JavaScript, JSON and WebAssembly like a CDN. Bytes before ready
  are the bytes sent before the page's ready time (the server logs each chunk's time; the page's
  performance.timeOrigin + readyMs, same clock). "first digit" draws a 3 on the pad as soon as the pad
  is enabled and times navigation start to the guess shown, less the time Playwright's mouse took to
  draw it (several seconds of simulated strokes on a busy machine; a person's drawing is not the page's).
- localhost visits (build.py's own server, no throttling): cold, then a second visit in a new tab
  (service worker and start-up caches as the first visit left them), then one with the network off.

Every figure is printed with the load average when it was taken (the machine may be busy).
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

from bench_visits import SNAPSHOT_STORED, _poll

from bench_page import draw_strokes
from chromium import launch
from sitebuild.serve import SiteHandler, serve_dir

ROOT = Path(__file__).resolve().parents[1]
RATE = 20e6 / 8  # bytes per second: 20 Mbit/s
RTT = 0.040  # seconds before each answer
CHUNK = 16 * 1024
GZIP_TYPES = ("text/", "application/json", "application/javascript", "application/wasm", "image/svg+xml")
READY = "document.getElementById('status').dataset.state !== 'loading'"
DRAWABLE = "!!window.__app && window.__app.readyMs !== null"
PYCS_KEPT = "caches.open('backprop-pyc').then(c => c.keys()).then(k => k.length > 0)"
GUESS = "document.getElementById('draw-guess').textContent.trim() !== '?' && window.__draw.idle"


class Link:
    """One shared link: a token bucket of RATE bytes/s and a log of (time sent, bytes, path)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.free_at = 0.0
        self.log = []

    def send(self, wfile, data, path):
        for at in range(0, len(data), CHUNK):
            part = data[at : at + CHUNK]
            with self.lock:
                start = max(time.time(), self.free_at)
                self.free_at = start + len(part) / RATE
            time.sleep(max(0.0, self.free_at - time.time()))
            wfile.write(part)
            with self.lock:
                self.log.append((time.time(), len(part), path))

    def before(self, when):
        """(bytes, {path: bytes}) sent before `when` (epoch seconds)."""
        paths = {}
        for t, n, path in self.log:
            if t <= when:
                paths[path] = paths.get(path, 0) + n
        return sum(paths.values()), paths


class Throttled(SiteHandler):
    """The built site as GitHub Pages caches it (max-age=600), throttled by `link`, gzipped if `gzip`."""

    link = None
    gzip = False
    packed = {}  # path -> gzipped bytes

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            time.sleep(RTT)
            self.send_error(404)
            return
        mtime = path.stat().st_mtime
        since = self.headers.get("If-Modified-Since")
        time.sleep(RTT)
        if since and parsedate_to_datetime(since).timestamp() >= int(mtime):
            self.send_response(304)
            self.end_headers()
            return
        kind = self.guess_type(str(path))
        body = path.read_bytes()
        packed = self.gzip and kind.startswith(GZIP_TYPES) and "gzip" in self.headers.get("Accept-Encoding", "")
        if packed:
            if str(path) not in self.packed:
                self.packed[str(path)] = gzip.compress(body, 6, mtime=0)
            body = self.packed[str(path)]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
        if packed:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        try:
            self.link.send(self.wfile, body, self.path.split("?")[0])
        except (BrokenPipeError, ConnectionResetError):  # the page went on without it (a closed tab)
            self.close_connection = True

    def end_headers(self):
        self.send_header("Cache-Control", "max-age=600")
        super(SiteHandler, self).end_headers()  # not SiteHandler's year-long pins


class QuietServer(ThreadingHTTPServer):
    """A browser closing a connection it no longer needs (a context closed between visits) is not news."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve_throttled(site, use_gzip):
    link = Link()
    attrs = {"link": link, "gzip": use_gzip, "packed": {}}
    handler = partial(type("Handler", (Throttled,), attrs), directory=str(site))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/", link


def load():
    return os.getloadavg()[0]


def ready_seconds(page):
    state = page.eval_on_selector("#status", "e => e.dataset.state + ': ' + e.textContent.trim()")
    if not state.startswith("ready"):
        raise RuntimeError(f"the page did not load: {state}")
    return page.evaluate("window.__app.readyMs") / 1000


def throttled_visit(browser, site, use_gzip, digit):
    """(seconds to ready, MB before ready, top files, seconds to the first guess) of a first visit."""
    server, url, link = serve_throttled(site, use_gzip)
    try:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        page.goto(url)
        # the pad takes a drawing from "ready" on (readyMs); since issue 19 the digits come after it
        page.wait_for_function(DRAWABLE, timeout=300_000)
        guess = None
        if digit:
            page.wait_for_function("!document.getElementById('draw-clear').disabled")
            page.click("#draw-clear")
            t0 = time.monotonic()
            draw_strokes(page, digit["strokes"], digit["canvas"])
            drawing = time.monotonic() - t0  # Playwright's mouse, 3-7 s here: not the page's time
            page.wait_for_function(GUESS, timeout=120_000)
            guess = page.evaluate("performance.now()") / 1000 - drawing
        page.wait_for_function(READY, timeout=300_000)
        seconds = ready_seconds(page)
        when = page.evaluate("(performance.timeOrigin + window.__app.readyMs) / 1000")
        total, paths = link.before(when)
        context.close()
        top = sorted(paths.items(), key=lambda kv: -kv[1])[:6]
        return seconds, total / 1e6, top, guess
    finally:
        server.shutdown()
        server.server_close()


def local_visits(browser, site):
    """(cold, second visit, network off) seconds to ready on localhost, one fresh context."""
    server, url = serve_dir(site)
    try:
        context = browser.new_context(bypass_csp=True, service_workers="allow")
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(READY, timeout=180_000)
        cold = ready_seconds(page)
        page.wait_for_function("!!navigator.serviceWorker.controller", timeout=120_000)
        _poll(page, SNAPSHOT_STORED, "the start-up snapshot")
        # the kept compiled modules (web/js/pyc-cache.js), in a build that keeps them (not older ones)
        if page.evaluate("window.__app.timings.pyc !== undefined"):
            _poll(page, PYCS_KEPT, "the kept compiled modules")
        page.close()
        out = [cold]
        for offline in (False, True):
            context.set_offline(offline)
            page = context.new_page()
            page.goto(url)
            page.wait_for_function(READY, timeout=180_000)
            out.append(ready_seconds(page))
            page.close()
        context.close()
        return out
    finally:
        server.shutdown()
        server.server_close()


def build_baseline(ref, where):
    """Today's site: git REF's tree, built by its own build.py."""
    tree = where / "tree"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    env = {**os.environ, "PYTHONPATH": str(tree / "py")}
    subprocess.run([sys.executable, str(tree / "build.py"), "build", "--out", str(where / "dist")], check=True, env=env)
    return where / "dist"


ROWS = (
    ("bytes", "bytes served before ready, first visit, MB", "≤ 9"),
    ("plain", "first visit to ready, 20 Mbit/s, 40 ms, no compression, s", "≤ 7"),
    ("gzip", "same, server that gzips like a CDN, s", "≤ 5"),
    ("digit", "first digit read, first visit, 20 Mbit/s (less the drawing), s", "≤ 7"),
    ("cold", "cold load to ready, localhost, s", "≤ 2.5"),
    ("second", "second visit to ready, s", "≤ 1.0"),
    ("offline", "second visit, network off, s", "≤ 1.0"),
)


def measure(browser, site, digit):
    plain, mb, top, guess = throttled_visit(browser, site, False, digit)
    row = {"bytes": (mb, load()), "plain": (plain, load()), "digit": (guess, load())}
    gz, _, _, _ = throttled_visit(browser, site, True, None)
    row["gzip"] = (gz, load())
    cold, second, offline = local_visits(browser, site)
    row.update({"cold": (cold, load()), "second": (second, load()), "offline": (offline, load())})
    return row, top


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site", help="this tree's built site (default: build it)")
    parser.add_argument("--baseline", help="git ref of today's site (default: the merge base with main)")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    drawn = json.loads((ROOT / "tests" / "data" / "drawn_digits.json").read_text())
    digit = {"strokes": drawn["digits"]["3"], "canvas": drawn["canvas"]}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sites = {}
        if not args.no_baseline:
            ref = (
                args.baseline
                or subprocess.run(
                    ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"], check=True, capture_output=True, text=True
                ).stdout.strip()
            )
            (tmp / "base").mkdir()
            sites[f"today ({ref[:8]})"] = build_baseline(ref, tmp / "base")
        if args.site:
            sites["this tree"] = Path(args.site)
        else:
            sys.path.insert(0, str(ROOT / "tools"))
            from sitebuild.assemble import build_site

            sites["this tree"] = build_site(tmp / "new", log=lambda *_: None)
        rows = {name: [] for name in sites}
        tops = {}
        with sync_playwright() as pw:
            browser = launch(pw)
            for i in range(args.runs):
                for name, site in sites.items():
                    row, tops[name] = measure(browser, site, digit)
                    rows[name].append(row)
                    print(f"run {i + 1} {name}: " + ", ".join(f"{k} {v[0]:.2f}" for k, v in row.items()), flush=True)
            version = browser.version
            browser.close()
    print(f"\nChromium {version} headless, {os.cpu_count()} CPUs; medians of {args.runs}; (load average 1 min)")
    print("throttled server: tools/bench_first.py Throttled (20 Mbit/s shared, 40 ms per answer, max-age=600)")
    names = list(sites)
    print(f"{'measure':62}" + "".join(f"{n:>26}" for n in names) + f"{'target':>9}")
    for key, label, target in ROWS:
        cells = []
        for name in names:
            values = [r[key][0] for r in rows[name]]
            loads = [r[key][1] for r in rows[name]]
            cells.append(f"{statistics.median(values):7.2f} (load {statistics.median(loads):4.1f})")
        print(f"{label:62}" + "".join(f"{c:>26}" for c in cells) + f"{target:>9}")
    for name, top in tops.items():
        print(f"largest files before ready, {name}: " + ", ".join(f"{p} {n / 1e6:.2f} MB" for p, n in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
