// Runs a Python file inside Pyodide under Node, with numpy and py/backprop loaded the way the page
// loads them (numpy from the Pyodide distribution, the package from the zip build.py ships).
// usage: node run_in_pyodide.mjs PYODIDE_DIR PACKAGE_ZIP SCRIPT.py [KERNEL.wasm]
// With KERNEL.wasm, the page's js/kernel.js installs it first, as the worker does.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, packageZip, script, kernel] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(join(resolve(pyodideDir), "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: resolve(pyodideDir) + "/" });
const failed = [];
await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (m) => failed.push(m) });
if (failed.length) throw new Error(`loading numpy failed: ${failed.join("; ")}`);

if (kernel) {
  const { installKernel } = await import(new URL("../../web/js/kernel.js", import.meta.url).href);
  const result = await installKernel(pyodide, readFileSync(kernel));
  if (result.backend !== "wasm-simd") throw new Error(result.reason);
}

pyodide.unpackArchive(new Uint8Array(readFileSync(packageZip)), "zip", { extractDir: "/pkg" });
pyodide.runPython("import sys; sys.path.insert(0, '/pkg')");
pyodide.setStdout({ batched: (line) => console.log(line) });
await pyodide.runPythonAsync(readFileSync(script, "utf8"));
