"""The views that show inside the network — draw a digit, hidden units, the confusion matrix, model
files in and out — in real headless Chromium, each checked against CPython on the same files."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import backprop
from backprop.explain import metrics, units
from bench_page import (
    draw_strokes,  # the mouse on the pad, as the bench and the screenshots draw
)
from ci_support import ROOT
from drawing import load_drawn_digits
from steps import VIEWS_DONE, open_views, subset, train, wait_idle

pytestmark = pytest.mark.e2e


def refreshed(page, after):
    page.wait_for_function(f"{VIEWS_DONE} > {after}", timeout=60_000)


def guess(page):
    page.wait_for_function("window.__draw.idle && document.getElementById('draw-guess').dataset.digit !== undefined")
    return page.eval_on_selector("#draw-guess", "e => [+e.dataset.digit, JSON.parse(e.dataset.outputs)]")


def test_digits_drawn_with_the_mouse_are_read(site, open_page):
    drawn = load_drawn_digits()
    page = open_views(open_page, site.url)
    assert page.get_attribute("#draw-pad", "aria-label").startswith("draw")
    read = {}
    for digit, strokes in sorted(drawn["digits"].items()):
        page.click("#draw-clear")
        assert page.text_content("#draw-guess") == "?"
        draw_strokes(page, strokes, drawn["canvas"])
        read[int(digit)], outputs = guess(page)
        assert len(outputs) == 10 and read[int(digit)] == int(np.argmax(outputs))
    right = sum(read[d] == d for d in read)
    print(f"drawn digits read: {read} ({right}/10 right)")
    assert right >= 8, read
    # what the network saw: a 28×28 preview with ink in it
    ink = page.evaluate("""() => { const c = document.getElementById('draw-preview');
        const d = c.getContext('2d').getImageData(0, 0, 28, 28).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return [c.width, n]; }""")
    assert ink[0] == 28 and 30 < ink[1] < 500
    latencies = page.evaluate("window.__draw.latencies")
    print(f"drawn-digit latency: median {np.median(latencies):.1f} ms over {len(latencies)} predictions")
    assert page.errors == []


def test_random_test_digit_is_read_like_cpython(site, open_page):
    x, y = subset(site)
    net = backprop.loads((site.dir / "data/model.json").read_text())
    page = open_views(open_page, site.url)
    page.focus("#draw-random")
    page.keyboard.press("Enter")  # the keyboard's way in
    page.wait_for_function("document.getElementById('draw-note').textContent.includes('test digit #')")
    digit, outputs = guess(page)
    index = int(page.text_content("#draw-note").split("#")[1].split(",")[0])
    np.testing.assert_allclose(outputs, net.feedforward(x[index])[0], atol=1e-6)
    assert digit == int(net.predict(x[index])[0])


def tile_pixels(page, unit):
    return page.evaluate(
        """(unit) => { const c = document.querySelector(`#hidden-grid .tile[data-unit="${unit}"] canvas`);
        return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data); }""",
        unit,
    )


def test_hidden_unit_tiles_show_the_weights(site, open_page):
    net = backprop.loads((site.dir / "data/model.json").read_text())
    page = open_views(open_page, site.url)
    n_hidden = net.sizes[1]
    assert page.locator("#hidden-grid .tile").count() == n_hidden
    assert page.get_attribute("#hidden-grid", "data-units") == str(n_hidden)
    q, scale = units.quantise_symmetric(net.weights[0], quantile=units.CLIP_QUANTILE)
    for unit in (0, n_hidden // 2, n_hidden - 1):
        rgba = np.array(tile_pixels(page, unit)).reshape(784, 4)
        assert len({tuple(p) for p in rgba[:, :3]}) > 20  # a picture, not a flat tile
        expected = page.evaluate(
            """async (qs) => { const m = await import('./js/render/colormap.js');
            return qs.map((q) => m.divergingQ(q)); }""",
            q[unit].tolist(),
        )
        np.testing.assert_array_equal(rgba[:, :3], np.array(expected))  # exactly the weights' colours
    assert float(page.get_attribute("#hidden-scale .colour-bar", "data-scale")) == pytest.approx(scale, rel=1e-6)
    # the later layer, as a matrix
    assert page.locator("#hidden-later canvas").count() == len(net.sizes) - 2

    # Enter on a tile: it opens large, with the 8 test digits that excite it most (as CPython finds them)
    x, _ = subset(site)
    page.focus('#hidden-grid .tile[data-unit="3"]')
    page.keyboard.press("Enter")
    page.wait_for_selector('#unit-detail .exciting[data-unit="3"]')
    shown = page.eval_on_selector_all("#unit-detail .exciting figure", "fs => fs.map(f => +f.dataset.index)")
    assert shown == units.most_exciting(net, x, 3, 8)[0].tolist()
    assert page.errors == []


def test_hidden_units_follow_a_run_epoch_by_epoch(site, open_page):
    page = open_views(open_page, site.url)
    page.evaluate("""() => { window.__tiles = [];
        const grid = document.getElementById('hidden-grid');
        const seen = () => { if (grid.dataset.which !== 'trained' || !grid.firstChild) return;
            const c = grid.firstChild.firstChild; const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
            let h = 0; for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]) >>> 0;
            if (window.__tiles[window.__tiles.length - 1] !== h) window.__tiles.push(h); };
        window.__seen = seen; setInterval(seen, 20); }""")
    train(page, train_size=10000, epochs=3, batch_size=10, hidden="30", seed=2)
    wait_idle(page)
    page.wait_for_function("!window.__app.viewsBusy")
    page.evaluate("window.__seen()")  # the tiles as the last refresh left them
    assert page.locator("#hidden-grid .tile").count() == 30
    assert page.get_attribute("#hidden-grid", "data-which") == "trained"
    tiles = page.evaluate("window.__tiles")
    assert len(tiles) >= 3, f"the first tile changed only {len(tiles)} times over 3 epochs"
    assert page.errors == []


def test_confusion_matrix_counts_and_cells(site, open_page):
    x, y = subset(site)
    net = backprop.loads((site.dir / "data/model.json").read_text())
    outputs = net.feedforward(x)
    predicted = outputs.argmax(axis=1)
    expected = metrics.confusion_matrix(predicted, y)

    page = open_views(open_page, site.url)
    cells = page.eval_on_selector_all(
        "#confusion-table button[data-true]",
        "bs => bs.map(b => [+b.dataset.true, +b.dataset.predicted, +b.textContent])",
    )
    shown = np.zeros((10, 10), int)
    for t, p, count in cells:
        shown[t, p] = count
    np.testing.assert_array_equal(shown, expected)
    assert shown.sum() == len(y)
    correct = int(page.get_attribute("#model-subset-accuracy", "data-correct"))
    assert np.trace(shown) == correct == int(page.get_attribute("#confusion-summary", "data-correct"))
    assert f"{100 * correct / len(y):.2f} %" in page.text_content("#confusion-summary")

    # the busiest wrong cell lists exactly its digits, the most confidently wrong first
    off = expected.copy()
    np.fill_diagonal(off, 0)
    t, p = np.unravel_index(off.argmax(), off.shape)
    page.click(f"#confusion-table button[data-true='{t}'][data-predicted='{p}']")
    page.wait_for_selector(f"#confusion-cell[data-true='{t}'][data-predicted='{p}'] figure")
    listed = page.eval_on_selector_all("#confusion-cell figure", "fs => fs.map(f => +f.dataset.index)")
    assert listed == metrics.cell_members(outputs, y, t, p).tolist()
    assert page.locator("#confusion-cell figure .bars").count() == len(listed)  # each with its outputs
    assert page.errors == []


def test_a_downloaded_model_loads_back_with_identical_predictions(site, open_page, tmp_path):
    x, y = subset(site)
    page = open_views(open_page, site.url)
    train(page, train_size=1000, epochs=1, hidden="20", seed=3)
    wait_idle(page)
    page.wait_for_function("document.getElementById('model-subset-accuracy').dataset.which === 'trained'")
    trained = page.get_attribute("#model-subset-accuracy", "data-correct")
    with page.expect_download() as info:
        page.click("#download-model")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith("784-20-10.json")

    net = backprop.load(path)  # CPython reads the page's file ...
    assert net.sizes == [784, 20, 10]
    assert str(int(np.sum(net.predict(x) == y))) == trained
    if os.environ.get("MNIST_DIR"):  # ... and so does the command line
        proc = subprocess.run(
            [sys.executable, "-m", "backprop", "evaluate", str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "py")},
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr

    before = page.evaluate(VIEWS_DONE)
    page.set_input_files("#model-file", str(path))  # ... and the page, as "your model file"
    refreshed(page, before)
    assert page.input_value("#network-which") == "file"
    assert page.get_attribute("#model-subset-accuracy", "data-correct") == trained
    strip = page.eval_on_selector_all("#strip figure", "fs => fs.map(f => +f.dataset.prediction)")
    assert strip == net.predict(x[:24]).tolist()
    assert page.errors == []


BAD_FILES = {
    "not-json.json": ("this is not JSON", "not valid JSON"),
    "nested.json": ("[" * 6000 + "]" * 6000, "nest"),
    "inputs.json": (json.dumps(backprop.Network([4, 3, 10], seed=1).to_dict()), "784"),
    "shapes.json": (json.dumps({**backprop.Network([784, 3, 10], seed=1).to_dict(), "sizes": [784, 4, 10]}), "shape"),
    "nan.json": ('{"sizes": [784, 1, 10], "weights": [[[NaN]]], "biases": [[0], [0]]}', "finite"),
    "huge.json": ('{"sizes": [784, 100000, 10], "weights": [], "biases": []}', "4,000,000"),
}


def test_bad_model_files_are_refused_and_the_network_kept(site, open_page, tmp_path):
    page = open_views(open_page, site.url)
    correct = page.get_attribute("#model-subset-accuracy", "data-correct")
    for name, (text, message) in BAD_FILES.items():
        (tmp_path / name).write_text(text)
        page.evaluate("document.getElementById('model-file-error').textContent = ''")
        page.set_input_files("#model-file", str(tmp_path / name))
        page.wait_for_function("document.getElementById('model-file-error').textContent !== ''")
        error = page.text_content("#model-file-error")
        assert message in error and "kept" in error, (name, error)
        assert page.input_value("#network-which") == "model"
    # the previous network still predicts, in every view
    assert page.get_attribute("#model-subset-accuracy", "data-correct") == correct
    page.click("#draw-random")
    page.wait_for_function("document.getElementById('draw-note').textContent.includes('test digit #')")
    assert page.errors == []
