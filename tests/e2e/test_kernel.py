"""The WebAssembly SIMD kernel in headless Chromium: the same checks as under Node, and the page's worker
training with it to the numpy run's history."""

import json
from pathlib import Path

import pytest

from browser_bench import WORKER_RUNS   # a second worker of the page's own code, driven as the page drives it

pytestmark = pytest.mark.e2e

CHECKS = Path(__file__).resolve().parents[1] / "pyodide" / "kernel_checks.py"

# Pyodide in the page's own origin (main thread), the kernel installed by js/kernel.js, the package
# from the site's archive; returns what the Python script printed.
RUN_CHECKS = """async (source) => {
  const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", location.href).href);
  const { installKernel } = await import(new URL("js/kernel.js", location.href).href);
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", location.href).href });
  await pyodide.loadPackage("numpy", { messageCallback: () => {} });
  const kernel = await installKernel(pyodide, new URL("kernel/gemm.wasm", location.href).href);
  const zip = await (await fetch(new URL("py/backprop.zip", location.href))).arrayBuffer();
  pyodide.unpackArchive(zip, "zip", { extractDir: "/home/pyodide/site" });
  pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/site')");
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
    page.goto(site.url + "config.json")          # any document of the site's origin
    result = page.evaluate(RUN_CHECKS, CHECKS.read_text(encoding="utf-8"))
    assert result["kernel"] == {"backend": "wasm-simd"}, result
    out = result["out"]
    assert "FAIL" not in out and " 0 failed" in out and "checks ok" in out, out


def test_the_page_trains_with_the_kernel_as_with_numpy(site, new_page):
    page = new_page()
    page.goto(site.url)
    run = {"hidden": [30], "epochs": 2, "train_size": 1000, "batch_size": 10, "eta": 0.5, "lmbda": 5.0,
           "seed": 3}
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
    site = broken_site("kernel/gemm.wasm")       # as where the kernel cannot load (or no SIMD)
    page = new_page()
    page.goto(site.url)
    run = {"hidden": [10], "epochs": 1, "train_size": 200, "batch_size": 10, "seed": 1}
    result = page.evaluate(WORKER_RUNS, [run])
    assert result["kernel"]["backend"] == "numpy" and "gemm.wasm" in result["kernel"]["reason"]
    summary = result["summaries"][0]
    assert summary["backend"] == "numpy-einsum" and summary["epochs_done"] == 1
    assert page.errors == []
