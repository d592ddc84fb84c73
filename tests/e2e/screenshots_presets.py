"""Screenshots of the presets: a preset's run with the book beside ours, and the full-MNIST download's
progress bar caught half-way (the file is served slowly here, ~2 MB/s), desktop and phone.

    python tests/e2e/screenshots_presets.py --site DIST [--out DIR]

DIST must be built with --full-mnist. Writes DIR/presets.png, DIR/presets-download.png and
DIR/presets-phone.png. For looking at the layout; asserts nothing.
"""

import argparse
import functools
import http.server
import sys
import threading
import time
from pathlib import Path

import browser_bench   # same directory: Chromium settings; build.py is on its path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import build  # noqa: E402


class SlowHandler(build.SiteHandler):
    """The site, with mnist-full.npz trickled out at ~2 MB/s."""

    def copyfile(self, source, outputfile):
        if not self.path.endswith("mnist-full.npz"):
            return super().copyfile(source, outputfile)
        while chunk := source.read(64 * 1024):
            outputfile.write(chunk)
            time.sleep(0.03)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright
    handler = functools.partial(SlowHandler, directory=str(args.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_bench.CHROMIUM, args=browser_bench.CHROMIUM_ARGS)
        for name, ctx in (("presets.png", dict(viewport={"width": 1280, "height": 900})),
                          ("presets-phone.png", dict(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                                     is_mobile=True, has_touch=True))):
            page = browser.new_context(**ctx).new_page()
            page.goto(url)
            page.wait_for_function("document.body.dataset.mode === 'ready'", timeout=120_000)
            page.select_option("#preset-select", "ch3-init-large")
            page.click("#train-button")
            page.wait_for_function("document.body.dataset.mode === 'training'")
            page.wait_for_function("document.body.dataset.mode === 'ready'", timeout=600_000)
            page.select_option("#preset-select", "ch3-init-default")
            page.click("#train-button")
            page.wait_for_function("document.body.dataset.mode === 'training'")
            page.wait_for_function("document.body.dataset.mode === 'ready'", timeout=600_000)
            if name == "presets.png":
                page.check('input[name="data"][value="full"]')
                page.wait_for_function("window.__presets.progress.length > 0 && "
                                       "window.__presets.progress.at(-1).received > 0.4 * window.__presets.progress.at(-1).total")
                page.locator("#train").screenshot(path=str(args.out / "presets-download.png"))
                page.wait_for_function("window.__presets.data === 'full'", timeout=120_000)
            page.locator("#train").screenshot(path=str(args.out / name))
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
