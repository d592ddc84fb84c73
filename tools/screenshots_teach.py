"""Screenshots of the page for teachers, for the README and for looking at the layout; asserts nothing.

    python3 tools/screenshots_teach.py [--out DIR] [--site DIR] [--only NAME]

- DIR/screenshot-lesson.png: the guided lesson "BP2 and the σ′ factor" answered (the gradient check
  broken in BP2, failing in layer 2 only, and the lesson's check saying so);
- DIR/screenshot-embed.png: a course page on another origin with section 1 embedded in an iframe
  (``?embed=draw``, the site under a sub-path as a project site is), a test digit read;
- DIR/screenshot-embed-lab.png: the same with the lab alone (``?embed=lab``: the lab's own Python only),
  a "find the bug" version checked;
- DIR/screenshot-share.png: the "Share this set-up" dialog.

Without --site, a site is built into a temporary folder (self-hosted Pyodide: PYODIDE_DIR or the
download cache).
"""

import argparse
import sys
import tempfile
from pathlib import Path

from chromium import launch  # the browser's settings (tools/)
from sitebuild.assemble import build_site
from sitebuild.serve import serve_dir

READY = "document.body.dataset.mode === 'ready'"
DESKTOP = dict(viewport={"width": 1280, "height": 900}, device_scale_factor=1)


def new_page(browser, **kw):
    # Playwright's string predicates run through eval, which the page's CSP forbids: bypassed (it
    # changes nothing the pictures show)
    return browser.new_context(bypass_csp=True, **{**DESKTOP, **kw}).new_page()


def shoot_lesson(browser, url, out):
    page = new_page(browser)
    page.goto(url + "?lesson=bp2-sigma-prime")
    page.wait_for_function(READY, timeout=180_000)
    page.wait_for_function("window.__app.views >= 1", timeout=60_000)
    page.select_option("#gradcheck-mistake", "bp2-no-sigma-prime")
    page.click("#gradcheck-button")
    page.wait_for_function(
        "!document.getElementById('gradcheck-out').dataset.busy && document.getElementById('gradcheck-verdict')",
        timeout=60_000,
    )
    page.click("#lesson-check")
    page.evaluate("window.scrollTo(0, 0)")
    bottom = page.evaluate("document.getElementById('gradcheck-verdict').getBoundingClientRect().bottom + scrollY")
    page.screenshot(
        path=str(out / "screenshot-lesson.png"), full_page=True, clip=dict(x=0, y=0, width=1280, height=bottom + 16)
    )
    page.click("#share-button")
    page.click("#share-dialog summary")
    page.fill("#share-note", "Week 2: break BP2 and watch the check catch it.")
    page.locator("#share-dialog").screenshot(path=str(out / "screenshot-share.png"))
    page.context.close()


def embed_draw(frame):
    """Section 1 embedded: a test digit read."""
    frame.wait_for_function(READY, timeout=180_000)
    frame.click("#draw-random")
    frame.wait_for_function("/^[0-9]$/.test(document.getElementById('draw-guess').textContent)", timeout=60_000)


def embed_lab(frame):
    """The lab embedded (no page worker: the lab's own Python only): a "find the bug" version checked."""
    frame.wait_for_function("window.__lab && window.__lab.ready", timeout=60_000)
    frame.select_option("#lab-bug", "bp2-no-sigma-prime")
    frame.click("#lab-load-bug")
    frame.click("#lab-check")
    frame.wait_for_function(
        "!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'", timeout=180_000
    )
    frame.evaluate("document.getElementById('lab-status').scrollIntoView({ block: 'start' })")  # the verdicts


EMBEDS = {  # file -> (section, the course page's words, the iframe's height, what is done in it)
    "screenshot-embed.png": (
        "draw",
        "Draw a digit below, then press <em>Random test digit</em> a few times: which digits does the network "
        "get wrong?",
        640,
        embed_draw,
    ),
    "screenshot-embed-lab.png": (
        "lab",
        "This version forgets σ′ in BP2. Press <em>Check</em>: which layer fails, and why? Then fix it.",
        900,
        embed_lab,
    ),
}


def shoot_embed(browser, site, out, tmp, name):
    section, words, height, act = EMBEDS[name]
    server, url = serve_dir(site.parent)  # the site at /<folder>/, as a project site at /<repo>/
    course = tmp / f"course-{section}"
    course.mkdir()
    (course / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>Course</title>"
        "<body style='font-family: sans-serif; margin: 24px; background: #fafaf9'>"
        "<h1 style='margin:0 0 4px'>Neural networks · week 1</h1>"
        f"<p style='margin:0 0 12px'>{words}</p>"
        f"<iframe src='{url}{site.name}/?embed={section}' width='900' height='{height}' title='Section {section}' "
        "style='border:1px solid #ccc; border-radius:8px'></iframe></body>",
        encoding="utf-8",
    )
    other, course_url = serve_dir(course)
    try:
        page = new_page(browser, viewport={"width": 960, "height": height + 120})
        page.goto(course_url)
        page.wait_for_function("document.querySelector('iframe').contentWindow !== null")
        act(next(f for f in page.frames if f"embed={section}" in f.url))
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / name))
        page.context.close()
    finally:
        for s in (server, other):
            s.shutdown()
            s.server_close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(".github"))
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    parser.add_argument("--only", choices=["lesson", *EMBEDS], help="this screenshot only")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        site = args.site or build_site(tmp / "dist", "self", log=lambda *a: None)
        server, url = serve_dir(site)
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                if args.only in (None, "lesson"):
                    shoot_lesson(browser, url, args.out)
                for name in EMBEDS:
                    if args.only in (None, name):
                        shoot_embed(browser, site, args.out, tmp, name)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    print(f"wrote {args.only or 'screenshot-lesson.png, screenshot-share.png, ' + ', '.join(EMBEDS)} in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
