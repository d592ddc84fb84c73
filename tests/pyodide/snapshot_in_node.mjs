// The start-up snapshot with numpy and the package imported (web/js/imported-snapshot.js), made and
// restored under Node with the page's own code: the restored interpreter computes what the one it was
// taken from computes (numpy's linear algebra, FFT, random generators, an extension module imported
// only after the restore, the package's session), and bundles that do not match are refused by name.
// usage: node snapshot_in_node.mjs PYODIDE_DIR PACKAGE_ZIP   (prints "ok ..." lines, then "checks ok")
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { loadImported, packSnapshot, readBundle, recordDynlibs } from "../../web/js/imported-snapshot.js";
import { PACKAGE_DIR, installPackage, loadNumpy } from "../../web/js/pyodide-loader.js";

const [pyodideDir, packageZip] = process.argv.slice(2);
const indexURL = resolve(pyodideDir) + "/";
await import(indexURL + "pyodide.asm.js"); // defines _createPyodideModule, which loadImported wraps
const { loadPyodide } = await import(indexURL + "pyodide.mjs");
const quiet = { indexURL, stdout: () => {}, stderr: () => {} };

const WORK = `
import numpy as np
from backprop.page.session import Session
rng = np.random.default_rng(7)
a = rng.standard_normal((40, 40))
s = Session()
import numpy.random._sfc64 as sfc  # not imported before the snapshot: its library loads from the restored files
import json
json.dumps([float(np.linalg.det(a)), float(np.linalg.solve(a, a[0]).sum()), float(np.abs(np.fft.rfft(a[1])).sum()),
 np.random.RandomState(3).randint(0, 1000, 5).tolist(), float(np.tanh(a).std()), a.argsort(axis=None)[:5].tolist(),
 [str(v) for v in sfc.SFC64(5).random_raw(2)], type(s).__name__, sorted(s.nets)])
`;
const run = (pyodide) => pyodide.runPython(WORK);

const made = await loadPyodide({ ...quiet, _makeSnapshot: true });
const record = await recordDynlibs(made, () => loadNumpy(made));
installPackage(made, readFileSync(packageZip), PACKAGE_DIR);
made.runPython("import backprop.page.session, backprop.page.wire");
const wasm = new Uint8Array(readFileSync(new URL("pyodide.asm.wasm", `file://${indexURL}`)));
const bundle = packSnapshot(made, record, [made._api.sitePackages, PACKAGE_DIR], wasm);
const expected = run(made);
console.log(`ok made: ${record.libs.length} libraries, ${(bundle.length / 1e6).toFixed(1)} MB`);

const original = globalThis._createPyodideModule;
const restored = await loadImported(loadPyodide, quiet, bundle.slice());
const got = run(restored);
if (got !== expected) throw new Error(`FAIL restored computes ${got}, not ${expected}`);
if (!restored.loadedPackages.numpy) throw new Error("FAIL numpy is not among the restored interpreter's packages");
if (globalThis._createPyodideModule !== original) throw new Error("FAIL Pyodide's module factory was left wrapped");
console.log("ok restored: the same results");

/** `bundle` with its meta changed by `edit` (the memory and files as they were). */
function withMeta(edit) {
  const { meta } = readBundle(bundle);
  edit(meta);
  const text = new TextEncoder().encode(JSON.stringify(meta));
  const head = bundle.subarray(0, bundle.length - 8 - new DataView(bundle.buffer).getUint32(bundle.length - 8, true));
  const out = new Uint8Array(head.length + text.length + 8);
  out.set(head);
  out.set(text, head.length);
  new DataView(out.buffer).setUint32(head.length + text.length, text.length, true);
  out.set(bundle.subarray(bundle.length - 4), out.length - 4);
  return out;
}
const otherBuild = bundle.slice();
otherBuild[16] ^= 0xff; // Pyodide's build id in its snapshot header
const badWasm = bundle.slice();
const { meta } = readBundle(bundle);
const wasmAt = meta.memoryBytes + meta.files.reduce((n, f) => n + f[1], 0);
badWasm.fill(0, wasmAt, wasmAt + 8); // Pyodide's WebAssembly without its magic number
const cases = {
  "a library expected elsewhere in the table": [withMeta((m) => { m.libs[1].tableBefore += 1; }), /function table has \d+ slots before/],
  "a different global offset table": [withMeta((m) => { m.got = "0:0"; }), /global offset table differs/],
  "another Pyodide build": [otherBuild, /build id mismatch/],
  "another Pyodide version": [withMeta((m) => { m.version = "0.26.4"; }), /of Pyodide 0\.26\.4, not 0\.27\.7/],
  "not a bundle": [bundle.slice(0, bundle.length - 4), /no bundle trailer/],
  "a missing library file": [withMeta((m) => { m.libs[0].name += ".gone"; }), /has no file/],
  "a damaged WebAssembly": [badWasm, /magic/i],
};
for (const [what, [bytes, message]] of Object.entries(cases)) {
  let error = null;
  try {
    await loadImported(loadPyodide, quiet, bytes);
  } catch (e) {
    error = String(e?.message ?? e);
  }
  if (!error || !message.test(error)) throw new Error(`FAIL ${what}: ${error ?? "restored"}`);
  if (globalThis._createPyodideModule !== original) throw new Error(`FAIL ${what}: the factory was left wrapped`);
  console.log(`ok refused ${what}: ${error.split("\n")[0]}`);
}
const normal = await loadPyodide(quiet); // and the normal load still works after every refusal
await loadNumpy(normal);
installPackage(normal, readFileSync(packageZip), PACKAGE_DIR);
if (run(normal) !== expected) throw new Error("FAIL the normal load computes otherwise");
console.log("ok the normal load afterwards: the same results\nchecks ok");
