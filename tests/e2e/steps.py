"""The steps the browser tests share: what the page is doing, a run started from the form, the run
list drawn on the chart, the site's test digits as CPython reads them. Plain functions over a
Playwright page (the fixtures, the site and the browser, are conftest.py's)."""

import io

import numpy as np

READY_TIMEOUT_MS = 120_000  # a cold Pyodide start on a slow CI machine, with margin
STATUS = "document.getElementById('status').dataset.state"
MODE = "document.body.dataset.mode"
VIEWS_DONE = "window.__app.views"
# pixels of a canvas within 40 of a colour in each channel: a run's curve drawn in its colour
COUNT_COLOUR = """([id, hex]) => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - r) < 40 && Math.abs(d[i + 1] - g) < 40 && Math.abs(d[i + 2] - b) < 40 && d[i + 3] > 200) n++;
  }
  return n;
}"""


FORM_SELECTS = ("activation", "cost", "output", "weight_init", "regularization", "expand")  # the form's <select>s


def fill(page, **params):
    """Set the form's fields (a <select> by its option's value, the rest typed)."""
    for name, value in params.items():
        if name in FORM_SELECTS:
            page.select_option(f"#train-form [name={name}]", value)
        else:
            page.fill(f"#train-form [name={name}]", value)


def train(page, **fields):
    """Fill the form's fields and press Train; returns once the run is on the chart."""
    for name, value in fields.items():
        page.fill(f"#train-form [name={name}]", str(value))
    started = page.evaluate("window.__chart.runs.length")
    page.click("#train-button")
    # the run is on the chart from its first moment; a short one can be over before a poll of the
    # page's mode would see "training"
    page.wait_for_function(f"window.__chart.runs.length > {started}")


def wait_idle(page, timeout=120_000):
    page.wait_for_function(f"{MODE} === 'ready'", timeout=timeout)


def chart(page):
    return page.evaluate("window.__chart")


def subset(site):
    """The site's test digits, (x floats in [0, 1], y ints), as CPython reads the file the page fetched."""
    with np.load(io.BytesIO((site.dir / "data/mnist-subset.npz").read_bytes()), allow_pickle=False) as npz:
        return npz["x_test"] / 255.0, npz["y_test"].astype(np.int64)


def open_views(open_page, url, **kw):
    """The page, once every view has shown the model."""
    page = open_page(url, **kw)
    page.wait_for_function(f"{VIEWS_DONE} >= 1", timeout=60_000)
    return page


def wait_status(page, timeout=120_000):
    page.wait_for_function("document.getElementById('status').dataset.state !== 'loading'", timeout=timeout)
    return page.text_content("#status-text")


def wait_ready(page, timeout=180_000):
    page.wait_for_function(f"{MODE} === 'ready'", timeout=timeout)


def choose_conv(page):
    """Show the shipped convolutional network (fetched when first chosen) in every view."""
    done = page.evaluate(VIEWS_DONE)
    page.select_option("#network-which", "conv")
    page.wait_for_function(f"{VIEWS_DONE} > {done}", timeout=60_000)
    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'conv'")
