"""Screenshots of the page for teachers, for the README and for looking at the layout; asserts nothing.

    python3 tools/screenshots_teach.py [--out DIR] [--site DIR]

- DIR/screenshot-lesson.png: the guided lesson "BP2 and the σ′ factor" answered (the gradient check
  broken in BP2, failing in layer 2 only, and the lesson's check saying so);
- DIR/screenshot-embed.png: a course page on another origin with section 1 embedded in an iframe
  (``?embed=draw``, the site under a sub-path as a project site is), a test digit read;
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


def shoot_embed(browser, site, out, tmp):
    server, url = serve_dir(site.parent)  # the site at /<folder>/, as a project site at /<repo>/
    course = tmp / "course"
    course.mkdir()
    (course / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>Course</title>"
        "<body style='font-family: sans-serif; margin: 24px; background: #fafaf9'>"
        "<h1 style='margin:0 0 4px'>Neural networks · week 1</h1>"
        "<p style='margin:0 0 12px'>Draw a digit below, then press <em>Random test digit</em> a few times: "
        "which digits does the network get wrong?</p>"
        f"<iframe src='{url}{site.name}/?embed=draw' width='900' height='640' title='Draw a digit' "
        "style='border:1px solid #ccc; border-radius:8px'></iframe></body>",
        encoding="utf-8",
    )
    other, course_url = serve_dir(course)
    try:
        page = new_page(browser, viewport={"width": 960, "height": 760})
        page.goto(course_url)
        page.wait_for_function("document.querySelector('iframe').contentWindow !== null")
        frame = next(f for f in page.frames if "embed=draw" in f.url)
        frame.wait_for_function(READY, timeout=180_000)
        frame.click("#draw-random")
        frame.wait_for_function("/^[0-9]$/.test(document.getElementById('draw-guess').textContent)", timeout=60_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / "screenshot-embed.png"))
        page.context.close()
    finally:
        for s in (server, other):
            s.shutdown()
            s.server_close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(".github"))
    parser.add_argument("--site", type=Path, help="a built site (default: build one)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        site = args.site or build_site(tmp / "dist", "self", log=lambda *a: None)
        server, url = serve_dir(site)
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                shoot_lesson(browser, url, args.out)
                shoot_embed(browser, site, args.out, tmp)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    print(f"wrote screenshot-lesson.png, screenshot-embed.png and screenshot-share.png in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
