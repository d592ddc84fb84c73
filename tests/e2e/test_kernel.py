"""The WebAssembly SIMD kernel in headless Chromium: the same checks as under Node, and the page's worker
training with it to the numpy run's history."""

import json
from pathlib import Path

import pytest

from bench_page import (
    WORKER_RUNS,  # a second worker of the page's own code, driven as the page drives it
)

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parents[1] / "pyodide"
CHECKS, LAYERS, EXPECT = HERE / "kernel_in_pyodide.py", HERE / "layers_in_pyodide.py", HERE / "expect.py"

# Pyodide in the page's own origin (main thread), loaded by the page's loader, the kernel installed by
# js/kernel.js, the package from the site's archive; returns what the Python script printed.
RUN_CHECKS = """async ([source, expect]) => {
  const loader = await import(new URL("js/pyodide-loader.js", location.href).href);
  const { installKernel } = await import(new URL("js/kernel.js", location.href).href);
  const { pyodide } = await loader.startPyodide(new URL("pyodide/", location.href).href);
  await loader.loadNumpy(pyodide);
  const kernel = await installKernel(pyodide, new URL("kernel/gemm.wasm", location.href).href);
  loader.installPackage(pyodide, await loader.fetchOk(new URL("py/backprop.zip", location.href).href, "buffer"),
    "/home/pyodide/site");
  pyodide.FS.writeFile("/home/pyodide/site/expect.py", expect);
  const lines = [];
  pyodide.setStdout({ batched: (line) => lines.push(line) });
  try {
    await pyodide.runPythonAsync(source);
  } catch (e) {
    lines.push(`FAIL ${e.message}`);
  }
  return { kernel, out: lines.join("\\n") };
}"""


def test_kernel_equals_numpy_in_chromium(site, new_page):
    page = new_page()
    page.goto(site.url + "config.json")  # any document of the site's origin
    result = page.evaluate(RUN_CHECKS, [CHECKS.read_text(encoding="utf-8"), EXPECT.read_text(encoding="utf-8")])
    assert result["kernel"] == {"backend": "wasm-simd"}, result
    out = result["out"]
    assert "FAIL" not in out and " 0 failed" in out and "checks ok" in out, out


def test_the_layers_contracts_hold_in_chromium(site, new_page):
    """The layers' checks run under Node by tests/pyodide, here in Chromium's Pyodide (the kernel on)."""
    page = new_page()
    page.goto(site.url + "config.json")
    result = page.evaluate(RUN_CHECKS, [LAYERS.read_text(encoding="utf-8"), EXPECT.read_text(encoding="utf-8")])
    out = result["out"]
    assert "FAIL" not in out and " 0 failed" in out and "checks ok" in out, out


def test_the_page_trains_with_the_kernel_as_with_numpy(site, new_page):
    page = new_page()
    page.goto(site.url)
    run = {"hidden": [30], "epochs": 2, "train_size": 1000, "batch_size": 10, "eta": 0.5, "lmbda": 5.0, "seed": 3}
    result = page.evaluate(WORKER_RUNS, [run, {**run, "backend": "numpy"}, {**run, "dtype": "float32"}])
    assert result["kernel"] == {"backend": "wasm-simd"}
    kernel, numpy, f32 = result["summaries"]
    assert (kernel["backend"], numpy["backend"], f32["backend"]) == ("wasm-simd", "numpy-einsum", "wasm-simd")
    for key in ("train_cost", "train_accuracy", "eval_cost", "eval_accuracy"):
        got, want = kernel["history"][key], numpy["history"][key]
        assert len(got) == len(want) == 2
        assert all(abs(g - w) <= 1e-9 * abs(w) for g, w in zip(got, want)), (key, got, want)
        # float32: the same curve to single precision
        assert all(abs(g - w) <= 1e-3 * abs(w) for g, w in zip(f32["history"][key], want)), (key, f32, want)
    assert json.dumps(kernel["params"]["dtype"]) == '"float64"'


def test_without_the_kernel_the_page_trains_with_numpy(broken_site, new_page):
    site = broken_site("kernel/gemm.wasm")  # as where the kernel cannot load (or no SIMD)
    page = new_page()
    page.goto(site.url)
    run = {"hidden": [10], "epochs": 1, "train_size": 200, "batch_size": 10, "seed": 1}
    result = page.evaluate(WORKER_RUNS, [run])
    assert result["kernel"]["backend"] == "numpy" and "gemm.wasm" in result["kernel"]["reason"]
    summary = result["summaries"][0]
    assert summary["backend"] == "numpy-einsum" and summary["epochs_done"] == 1
    assert page.errors == []


def test_the_forms_precision_and_products_switches(site, open_page):
    """float32 beside float64 from the form, and plain numpy beside the kernel: same seed, the same
    accuracy to a point, and the progress line says which products ran."""
    page = open_page(site.url + "?hidden=30&epochs=1&train_size=2000&seed=3")
    runs = []
    for dtype, backend in (("float64", "auto"), ("float32", "auto"), ("float64", "numpy")):
        page.select_option("#train-form [name=dtype]", dtype)
        page.select_option("#train-form [name=backend]", backend)
        started = page.evaluate("window.__chart.runs.length")
        page.click("#train-button")
        page.wait_for_function(f"window.__chart.runs.length > {started}")
        page.wait_for_function("document.body.dataset.mode === 'ready'", timeout=120_000)
        runs.append((page.evaluate("window.__chart.runs.at(-1)"), page.text_content("#progress-text")))
    (f64, text64), (f32, text32), (plain, text_numpy) = runs
    assert "with wasm-simd" in text64 and "with wasm-simd" in text32 and "with numpy" in text_numpy
    assert "f32" in f32["label"] and "numpy" in plain["label"]
    a64, a32 = f64["points"][0]["eval_accuracy"], f32["points"][0]["eval_accuracy"]
    assert abs(a64 - a32) <= 0.01, (a64, a32)  # float32: the same accuracy
    assert abs(plain["points"][0]["train_cost"] - f64["points"][0]["train_cost"]) < 1e-9  # the same maths
