"""Backpropagation through a convolution and max-pooling on one real digit, in headless Chromium with the
shipped convolutional network: the δ maps and ∂C/∂w kernels the BP view draws show CPython's numbers
under the pointer, the equations name the full convolution with the flipped kernel and pooling's routing;
the gradient check passes over the conv and pool layers and fails for each of their mistakes in the
layers below the one broken; a trial step lowers the digit's cost."""

import re

import numpy as np
import pytest

import backprop
from backprop import trace
from steps import choose_conv, open_views, subset

pytestmark = pytest.mark.e2e


def hover_cell(page, selector, row, col):
    """Point at cell (row, col) of a tiled heat image; the tooltip's number."""
    canvas = page.locator(selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    rows, cols = page.eval_on_selector(selector, "c => [c.height, c.width]")
    canvas.hover(position={"x": (col + 0.5) * box["width"] / cols, "y": (row + 0.5) * box["height"] / rows})
    page.wait_for_selector(".heat-tip:not([hidden])")
    text = page.text_content(".heat-tip")
    return text, float(text.rsplit("=", 1)[1])


def show_trace(page, index):
    page.fill("#trace-index", str(index))
    page.click("#trace-button")
    page.wait_for_function(
        f"document.getElementById('trace-out').dataset.index === '{index}' && "
        "document.getElementById('trace-out').dataset.which === 'conv'"
    )


def test_the_bp_view_shows_delta_maps_and_kernel_gradients_as_cpython(site, open_page):
    x, y = subset(site)
    net = backprop.loads((site.dir / "data/conv-model.json").read_text())
    page = open_views(open_page, site.url)
    choose_conv(page)
    show_trace(page, 7)
    want = trace(net, x[7], y[7])
    conv = want.layers[0]
    c, h, w = conv.shape
    back = '#trace-out .trace-part:last-child .trace-layer[data-l="2"]'
    for row, col in ((h // 2, w // 2), (3, 5)):  # map 0's cells: tile 0 starts at the image's corner
        text, value = hover_cell(page, f'{back} canvas[data-kind="delta"]', row, col)
        assert f"(map 0, row {row}, column {col})" in text
        np.testing.assert_allclose(value, conv.delta.reshape(c, h, w)[0, row, col], rtol=1e-9, atol=1e-15)
    # kernel tiles, k×k with one-cell gaps: a row of input maps per kernel, or a square of kernels when
    # there is one input map (the first layer's)
    c_out, c_in, k, _ = conv.nabla_w.shape
    across = c_in if c_in > 1 else int(np.ceil(np.sqrt(c_out)))
    tile = 1 * c_in + 0  # kernel 1, input map 0
    row, col = (tile // across) * (k + 1) + 2, (tile % across) * (k + 1) + 3
    text, value = hover_cell(page, f'{back} canvas[data-kind="nabla_w"]', row, col)
    assert "(kernel 1, input map 0, row 2, column 3)" in text
    np.testing.assert_allclose(value, conv.nabla_w[1, 0, 2, 3], rtol=1e-6)  # float32 on the wire
    assert page.locator(f'{back} canvas[data-kind="delta"]').get_attribute("data-shape") == f"[{c},{h},{w}]"
    equations = page.text_content("#trace-out")
    if any(layer.kind == "conv2d" for layer in net.layers[1:]):  # BP2 into a convolution's input
        assert "rot180(w" in equations and "flipped kernel" in equations
    assert "routed to each window's maximum" in equations  # BP2 into a pooling layer's input
    assert "correlation of the layer's input" in equations  # BP4 of a convolution
    assert "over the 2×2 window at (2i, 2j)" in equations  # the pooling's window, read off the maps
    # a trial step on the convolutional network: this digit's cost goes down, on a copy
    correct = page.get_attribute("#model-subset-accuracy", "data-correct")
    page.fill("#trial-eta", "0.05")
    page.click("#trial-button")
    page.wait_for_selector(".trial-result")
    before, after = (float(page.get_attribute(".trial-result", f"data-{k}")) for k in ("before", "after"))
    assert after < before
    assert page.get_attribute("#model-subset-accuracy", "data-correct") == correct
    assert page.errors == []


def verdict(page):
    page.wait_for_selector("#gradcheck-verdict")
    return page.evaluate("""() => [document.getElementById('gradcheck-verdict').dataset.ok,
        [...document.querySelectorAll('#gradcheck-out .gc-layer')].map(e => [+e.dataset.l, e.dataset.ok])]""")


def test_the_gradient_check_covers_conv_and_pool_and_fails_for_their_mistakes(site, open_page):
    net = backprop.loads((site.dir / "data/conv-model.json").read_text())
    trainable = [i + 2 for i, layer in enumerate(net.layers) if layer.kind != "maxpool2d"]
    first_conv, pools = trainable[0], [i + 2 for i, layer in enumerate(net.layers) if layer.kind == "maxpool2d"]
    page = open_views(open_page, site.url)
    choose_conv(page)
    page.fill("#trace-index", "3")
    page.click("#gradcheck-button")
    ok, layers = verdict(page)
    assert ok == "true" and [l for l, _ in layers] == trainable
    names = page.eval_on_selector_all(
        f'.gc-layer[data-l="{first_conv}"] td:first-child', "ts => ts.map(t => t.textContent)"
    )
    assert any(re.fullmatch(rf"w\[{first_conv}\]\[\d+, \d+, \d, \d\]", n) for n in names), names  # (o, c, p, q)
    menu = page.eval_on_selector_all("#gradcheck-mistake option", "os => os.map(o => o.value)")
    assert "pool-delta-spread" in menu
    expected = {"pool-delta-spread": [l for l in trainable if l < max(pools)]}
    if any(layer.kind == "conv2d" for layer in net.layers[1:]):
        assert "conv-kernel-not-flipped" in menu
        expected["conv-kernel-not-flipped"] = [l for l in trainable if l < trainable[1]]
    for mistake, failing in expected.items():
        page.evaluate("document.getElementById('gradcheck-out').replaceChildren()")
        page.select_option("#gradcheck-mistake", mistake)
        ok, layers = verdict(page)
        assert ok == "false" and [l for l, good in layers if good == "false"] == failing, (mistake, layers)
    page.evaluate("document.getElementById('gradcheck-out').replaceChildren()")
    page.select_option("#gradcheck-mistake", "none")
    assert verdict(page)[0] == "true"
    assert page.errors == []
