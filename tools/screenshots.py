"""Screenshots of the page, for the README and for looking at the layout; asserts nothing.

    python3 tools/screenshots.py [views] [lab] [presets] [layers] [conv] [conv-lab] [--out DIR] [--site DIR]
                                 [--epochs N] [--train-size N] [--bug ID]

Without a name, all six sets; each is desktop (1280 px wide) and phone (390×844 CSS px at 2×):

- views: every view after a paired run (cross-entropy vs quadratic; --epochs, --train-size), a drawn
  digit, an opened hidden unit, an opened confusion cell and the BP1–BP4 views. DIR/screenshot.png and
  DIR/screenshot-phone.png (the full page) and DIR/views/<section>-<desktop|phone>.png.
- lab: section 8 (your own backprop) after a "find the bug" version (--bug) was checked, and the chart
  with a run of the reference backprop. DIR/screenshot-lab.png, DIR/screenshot-lab-phone.png,
  DIR/screenshot-lab-curves.png and DIR/screenshot-lab-curves-phone.png.
- presets: a preset's run with the book beside ours, and the full-MNIST download's progress bar caught
  half-way (the file is served slowly here, ~2 MB/s). DIR/presets.png, DIR/presets-download.png and
  DIR/presets-phone.png. Needs a site built with --full-mnist.
- layers: a paired "sigmoid or ReLU?" run of 784-30-30-30-10 with softmax and the log-likelihood (5
  epochs on 5,000 digits): the curves, chapter 5's speed view, BP1–BP4 of the ReLU run
  with dropout in the step, the gradient check with ReLU's step forgotten, and the lab's ReLU exercise
  with that bug checked. DIR/layers/<section>-<desktop|phone>.png.
- conv: the shipped convolutional network chosen in "Network shown": its kernels as the hidden units, one
  opened, the feature maps of a test digit (--digit) with a pooled map's pixel under the pointer, and
  BP1–BP4 through its layers on that digit with the gradient check failing for pooling's spread δ.
  DIR/conv/<hidden-units|feature-maps|feature-maps-hover|maths>-<desktop|phone>.png.
- conv-lab: the lab's chapter 6 layer exercises: the convolution's backward pass passing (the reference),
  then with its kernel not flipped, and max-pooling's with ties sent to the last maximum, each checked.
  DIR/lab-conv/<conv-pass|conv-bug|pool-bug>-<desktop|phone>.png.

Without --site, a site is built into a temporary folder (self-hosted Pyodide: PYODIDE_DIR or the
download cache): one without the full MNIST for views and lab, as the page is usually built, and one
with it for presets (MNIST from MNIST_DIR or the download cache).
"""

import argparse
import functools
import http.server
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_page import ROOT, draw_strokes  # tools/ (this script's folder): the mouse on the pad
from chromium import launch  # the browser's settings
from sitebuild.assemble import build_site  # and build.py's parts
from sitebuild.data import FULL_DATA_NAME
from sitebuild.serve import SiteHandler, serve_dir

SETS = ("views", "lab", "presets", "layers", "conv", "conv-lab")
DESKTOP = dict(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)


def new_page(browser, context_args):
    """A page in a fresh context. Playwright runs string predicates (wait_for_function) through eval,
    which the page's CSP forbids: the pictures bypass the CSP (it changes nothing they show)."""
    return browser.new_context(bypass_csp=True, **context_args).new_page()


# -- views ---------------------------------------------------------------------------------------------
SECTIONS = ["draw", "model", "train", "curves", "maths", "hidden-units", "feature-maps", "confusion"]


def paired_run(page, epochs, train_size):
    page.fill("#train-form [name=epochs]", str(epochs))
    page.fill("#train-form [name=train_size]", str(train_size))
    page.select_option("#pair-vary", "cost")
    page.click("#pair-button")
    page.wait_for_function(
        "window.__chart.runs.length === 2 && document.body.dataset.mode === 'ready'", timeout=900_000
    )


def draw(page, digit="3"):
    drawn = json.loads((ROOT / "tests" / "data" / "drawn_digits.json").read_text())
    page.click("#draw-clear")
    draw_strokes(page, drawn["digits"][digit], drawn["canvas"])
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


def shoot_views(browser, url, out, args):
    (out / "views").mkdir(parents=True, exist_ok=True)
    for name, context_args in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, context_args)
        page.goto(url)
        page.wait_for_function("window.__app && window.__app.views >= 1", timeout=180_000)
        paired_run(page, args.epochs, args.train_size)
        page.select_option("#network-which", "model")
        page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'model'")
        draw(page)
        inside(page)
        page.evaluate("window.scrollTo(0, 0)")
        full = out / ("screenshot.png" if name == "desktop" else "screenshot-phone.png")
        # sections out of view skip rendering (content-visibility: auto) until scrolled to;
        # the whole page in one picture is every section as it looks when scrolled to
        page.add_style_tag(content=".card { content-visibility: visible !important; }")
        page.screenshot(path=str(full), full_page=True)
        print(full)
        for section in SECTIONS:
            shot = out / "views" / f"{section}-{name}.png"
            page.locator(f"#{section}").screenshot(path=str(shot))
            print(shot)


# -- lab -----------------------------------------------------------------------------------------------
def lab_session(page, reference, bug):
    page.wait_for_function("window.__lab && window.__lab.ready", timeout=180_000)
    page.fill("#train-form [name=epochs]", "3")
    page.fill("#train-form [name=train_size]", "2000")
    page.evaluate(f"localStorage.setItem('backprop-lab-code', {json.dumps(reference)})")
    page.reload()
    page.wait_for_function("window.__lab && window.__lab.ready", timeout=180_000)
    page.click("#lab-train")
    page.wait_for_function(
        "!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'", timeout=600_000
    )
    page.select_option("#lab-bug", bug)
    page.click("#lab-load-bug")
    page.click("#lab-check")
    page.wait_for_function(
        "!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'", timeout=600_000
    )


def shoot_lab(browser, url, out, args):
    sys.path.insert(0, str(ROOT / "py"))
    from backprop.lab import backprop_texts as lab_bugs

    out.mkdir(parents=True, exist_ok=True)
    for name, context_args in (("screenshot-lab.png", DESKTOP), ("screenshot-lab-phone.png", PHONE)):
        page = new_page(browser, context_args)
        page.goto(url)
        lab_session(page, lab_bugs.REFERENCE, args.bug)
        page.add_style_tag(content=".network-bar { position: static; }")  # not over the shot
        for section, png in (("#lab", name), ("#curves", name.replace("lab", "lab-curves"))):
            page.locator(section).screenshot(path=str(out / png))
            print(out / png)


# -- layers --------------------------------------------------------------------------------------------
LAYERS_RUN = {"hidden": "30,30,30", "epochs": "5", "train_size": "5000", "seed": "1", "eta": "0.1"}


def layers_session(page):
    for name, value in LAYERS_RUN.items():
        page.fill(f"#train-form [name={name}]", value)
    page.select_option("#train-form [name=cost]", "log-likelihood")
    page.select_option("#pair-vary", "activation")  # A sigmoid, B (the latest run, shown below) ReLU
    page.click("#pair-button")
    page.wait_for_function(
        "window.__chart.runs.length === 2 && document.body.dataset.mode === 'ready'", timeout=900_000
    )
    page.select_option("#network-which", "trained")
    page.fill("#trace-index", "0")
    page.fill("#trace-dropout", "0.5")
    page.click("#trace-button")
    page.wait_for_selector("#trace-out .trace-layer")
    page.click("#gradcheck-button")  # the first check fills the menu with the mistakes that reach this network
    page.wait_for_selector("#gradcheck-verdict")
    page.select_option("#gradcheck-mistake", "relu-step-forgotten")  # and a change checks again
    page.wait_for_selector("#gradcheck-out:not([data-busy]) #gradcheck-verdict[data-ok=false]")
    page.wait_for_function("window.__lab && window.__lab.ready", timeout=180_000)
    page.select_option("#lab-exercise", "relu")
    page.select_option("#lab-bug", "relu-step-forgotten")
    page.click("#lab-load-bug")
    page.click("#lab-check")
    page.wait_for_function(
        "!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'", timeout=600_000
    )


def shoot_layers(browser, url, out, args):
    (out / "layers").mkdir(parents=True, exist_ok=True)
    for name, context_args in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, context_args)
        page.goto(url)
        page.wait_for_function("window.__app && window.__app.views >= 1", timeout=180_000)
        layers_session(page)
        page.add_style_tag(content=".network-bar { position: static; }")  # not over the shots
        page.select_option("#speed-run", index=0)  # run A, sigmoid: the vanishing gradient
        for section in ("train", "curves", "maths", "lab"):
            shot = out / "layers" / f"{section}-{name}.png"
            page.locator(f"#{section}").screenshot(path=str(shot))
            print(shot)


# -- conv ----------------------------------------------------------------------------------------------
def shoot_conv(browser, url, out, args):
    (out / "conv").mkdir(parents=True, exist_ok=True)
    for name, context_args in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, context_args)
        page.goto(url)
        page.wait_for_function("window.__app && window.__app.views >= 1", timeout=180_000)
        page.select_option("#network-which", "conv")
        page.wait_for_function("document.getElementById('hidden-grid').dataset.kind === 'conv2d'", timeout=120_000)
        page.add_style_tag(content=".network-bar { position: static; }")  # not over the shots
        page.click('#hidden-grid .tile[data-unit="3"]')
        page.wait_for_selector('#unit-detail .exciting[data-unit="3"]')
        page.fill("#fmaps-index", str(args.digit))
        page.click("#fmaps-button")
        page.wait_for_function(f"document.getElementById('fmaps-out').dataset.index === '{args.digit}'")
        shot = out / "conv" / f"hidden-units-{name}.png"
        page.locator("#hidden-units").screenshot(path=str(shot))
        print(shot)
        pixel = page.locator('#fmaps-out .fmaps-stage[data-l="3"] canvas[data-channel="3"]')
        pixel.scroll_into_view_if_needed()
        box = pixel.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
        page.wait_for_selector(".value-tip:not([hidden])")
        shot = out / "conv" / f"feature-maps-hover-{name}.png"
        page.screenshot(path=str(shot))  # the window as it is: the tooltip stays under the pointer
        print(shot)
        shot = out / "conv" / f"feature-maps-{name}.png"
        page.locator("#feature-maps").screenshot(path=str(shot))
        print(shot)
        # BP1–BP4 through the convolutions and the pooling on the same digit, a δ cell under the pointer,
        # and the gradient check with pooling's δ spread over its windows
        page.fill("#trace-index", str(args.digit))
        page.click("#trace-button")
        page.wait_for_function(f"document.getElementById('trace-out').dataset.index === '{args.digit}'")
        page.click("#gradcheck-button")
        page.wait_for_selector("#gradcheck-verdict")
        page.evaluate("document.getElementById('gradcheck-out').replaceChildren()")
        page.select_option("#gradcheck-mistake", "pool-delta-spread")
        page.wait_for_selector("#gradcheck-verdict", timeout=120_000)
        delta = page.locator('#trace-out .trace-part:last-child .trace-layer[data-l="2"] canvas[data-kind="delta"]')
        delta.scroll_into_view_if_needed()
        box = delta.bounding_box()
        delta.hover(position={"x": box["width"] * 0.2, "y": box["height"] * 0.15})
        shot = out / "conv" / f"maths-{name}.png"
        page.locator("#maths").screenshot(path=str(shot))
        print(shot)


# -- conv-lab: the layer exercises --------------------------------------------------------------------
def check_in_lab(page):
    page.click("#lab-check")
    page.wait_for_function(
        "!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'", timeout=600_000
    )


def shoot_conv_lab(browser, url, out, args):
    sys.path.insert(0, str(ROOT / "py"))
    from backprop.lab import conv_texts

    (out / "lab-conv").mkdir(parents=True, exist_ok=True)
    for name, context_args in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, context_args)
        page.goto(url)
        page.wait_for_function("window.__lab && window.__lab.ready", timeout=180_000)
        # the convolution exercise open on its reference, as a learner who got it right left it
        page.evaluate(
            "code => { localStorage.setItem('backprop-lab-exercise', 'conv'); "
            "localStorage.setItem('backprop-lab-code-conv', code); }",
            conv_texts.REFERENCE,
        )
        page.reload()
        page.wait_for_function("window.__lab && window.__lab.ready", timeout=180_000)
        page.add_style_tag(content=".network-bar { position: static; }")  # not over the shots
        for key, bug, png in (("conv", None, "conv-pass"), ("conv", "conv-kernel-not-flipped", "conv-bug"),
                              ("pool", "pool-last-maximum", "pool-bug")):  # fmt: skip
            if page.input_value("#lab-exercise") != key:
                page.select_option("#lab-exercise", key)
            if bug is not None:
                page.select_option("#lab-bug", bug)
                page.click("#lab-load-bug")
            check_in_lab(page)
            shot = out / "lab-conv" / f"{png}-{name}.png"
            page.locator("#lab").screenshot(path=str(shot))
            print(shot)


# -- presets -------------------------------------------------------------------------------------------
class SlowHandler(SiteHandler):
    """The site, with mnist-full.npz trickled out at ~2 MB/s."""

    def copyfile(self, source, outputfile):
        if not self.path.endswith(FULL_DATA_NAME):
            return super().copyfile(source, outputfile)
        while chunk := source.read(64 * 1024):
            outputfile.write(chunk)
            time.sleep(0.03)


def train_preset(page, preset):
    page.select_option("#preset-select", preset)
    page.click("#train-button")
    page.wait_for_function("document.body.dataset.mode === 'training'")
    page.wait_for_function("document.body.dataset.mode === 'ready'", timeout=600_000)


def shoot_presets(browser, site, out):
    """Served by SlowHandler, not serve_dir: the download must be slow enough to be caught half-way."""
    out.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SlowHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for name, context_args in (("presets.png", DESKTOP), ("presets-phone.png", PHONE)):
            page = new_page(browser, context_args)
            page.goto(url)
            page.wait_for_function("document.body.dataset.mode === 'ready'", timeout=120_000)
            train_preset(page, "ch3-init-large")
            train_preset(page, "ch3-init-default")
            if name == "presets.png":
                page.check('input[name="data"][value="full"]')
                page.wait_for_function(
                    "window.__presets.progress.length > 0 && "
                    "window.__presets.progress.at(-1).received > 0.4 * window.__presets.progress.at(-1).total"
                )
                page.locator("#train").screenshot(path=str(out / "presets-download.png"))
                print(out / "presets-download.png")
                page.wait_for_function("window.__presets.data === 'full'", timeout=120_000)
            page.locator("#train").screenshot(path=str(out / name))
            print(out / name)
    finally:
        server.shutdown()
        server.server_close()


# -- the command ---------------------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "sets", nargs="*", metavar="{views,lab,presets,layers,conv,conv-lab}", help="which pictures (default: all)"
    )
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs (default: .)")
    parser.add_argument("--site", type=Path, help="a built site (default: build one into a temp dir)")
    parser.add_argument("--epochs", type=int, default=10, help="views: epochs of the paired run (default 10)")
    parser.add_argument("--train-size", type=int, default=10000, help="views: its training digits (default 10000)")
    parser.add_argument("--bug", default="bp2-no-sigma-prime", help="lab: the version checked")
    parser.add_argument("--digit", type=int, default=0, help="conv: the test digit whose maps are shown")
    args = parser.parse_args(argv)
    unknown = [s for s in args.sets if s not in SETS]
    if unknown:  # (choices= with nargs="*" refuses an empty list on Python 3.11)
        parser.error(f"unknown set {', '.join(map(repr, unknown))}: choose from {', '.join(SETS)}")
    wanted = [s for s in SETS if s in args.sets or not args.sets]
    if args.site and "presets" in wanted and not (args.site / "data" / FULL_DATA_NAME).is_file():
        parser.error(f"presets need a site built with --full-mnist ({args.site} has no data/{FULL_DATA_NAME})")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        built = {}

        def site(full):
            if args.site:
                return args.site
            if full not in built:
                built[full] = build_site(
                    Path(tmp) / ("full" if full else "plain") / "dist",
                    pyodide="self",
                    full_mnist=full,
                    log=lambda *a: None,
                )
            return built[full]

        with sync_playwright() as pw:
            browser = launch(pw)
            try:
                shooters = {
                    "views": shoot_views,
                    "lab": shoot_lab,
                    "layers": shoot_layers,
                    "conv": shoot_conv,
                    "conv-lab": shoot_conv_lab,
                }
                for which, shoot in shooters.items():
                    if which in wanted:
                        server, url = serve_dir(site(full=False))
                        try:
                            shoot(browser, url, args.out, args)
                        finally:
                            server.shutdown()
                            server.server_close()
                if "presets" in wanted:
                    shoot_presets(browser, site(full=True), args.out)
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
