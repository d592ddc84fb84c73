"""Chapter 6 in the page, in real headless Chromium, asserting on what is shown: the shipped
convolutional network is fetched only when "Network shown" chooses it, reads the page's test digits as
CPython reads them from the same file, and reads the ten digits drawn with the mouse."""

import numpy as np
import pytest

import backprop
from bench_page import draw_strokes
from drawing import load_drawn_digits
from steps import choose_conv, open_views, subset

pytestmark = pytest.mark.e2e


def guess(page):
    page.wait_for_function("window.__draw.idle && document.getElementById('draw-guess').dataset.digit !== undefined")
    return int(page.get_attribute("#draw-guess", "data-digit"))


def test_the_conv_network_is_fetched_when_chosen_and_reads_like_cpython(site, open_page):
    x, y = subset(site)
    net = backprop.loads((site.dir / "data/conv-model.json").read_text())
    page = open_views(open_page, site.url)
    fetched = []
    page.on("request", lambda r: fetched.append(r.url))
    page.wait_for_timeout(500)
    assert not [u for u in fetched if "conv-model" in u]  # not before it is chosen
    choose_conv(page)
    assert [u for u in fetched if "conv-model.json" in u]  # fetched (gzipped) when chosen
    correct = int(np.sum(np.argmax(net.feedforward(x), axis=1) == y))
    shown = page.get_attribute("#model-subset-accuracy", "data-correct")
    assert int(shown) == correct, (shown, correct)
    sizes = page.text_content("#model-sizes")
    assert sizes.startswith("1×28×28 → conv ") and "max-pool 2×2" in sizes and sizes.endswith("10, softmax"), sizes
    assert page.text_content("#model-cost") == "log-likelihood"
    # the strip's guesses are CPython's on the same digits
    strip = page.eval_on_selector_all("#strip figure", "fs => fs.map(f => +f.dataset.prediction)")
    expected = np.argmax(net.feedforward(x[: len(strip)]), axis=1).tolist()
    assert strip == expected
    assert page.errors == []


def test_the_conv_network_reads_the_drawn_digits(site, open_page):
    drawn = load_drawn_digits()
    page = open_views(open_page, site.url)
    choose_conv(page)
    read = {}
    for digit, strokes in sorted(drawn["digits"].items()):
        page.click("#draw-clear")
        draw_strokes(page, strokes, drawn["canvas"])
        read[int(digit)] = guess(page)
    right = sum(read[d] == d for d in read)
    print(f"drawn digits read by the convolutional network: {read} ({right}/10 right)")
    assert right == 10, read
    assert page.errors == []
