"""Screenshots of the page after two runs (cross-entropy, then quadratic), desktop and phone.

    python tests/e2e/screenshots.py [--out DIR] [--site DIR] [--epochs N] [--train-size N]

Writes DIR/screenshot.png (1280 px wide) and DIR/screenshot-phone.png (390×844 CSS px at 2×), the
full page each. For the README and for looking at the layout; asserts nothing.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import browser_bench   # same directory: build + serve + Chromium settings

VIEWPORTS = {
    "screenshot.png": dict(viewport={"width": 1280, "height": 900}, device_scale_factor=1),
    "screenshot-phone.png": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                 is_mobile=True, has_touch=True),
}


def two_runs(page, epochs, train_size):
    for cost in ("cross-entropy", "quadratic"):
        page.select_option("#train-form [name=cost]", cost)
        page.fill("#train-form [name=epochs]", str(epochs))
        page.fill("#train-form [name=train_size]", str(train_size))
        page.click("#train-button")
        page.wait_for_function("document.body.dataset.mode === 'ready'", timeout=600_000)


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

    args.out.mkdir(parents=True, exist_ok=True)
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
                    page.wait_for_function("window.__app.mode === 'ready'", timeout=180_000)
                    two_runs(page, args.epochs, args.train_size)
                    page.screenshot(path=str(args.out / name), full_page=True)
                    print(args.out / name)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
