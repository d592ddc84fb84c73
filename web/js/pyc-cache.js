// Python's compiled modules (numpy's and the package's .pyc files) kept for the next visit (issue 19).
//
// Pyodide installs numpy's wheel afresh on every visit and Python compiles numpy's modules from their
// source each time (about half of `import numpy`). On a visit without kept modules the worker lets
// Python write its .pyc files while it imports; once the page is ready and idle it packs them
// (backprop/page/pycache.py: marked "unchecked", PEP 552) into Cache Storage, keyed by Pyodide's build,
// numpy's wheel and the package's archive (their sha256s from config.json), so they are only ever given
// back to the files they were made from. The next visit unpacks them before `import numpy`. A kept zip
// that is damaged, of another Python or holds anything but .pyc files is refused whole before a file
// is written (pycache.py checks it), deleted, and the modules compile from source as before: the
// only cost of anything wrong is the time spent looking.

import { keptStore } from "./kept.js";
import { shortError } from "./pyodide-loader.js";

export const PYC_CACHE = "backprop-pyc"; // the Cache Storage name (tests read it)
const store = keptStore(PYC_CACHE);
const NUMPY_DIR = "/lib/python3.12/site-packages/numpy"; // where Pyodide installs numpy's wheel

/** The key of the kept modules: config.json's build id, numpy's (trimmed) wheel and the package's
 * archive; null when any is unknown (a CDN build: nothing is kept). */
export function pycKey(config) {
  const wheel = (config.preload ?? []).find((e) => e.url.endsWith(".whl"))?.sha256;
  const pkg = config.sha256?.packageURL;
  const build = config.pyodideBuildId;
  return wheel && pkg && build ? `${build}+numpy-${wheel.slice(0, 16)}+backprop-${pkg.slice(0, 16)}` : null;
}

/** backprop/page/pycache.py, loaded on its own from the unpacked package (numpy is not imported yet). */
function pycacheModule(pyodide, packageDir) {
  const path = JSON.stringify(`${packageDir}/backprop/page/pycache.py`);
  return pyodide.runPython(`import importlib.util as _u
_spec = _u.spec_from_file_location("_backprop_pycache", ${path})
_m = _u.module_from_spec(_spec)
_spec.loader.exec_module(_m)
_m`);
}

const roots = (packageDir) => [NUMPY_DIR, `${packageDir}/backprop`];

/** Before `import numpy`: the kept modules of `key` unpacked ("used"), none kept ("none"), or a bad
 * copy deleted ("failed: why"). Without them, Python writes .pyc files this visit, for savePycs. */
export async function restorePycs(pyodide, key, packageDir) {
  if (!key) return "none";
  let why = "none";
  let module = null;
  try {
    const bytes = await store.read(key);
    if (bytes) {
      module = pycacheModule(pyodide, packageDir);
      module.unpack(bytes, roots(packageDir));
      return "used";
    }
  } catch (e) {
    why = `failed: ${shortError(e)}`;
    console.warn(`the kept compiled modules could not be used (${why}); compiling from source`);
    await store.remove(key);
  } finally {
    module?.destroy();
  }
  pyodide.runPython("import sys\nsys.dont_write_bytecode = False"); // for savePycs
  return why;
}

/** Pack the .pyc files written since restorePycs and keep them under `key`; Python stops writing
 * them. Resolves to {bytes} or {error}; never rejects. */
export async function savePycs(pyodide, key, packageDir) {
  let module = null;
  let proxy = null;
  try {
    module = pycacheModule(pyodide, packageDir);
    proxy = module.pack(roots(packageDir));
    const bytes = proxy.toJs().slice();
    await store.write(key, bytes);
    return { bytes: bytes.length };
  } catch (e) {
    return { error: shortError(e) };
  } finally {
    proxy?.destroy();
    module?.destroy();
    pyodide.runPython("import sys\nsys.dont_write_bytecode = True");
  }
}
