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

import { sha256Hex as sha256 } from "./digest.js";

export const SNAPSHOT_CACHE = "backprop-pyodide-snapshot"; // the Cache Storage name (the bench reads it)
const SHA256_HEADER = "x-snapshot-sha256";

/** The cache key: a URL no server is ever asked for (Cache Storage keys are requests). */
const keyFor = (buildId) => new URL(`/__backprop-snapshot__/${encodeURIComponent(buildId)}`, self.location.href).href;

async function openCache() {
  if (!self.caches) throw new Error("Cache Storage is not available here (an insecure origin?)");
  return self.caches.open(SNAPSHOT_CACHE);
}

/** The stored snapshot for `buildId` as a Uint8Array, or null when there is none. Throws when the
 * stored bytes are not the ones written (their sha256 differs). */
export async function readSnapshot(buildId) {
  const response = await (await openCache()).match(keyFor(buildId));
  if (!response) return null;
  const bytes = new Uint8Array(await response.arrayBuffer());
  if ((await sha256(bytes)) !== response.headers.get(SHA256_HEADER)) {
    throw new Error(`the stored snapshot (${bytes.length} bytes) is corrupt: its sha256 differs from the one stored with it`);
  }
  return bytes;
}

/** Store `bytes` as the snapshot of `buildId`, dropping snapshots of other builds. */
export async function writeSnapshot(buildId, bytes) {
  const cache = await openCache();
  for (const request of await cache.keys()) if (request.url !== keyFor(buildId)) await cache.delete(request);
  await cache.put(keyFor(buildId), new Response(bytes, {
    headers: { "content-type": "application/octet-stream", [SHA256_HEADER]: await sha256(bytes) },
  }));
}

export async function deleteSnapshot(buildId) {
  try {
    await (await openCache()).delete(keyFor(buildId));
  } catch {
    // nothing stored, or no Cache Storage: nothing to delete
  }
}

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
