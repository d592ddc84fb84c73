// A short-lived worker that makes the start-up snapshot (snapshot.js explains what for): Python with
// numpy loaded, the page's modules imported and its session made from the shipped model, saved with the
// places of numpy's libraries and the files (imported-snapshot.js) in Cache Storage. Answers {bytes, seconds} or {error}, then is terminated.

import { sha256Hex } from "./digest.js";
import { PYODIDE_VERSION, packSnapshot, recordDynlibs } from "./imported-snapshot.js";
import { interceptFetch, loaderSettings, readyAsmJs, startPreload } from "./preload.js";
import { PACKAGE_DIR, fetchOk, installPackage, loadNumpy, preflight, preflightNumpy, withTimeout } from "./pyodide-loader.js";
import { writeSnapshot } from "./snapshot.js";

const TIMEOUT_MS = 90_000; // a snapshot that cannot be made is not worth waiting for
// what the page's worker and the lab's import before they answer: in the snapshot, they are imported already
const SNAPSHOT_IMPORTS = ["backprop.page.wire", "backprop.page.session", "backprop.page.ahead", "backprop.page.lab_session"];

async function make(indexURL, buildId, key, configURL) {
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  const config = configURL ? await fetchOk(configURL, "json") : {};
  const base = configURL ?? indexURL;
  const settings = loaderSettings(config, base);
  const sums = config.sha256 ?? {};
  const archive = fetchOk(new URL(config.packageURL, base).href, "buffer", sums.packageURL);
  archive.catch(() => {}); // awaited below
  const model = config.modelURL && sums.modelURL
    ? fetchOk(new URL(config.modelURL, base).href, "text", sums.modelURL, "default", { gzip: !!config.modelGzip })
    : Promise.resolve(null);
  model.catch(() => {}); // awaited below
  interceptFetch(startPreload(config.preload ?? [], base));
  await readyAsmJs(settings, base, indexURL, sums.pyodide);
  const lock = await preflight(indexURL, sums.pyodide, settings.preflight);
  if (!settings.preloaded) await preflightNumpy(indexURL, lock);
  const pyodide = await loadPyodide({ indexURL, _makeSnapshot: true, stdout: () => {}, stderr: () => {}, ...settings.options });
  if (pyodide.version !== PYODIDE_VERSION) throw new Error(`Pyodide ${pyodide.version}: snapshots are made for ${PYODIDE_VERSION} only`);
  const actual = pyodide._api?.config?.BUILD_ID; // what the snapshot will carry (Pyodide checks it on restore)
  if (actual && actual !== buildId) {
    throw new Error(`Pyodide's build id is ${actual}, not ${buildId} as config.json says: not stored`);
  }
  const record = await recordDynlibs(pyodide, () => loadNumpy(pyodide));
  installPackage(pyodide, await archive, PACKAGE_DIR);
  pyodide.runPython(SNAPSHOT_IMPORTS.map((m) => `import ${m}`).join("\n"));
  const text = await model;
  if (text !== null) { // the page's session made ahead from the shipped model (backprop/page/ahead.py)
    const ahead = pyodide.pyimport("backprop.page.ahead");
    ahead.make_ahead(text, sums.modelURL);
    ahead.destroy();
  }
  const bytes = packSnapshot(pyodide, record, [pyodide._api.sitePackages, PACKAGE_DIR], await checkedWasm(indexURL, sums));
  await writeSnapshot(key, bytes);
  return bytes.length;
}

/** pyodide.asm.wasm's bytes as this worker's Python got them (the preloaded copy when there is one),
 * checked against Pyodide's pin; null without a pin (the bundle then leaves them out). */
async function checkedWasm(indexURL, sums) {
  const pin = sums.pyodide?.["pyodide.asm.wasm"];
  if (!pin) return null;
  const bytes = new Uint8Array(await (await fetch(new URL("pyodide.asm.wasm", indexURL))).arrayBuffer());
  if ((await sha256Hex(bytes)) !== pin) throw new Error("pyodide.asm.wasm is not the build's: not stored");
  return bytes;
}

// `key`: where it is stored (snapshot.js); `configURL`: config.json, for the same trimmed standard
// library, wheel, package and preloaded files (preload.js) as the loaders that will restore it.
self.onmessage = async ({ data: { indexURL, buildId, key = buildId, configURL = null } }) => {
  const t0 = performance.now();
  try {
    const bytes = await withTimeout(make(indexURL, buildId, key, configURL), TIMEOUT_MS, `no answer after ${TIMEOUT_MS / 1000} s`);
    self.postMessage({ bytes, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    self.postMessage({ error: String(e?.message ?? e) });
  }
};
