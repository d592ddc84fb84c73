// A short-lived worker that starts a bare Python interpreter with snapshots enabled, saves its memory
// (snapshot.js explains what for) in Cache Storage, answers {bytes, seconds} or {error}, and is then
// terminated. Nothing is imported into Python first: Pyodide refuses a snapshot after numpy.

import { interceptFetch, loaderSettings, readyAsmJs, startPreload } from "./preload.js";
import { fetchOk, withTimeout } from "./pyodide-loader.js";
import { writeSnapshot } from "./snapshot.js";

const TIMEOUT_MS = 60_000; // a snapshot that cannot be made is not worth waiting for

// `key`: where it is stored (snapshot.js); `configURL`: config.json, for the same trimmed standard
// library and preloaded files (preload.js) as the loaders that will restore it.
self.onmessage = async ({ data: { indexURL, buildId, key = buildId, configURL = null } }) => {
  const t0 = performance.now();
  try {
    const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
    const config = configURL ? await fetchOk(configURL, "json") : {};
    const settings = loaderSettings(config, configURL ?? indexURL);
    // Python alone: no wheel (this worker ends when done)
    interceptFetch(startPreload((config.preload ?? []).filter((e) => e.first), configURL ?? indexURL));
    await readyAsmJs(settings, configURL ?? indexURL, indexURL, config.sha256?.pyodide);
    const pyodide = await withTimeout(loadPyodide({ indexURL, _makeSnapshot: true, stdout: () => {}, stderr: () => {},
      ...settings.options }),
      TIMEOUT_MS, `no answer after ${TIMEOUT_MS / 1000} s`);
    const actual = pyodide._api?.config?.BUILD_ID; // what the snapshot will carry (Pyodide checks it on restore)
    if (actual && actual !== buildId) {
      throw new Error(`Pyodide's build id is ${actual}, not ${buildId} as config.json says: not stored`);
    }
    const bytes = pyodide.makeMemorySnapshot();
    await writeSnapshot(key, bytes);
    self.postMessage({ bytes: bytes.length, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    self.postMessage({ error: String(e?.message ?? e) });
  }
};
