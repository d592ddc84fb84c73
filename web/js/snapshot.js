// A memory snapshot of a bare Python interpreter, to start Python faster on later visits.
//
// Pyodide can save the WebAssembly memory of an interpreter that has started but imported nothing
// of its own (`loadPyodide({_makeSnapshot: true})`, then `makeMemorySnapshot()`), and start the next
// one from those bytes (`loadPyodide({_loadSnapshot})`), skipping Python's start-up (about 1 s here).
// The bytes live in Cache Storage, keyed by Pyodide's build id (config.json "pyodideBuildId", pinned
// by build.py); Pyodide checks the id inside the snapshot again when it restores one.
//
// Made once, after the first load, in a short-lived worker of its own (snapshot-worker.js) so that the
// page's worker keeps answering meanwhile; used by the loader (pyodide-loader.js). Anything wrong with
// a snapshot — none stored, Cache Storage missing (an insecure origin), bytes whose sha256 is not the
// one stored beside them, a build-id mismatch, a restore that throws or hangs — costs only the time
// spent trying: the loader deletes the snapshot and Python loads the normal way. Not here: snapshots
// after numpy is imported (Pyodide refuses them; getting round that would rely on emscripten internals).

import { keptStore } from "./kept.js";

export const SNAPSHOT_CACHE = "backprop-pyodide-snapshot"; // the Cache Storage name (the bench reads it)
const store = keptStore(SNAPSHOT_CACHE, "x-snapshot-sha256");

/** The stored snapshot for `buildId` as a Uint8Array, or null when there is none. Throws when the
 * stored bytes are not the ones written (their sha256 differs). */
export const readSnapshot = (buildId) => store.read(buildId);

/** Store `bytes` as the snapshot of `buildId`, dropping snapshots of other builds. */
export const writeSnapshot = (buildId, bytes) => store.write(buildId, bytes);

export const deleteSnapshot = (buildId) => store.remove(buildId);

/**
 * Make and store the snapshot of `buildId` (stored under `key`: the build id and the standard library
 * it was made with; `configURL`: config.json, which names that library) in a worker of its own (snapshot-worker.js), which ends
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
