// The start-up snapshot: Python with numpy loaded and the page's modules imported, to start later visits
// in a fraction of the time (issue 19).
//
// Pyodide can save the WebAssembly memory of an interpreter (`loadPyodide({_makeSnapshot: true})`, then
// `makeMemorySnapshot()`) and start the next one from those bytes (`loadPyodide({_loadSnapshot})`); with
// numpy's extension modules in that memory it also needs their libraries put back where they were, which
// imported-snapshot.js does. The bundle lives in Cache Storage, keyed by what it was made from (Pyodide's
// build id, its standard library, numpy's wheel, the package's archive and the shipped model: preload.js's
// snapshotKey);
// Pyodide checks the build id inside it again when it restores it.
//
// Made once, after the first load, in a short-lived worker of its own (snapshot-worker.js) so that the
// page's worker keeps answering meanwhile; used by the loader (pyodide-loader.js), for the page's worker
// and the lab's. Anything wrong with a snapshot — none stored, Cache Storage missing (an insecure
// origin), bytes whose sha256 is not the one stored beside them, a build-id mismatch, libraries that do
// not land where they were, a restore that throws or hangs — costs only the time spent trying: the
// loader deletes the snapshot and Python, numpy and the package load the normal way.

import { keptStore } from "./kept.js";

export const SNAPSHOT_CACHE = "backprop-pyodide-snapshot"; // the Cache Storage name (the bench reads it)
const store = keptStore(SNAPSHOT_CACHE, "x-snapshot-sha256");

/** The stored snapshot for `buildId`: {bytes, checked} or null when there is none. `checked` rejects
 * when the stored bytes are not the ones written (their sha256 differs): the restore, which starts
 * meanwhile, waits for it before the interpreter is used. */
export const readSnapshot = (buildId) => store.readChecking(buildId);

/** Store `bytes` as the snapshot of `buildId`, dropping snapshots of other builds. */
export const writeSnapshot = (buildId, bytes) => store.write(buildId, bytes);

export const deleteSnapshot = (buildId) => store.remove(buildId);

/** Whether a snapshot of `buildId` is stored (its bytes are not read); false without a key. */
export const hasSnapshot = async (buildId) => (buildId ? store.has(buildId) : false);

/**
 * Make and store the snapshot of `buildId` (stored under `key`: preload.js's snapshotKey, what it is
 * made from; `configURL`: config.json, which names those files) in a worker of its own (snapshot-worker.js), which ends
 * when done. Resolves to {bytes, seconds} or {error}; never rejects.
 */
export function makeSnapshotInBackground(indexURL, buildId, key = buildId, configURL = null) {
  return new Promise((resolve) => {
    let worker;
    const done = (result) => {
      worker?.terminate();
      resolve(result);
    };
    try {
      worker = new Worker(new URL("./snapshot-worker.js", import.meta.url), { type: "module" });
    } catch (e) {
      done({ error: String(e?.message ?? e) });
      return;
    }
    worker.onmessage = (event) => done(event.data);
    worker.onerror = (event) => {
      event.preventDefault?.();
      done({ error: event.message || "the snapshot worker failed" });
    };
    worker.postMessage({ indexURL, buildId, key, configURL });
  });
}
