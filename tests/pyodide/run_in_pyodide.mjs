// Runs a Python file inside Pyodide under Node, with numpy and py/backprop loaded the way the page
// loads them: the page's own loader (web/js/pyodide-loader.js), numpy from the Pyodide distribution,
// the package from the zip build.py ships.
// usage: node run_in_pyodide.mjs PYODIDE_DIR PACKAGE_ZIP SCRIPT.py [KERNEL.wasm]
// With the environment's STDLIB_ZIP, Python's standard library is that file (the site's trimmed one).
// With KERNEL.wasm, the page's js/kernel.js installs it first, as the worker does. The checks' harness
// (expect.py, beside this file) is importable by the script.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { installKernel } from "../../web/js/kernel.js";
import { installPackage, loadNumpy, startPyodide } from "../../web/js/pyodide-loader.js";

const [pyodideDir, packageZip, script, kernel] = process.argv.slice(2);
const indexURL = resolve(pyodideDir) + "/";
const options = process.env.STDLIB_ZIP ? { stdLibURL: resolve(process.env.STDLIB_ZIP) } : {};
const { pyodide } = await startPyodide(indexURL, { moduleURL: pathToFileURL(join(indexURL, "pyodide.mjs")).href, options });
await loadNumpy(pyodide);

if (kernel && kernel !== "-") {
  const result = await installKernel(pyodide, readFileSync(kernel));
  if (result.backend !== "wasm-simd") throw new Error(result.reason);
}

installPackage(pyodide, readFileSync(packageZip), "/pkg");
pyodide.FS.writeFile("/pkg/expect.py", readFileSync(new URL("./expect.py", import.meta.url)));
pyodide.setStdout({ batched: (line) => console.log(line) });
await pyodide.runPythonAsync(readFileSync(script, "utf8"));
