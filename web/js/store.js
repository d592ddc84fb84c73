// What the page keeps in this browser (IndexedDB), so that a reload, a crash or a closed tab loses
// nothing: the runs on the chart, the form's settings and the last trained network (its weights as
// float64 bytes, see backprop.page.session.Session.network_bytes). Nothing leaves the browser.
//
// One database, one object store, three keys. Every function fails quietly (resolves to null or does
// nothing) when IndexedDB is unavailable — a private window, storage switched off — because losing
// persistence must never stop the page working. Saving is coalesced: `saveSoon` writes at most once
// per SAVE_EVERY_MS, the latest values.

const DB_NAME = "backprop-page";
const STORE = "state";
const VERSION = 1;
export const SAVE_EVERY_MS = 500;
export const KEYS = Object.freeze({ runs: "runs", settings: "settings", network: "network" });

let opening = null;
let writing = 0; // transactions in flight

function open() {
  if (!opening) {
    opening = new Promise((resolve) => {
      let request;
      try {
        request = indexedDB.open(DB_NAME, VERSION);
      } catch {
        resolve(null);
        return;
      }
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
      request.onblocked = () => resolve(null);
    });
  }
  return opening;
}

function transaction(mode, fn) {
  writing += mode === "readwrite" ? 1 : 0;
  return open().then((db) => {
    if (!db) return null;
    return new Promise((resolve) => {
      try {
        const tx = db.transaction(STORE, mode);
        const result = fn(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(result?.result ?? true);
        tx.onerror = tx.onabort = () => resolve(null);
      } catch {
        resolve(null);
      }
    });
  }).finally(() => { writing -= mode === "readwrite" ? 1 : 0; });
}

/** True while a save is waiting for its turn or being written (tests wait for it to end). */
export function busy() {
  return timer !== null || writing > 0;
}

/** {runs, settings, network} as last saved (each null when absent), or null without IndexedDB. */
export async function load() {
  const out = {};
  const db = await open();
  if (!db) return null;
  for (const key of Object.values(KEYS)) {
    out[key] = await transaction("readonly", (s) => s.get(key));
    if (out[key] === true) out[key] = null; // get() of a missing key
  }
  return out;
}

/** Write {key: value} now; resolves true when stored. */
export function save(values) {
  return transaction("readwrite", (s) => {
    for (const [key, value] of Object.entries(values)) s.put(value, key);
  });
}

let pending = null;
let timer = null;

/** Save `getValues()` within SAVE_EVERY_MS, coalescing calls made meanwhile. */
export function saveSoon(getValues) {
  pending = getValues;
  if (timer) return;
  timer = setTimeout(() => {
    timer = null;
    const get = pending;
    pending = null;
    save(get());
  }, SAVE_EVERY_MS);
}

/** Write what saveSoon is holding back, now. */
export function flush() {
  if (!timer) return Promise.resolve(true);
  clearTimeout(timer);
  timer = null;
  const get = pending;
  pending = null;
  return save(get());
}

/** Forget everything stored ("start fresh"). */
export function clear() {
  if (timer) clearTimeout(timer);
  timer = pending = null;
  return transaction("readwrite", (s) => s.clear());
}
