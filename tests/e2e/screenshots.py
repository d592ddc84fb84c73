"""Screenshots of every view of the page, desktop and phone, after a paired run (cross-entropy vs
quadratic), a drawn digit, an opened hidden unit, an opened confusion cell and the BP1–BP4 views.

    python tests/e2e/screenshots.py [--out DIR] [--site DIR] [--epochs N] [--train-size N]

Writes DIR/screenshot.png and DIR/screenshot-phone.png (the full page, 1280 px wide and 390×844 CSS px
at 2×) and DIR/views/<view>-<desktop|phone>.png for each section. For the README and for looking at
the layout; asserts nothing.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import browser_bench   # same directory: build + serve + Chromium settings

VIEWPORTS = {
    "desktop": dict(viewport={"width": 1280, "height": 900}, device_scale_factor=1),
    "phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True),
}
SECTIONS = ["draw", "model", "train", "curves", "maths", "hidden-units", "confusion"]


def paired_run(page, epochs, train_size):
    page.fill("#train-form [name=epochs]", str(epochs))
    page.fill("#train-form [name=train_size]", str(train_size))
    page.select_option("#pair-vary", "cost")
    page.click("#pair-button")
    page.wait_for_function("window.__chart.runs.length === 2 && document.body.dataset.mode === 'ready'",
                           timeout=900_000)


def draw(page, digit="3"):
    drawn = json.loads((browser_bench.ROOT / "tests" / "data" / "drawn_digits.json").read_text())
    page.click("#draw-clear")
    browser_bench.draw_strokes(page, drawn["digits"][digit], drawn["canvas"])
    page.wait_for_function("window.__draw.idle")


def inside(page):
    page.click('#hidden-grid .tile[data-unit="4"]')
    page.wait_for_selector("#unit-detail .exciting")
    page.click("#confusion-table button[data-true='4'][data-predicted='9']")
    page.wait_for_selector("#confusion-cell figure, #confusion-cell p")
    page.fill("#trace-index", "0")
    page.click("#trace-button")
    page.wait_for_selector("#trace-out .trace-layer")
    page.select_option("#gradcheck-mistake", "bp2-no-sigma-prime")
    page.click("#gradcheck-button")
    page.wait_for_selector("#gradcheck-verdict")
    page.click("#trial-button")
    page.wait_for_selector(".trial-result")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs (default: .)")
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temp dir)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--train-size", type=int, default=10000)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(browser_bench.ROOT))
    import build

    (args.out / "views").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build.build_site(Path(tmp) / "dist", pyodide="self", log=lambda *a: None)
        server, url = build.serve_dir(site)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=browser_bench.CHROMIUM,
                                             args=browser_bench.CHROMIUM_ARGS)
                for name, context_args in VIEWPORTS.items():
                    page = browser.new_context(bypass_csp=True, **context_args).new_page()   # eval'd predicates
                    page.goto(url)
                    page.wait_for_function("window.__app && window.__app.views >= 1", timeout=180_000)
                    paired_run(page, args.epochs, args.train_size)
                    page.select_option("#network-which", "model")
                    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'model'")
                    draw(page)
                    inside(page)
                    page.evaluate("window.scrollTo(0, 0)")
                    full = args.out / ("screenshot.png" if name == "desktop" else "screenshot-phone.png")
                    # sections out of view skip rendering (content-visibility: auto) until scrolled to;
                    # the whole page in one picture is every section as it looks when scrolled to
                    page.add_style_tag(content=".card { content-visibility: visible !important; }")
                    page.screenshot(path=str(full), full_page=True)
                    print(full)
                    for section in SECTIONS:
                        shot = args.out / "views" / f"{section}-{name}.png"
                        page.locator(f"#{section}").screenshot(path=str(shot))
                        print(shot)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
