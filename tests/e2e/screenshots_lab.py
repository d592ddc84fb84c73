"""Screenshots of section 8 (your own backprop), desktop and phone: a "find the bug" version checked, and
a run with the reference backprop on the chart.

    python tests/e2e/screenshots_lab.py [--out DIR] [--site DIR]

Writes DIR/screenshot-lab.png (1280 px wide) and DIR/screenshot-lab-phone.png (390 px at 2×): the
lab's section; and screenshot-lab-curves*.png: the chart with the learner's run. For the README and for looking at the layout; asserts
nothing.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import browser_bench   # same directory: build + serve + Chromium settings

VIEWPORTS = {
    "screenshot-lab.png": dict(viewport={"width": 1280, "height": 900}, device_scale_factor=1),
    "screenshot-lab-phone.png": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                     is_mobile=True, has_touch=True),
}


def lab_session(page, reference, bug):
    page.wait_for_function("window.__lab && window.__lab.ready", timeout=180_000)
    page.fill("#train-form [name=epochs]", "3")
    page.fill("#train-form [name=train_size]", "2000")
    page.evaluate(f"localStorage.setItem('backprop-lab-code', {json.dumps(reference)})")
    page.reload()
    page.wait_for_function("window.__lab && window.__lab.ready", timeout=180_000)
    page.click("#lab-train")
    page.wait_for_function("!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'",
                           timeout=600_000)
    page.select_option("#lab-bug", bug)
    page.click("#lab-load-bug")
    page.click("#lab-check")
    page.wait_for_function("!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'",
                           timeout=600_000)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs (default: .)")
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temp dir)")
    parser.add_argument("--bug", default="bp2-no-sigma-prime")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(browser_bench.ROOT))
    sys.path.insert(0, str(browser_bench.ROOT / "py"))
    import build
    from backprop.lab import backprop_texts as lab_bugs

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or build.build_site(Path(tmp) / "dist", pyodide="self", log=lambda *a: None)
        server, url = build.serve_dir(site)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=browser_bench.CHROMIUM,
                                             args=browser_bench.CHROMIUM_ARGS)
                for name, context_args in VIEWPORTS.items():
                    page = browser.new_context(**context_args).new_page()
                    page.goto(url)
                    lab_session(page, lab_bugs.REFERENCE, args.bug)
                    page.add_style_tag(content=".network-bar { position: static; }")   # not over the shot
                    for section, png in (("#lab", name), ("#curves", name.replace("lab", "lab-curves"))):
                        page.locator(section).screenshot(path=str(args.out / png))
                        print(args.out / png)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
