// Build time, under Node: Python's modules compiled by the interpreter the page runs (Pyodide, from the
// site's own checked copy), for a first visit that does not compile them (compiled.py runs this;
// compile_in_pyodide.py does the work and says why).
// usage: node compile_modules.mjs JOB.json — JOB: {pyodide_dir, stdlib, wheel, package, stdlib_out, wheel_out},
// host paths; prints what was compiled as JSON.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const indexURL = resolve(job.pyodide_dir) + "/";
const { loadPyodide } = await import(pathToFileURL(join(indexURL, "pyodide.mjs")).href);
// no column positions in the compiled code: smaller files (compile_in_pyodide.py)
const pyodide = await loadPyodide({ indexURL, stdLibURL: resolve(job.stdlib), env: { PYTHONNODEBUGRANGES: "1" } });
const problems = [];
await pyodide.loadPackage(resolve(job.wheel), { messageCallback: () => {}, errorCallback: (m) => problems.push(m) });
if (problems.length) throw new Error(`numpy's wheel did not load: ${problems.join("; ")}`);

const PACKAGE_DIR = "/home/pyodide/site"; // where the page unpacks the package (pyodide-loader.js)
pyodide.unpackArchive(new Uint8Array(readFileSync(job.package)), "zip", { extractDir: PACKAGE_DIR });
pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(PACKAGE_DIR)})`);

// the archives in and out go through Pyodide's file system
const inside = {};
for (const key of ["stdlib", "wheel"]) {
  inside[key] = `/tmp/in-${key}.zip`;
  inside[`${key}_out`] = `/tmp/out-${key}.zip`;
  pyodide.FS.writeFile(inside[key], readFileSync(job[key]));
}
pyodide.globals.set("job", pyodide.toPy({ ...inside, package_dir: PACKAGE_DIR }));
pyodide.runPython(readFileSync(new URL("./compile_in_pyodide.py", import.meta.url), "utf8"));
const report = pyodide.globals.get("result").toJs();
for (const key of ["stdlib", "wheel"]) writeFileSync(job[`${key}_out`], pyodide.FS.readFile(inside[`${key}_out`]));
console.log(JSON.stringify(Object.fromEntries(report)));
