"""A convolutional network's views in real headless Chromium, checked against CPython on the same files:
the hidden units as the first convolution's kernels (their weights on the tiles, in their colours, a
number under the pointer and under the keyboard's cursor, a kernel's digits those whose feature map
peaks highest), and the feature maps of a test digit after each convolution and each pooling."""

import numpy as np
import pytest

import backprop
from backprop.explain import feature_maps, units
from steps import VIEWS_DONE, open_views, subset

pytestmark = pytest.mark.e2e

TIP = ".value-tip"


def choose_conv(page):
    done = page.evaluate(VIEWS_DONE)
    page.select_option("#network-which", "conv")
    page.wait_for_function(f"{VIEWS_DONE} > {done}", timeout=60_000)
    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'conv'")


def conv_model(site):
    return backprop.loads((site.dir / "data/conv-model.json").read_text())


def values(page, selector):
    return page.eval_on_selector_all(selector, "cs => cs.map(c => JSON.parse(c.dataset.values))")


def tip_number(page):
    page.wait_for_selector(f"{TIP}:not([hidden])")
    text = page.text_content(TIP)
    return text, float(text.rsplit("=", 1)[1])


def hover_cell(page, selector, row, col):
    """The pointer over cell (row, col) of a canvas: its middle, in CSS pixels."""
    canvas = page.locator(selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    size = page.eval_on_selector(selector, "c => [c.width, c.height]")
    # relative to the canvas where it is when the pointer moves: sections scrolled into view take their
    # real height (content-visibility) and may shift it after bounding_box()
    canvas.hover(position={"x": (col + 0.5) * box["width"] / size[0], "y": (row + 0.5) * box["height"] / size[1]})


def test_hidden_units_of_the_conv_network_are_its_kernels(site, open_page):
    net = conv_model(site)
    w = net.weights[0]  # (c_out, 1, k, k)
    c_out, _, k, _ = w.shape
    page = open_views(open_page, site.url)
    choose_conv(page)
    page.wait_for_function(
        "(() => { const g = document.getElementById('hidden-grid');"
        " return g.dataset.which === 'conv' && g.dataset.kind === 'conv2d'; })()"
    )
    assert page.locator("#hidden-grid .tile").count() == c_out
    shown = np.array(values(page, "#hidden-grid .tile canvas"))
    np.testing.assert_array_equal(shown, w.reshape(c_out, -1).astype(np.float32))  # the weights, as float32
    q, scale = units.quantise_symmetric(w, quantile=units.CLIP_QUANTILE)
    rgba = np.array(
        page.eval_on_selector(
            '#hidden-grid .tile[data-unit="2"] canvas',
            "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)",
        )
    ).reshape(k * k, 4)
    expected = page.evaluate(
        "async (qs) => { const m = await import('./js/render/colormap.js'); return qs.map((q) => m.divergingQ(q)); }",
        q[2].ravel().tolist(),
    )
    np.testing.assert_array_equal(rgba[:, :3], np.array(expected))  # in exactly the weights' colours
    assert float(page.get_attribute("#hidden-scale .colour-bar", "data-scale")) == pytest.approx(scale, rel=1e-6)
    assert "kernels of the first convolution" in page.text_content("#hidden-caption")
    # a later convolution: one row of c_in tiles per feature map; a dense layer: a matrix, as for any later layer
    later = [layer for layer in net.layers[1:] if layer.kind != "maxpool2d"]
    dense, convs = [ly for ly in later if ly.kind == "dense"], [ly for ly in later if ly.kind == "conv2d"]
    assert page.locator("#hidden-later .matrix canvas").count() == len(dense)
    assert page.locator("#hidden-later .kernel-rows").count() == len(convs)
    for conv in convs:
        assert page.locator("#hidden-later .kernel-rows canvas[data-row]").count() == conv.filters

    # the pointer on a weight shows its number
    hover_cell(page, '#hidden-grid .tile[data-unit="2"] canvas', 1, 3)
    text, number = tip_number(page)
    assert text.startswith("w² kernel 2, row 1, column 3 = ") and number == pytest.approx(w[2, 0, 1, 3], rel=1e-3)
    page.mouse.move(0, 0)
    # ... and so does the keyboard: a focused tile's cursor, moved by the arrow keys
    page.focus('#hidden-grid .tile[data-unit="4"]')
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    text, number = tip_number(page)
    assert text.startswith("w² kernel 4, row 1, column 2 = ") and number == pytest.approx(w[4, 0, 1, 2], rel=1e-3)

    # Enter on a kernel: the test digits on which its feature map fires most, as CPython finds them
    x, _ = subset(site)
    page.keyboard.press("Enter")
    page.wait_for_selector('#unit-detail .exciting[data-unit="4"]')
    shown = page.eval_on_selector_all("#unit-detail .exciting figure", "fs => fs.map(f => +f.dataset.index)")
    assert shown == units.most_exciting(net, x, 4, 8)[0].tolist()
    assert page.text_content("#unit-detail h3") == "Feature map 4"
    assert page.errors == []


def test_feature_maps_of_a_test_digit_are_cpythons(site, open_page):
    net = conv_model(site)
    x, y = subset(site)
    page = open_views(open_page, site.url)
    # the shipped dense network: the view says what it is for
    page.wait_for_function("document.getElementById('fmaps-out').dataset.state === 'not-conv'")
    assert "convolutional network" in page.text_content("#fmaps-note") and page.is_visible("#fmaps-note")
    choose_conv(page)
    page.wait_for_function("document.getElementById('fmaps-out').dataset.state === 'shown'")  # digit 0 at once
    index = 37
    page.fill("#fmaps-index", str(index))
    page.click("#fmaps-button")
    page.wait_for_function(f"document.getElementById('fmaps-out').dataset.index === '{index}'")
    stages = feature_maps.feature_maps(net, x[index])
    kinds = page.eval_on_selector_all("#fmaps-out .fmaps-stage", "ss => ss.map(s => [+s.dataset.l, s.dataset.kind])")
    assert kinds == [[s.layer + 2, s.kind] for s in stages] and kinds[:2] == [[2, "conv2d"], [3, "maxpool2d"]]
    for l, stage in zip([k[0] for k in kinds], stages):
        shown = np.array(values(page, f'#fmaps-out .fmaps-stage[data-l="{l}"] canvas'))
        c, h, w = stage.maps.shape
        assert shown.shape == (c, h * w)
        np.testing.assert_allclose(shown, stage.maps.reshape(c, -1), rtol=1e-6, atol=1e-6)
    assert f"Test digit #{index} (a {y[index]})" in page.text_content("#fmaps-out .fmaps-summary")
    assert "2×2 windows" in page.text_content('#fmaps-out .fmaps-stage[data-l="3"] h4')

    # the pointer on a pixel of the pooled map 5 shows its number
    pooled = stages[1].maps
    i, j = np.unravel_index(np.argmax(pooled[5]), pooled[5].shape)
    hover_cell(page, '#fmaps-out .fmaps-stage[data-l="3"] canvas[data-channel="5"]', i, j)
    text, number = tip_number(page)
    assert text.startswith(f"layer 3, map 5, row {i}, column {j} = ")
    assert number == pytest.approx(pooled[5, i, j], rel=1e-3) and number > 0
    assert page.errors == []
