// Bytes kept in Cache Storage between visits (Python's start-up snapshot, its compiled modules), each
// under a key of what it was made from and with its sha256 beside it, so that a damaged copy is
// recognised before it is used. A store keeps one entry: writing one drops the others (another
// build's, say). Cache Storage keys are requests: the keys are URLs no server is ever asked for.

import { sha256Hex as sha256 } from "./digest.js";

/** The store named `name` (a Cache Storage name); `header` carries each entry's sha256. */
export function keptStore(name, header = "x-sha256") {
  const keyFor = (key) => new URL(`/__backprop-kept__/${name}/${encodeURIComponent(key)}`, self.location.href).href;
  const open = () => {
    if (!self.caches) throw new Error("Cache Storage is not available here (an insecure origin?)");
    return self.caches.open(name);
  };
  return {
    /** The bytes kept under `key` (Uint8Array), or null; throws when they are not the ones written. */
    async read(key) {
      const found = await this.readChecking(key);
      if (found) await found.checked;
      return found?.bytes ?? null;
    },
    /** {bytes, checked} kept under `key`, or null, without waiting for the check: `checked` rejects
     * when they are not the ones written (for large bytes used meanwhile, whose use waits for it). */
    async readChecking(key) {
      const response = await (await open()).match(keyFor(key));
      if (!response) return null;
      const bytes = new Uint8Array(await response.arrayBuffer());
      const checked = sha256(bytes).then((sum) => {
        if (sum !== response.headers.get(header)) {
          throw new Error(`the stored copy (${bytes.length} bytes) is corrupt: its sha256 differs from the one stored with it`);
        }
      });
      checked.catch(() => {}); // the caller awaits it
      return { bytes, checked };
    },
    /** Keep `bytes` under `key`, dropping every other entry of this store. */
    async write(key, bytes) {
      const cache = await open();
      for (const request of await cache.keys()) if (request.url !== keyFor(key)) await cache.delete(request);
      await cache.put(keyFor(key), new Response(bytes, {
        headers: { "content-type": "application/octet-stream", [header]: await sha256(bytes) },
      }));
    },
    /** Whether anything is kept under `key` (false where Cache Storage is missing). */
    async has(key) {
      try {
        return !!(await (await open()).match(keyFor(key)));
      } catch {
        return false;
      }
    },
    async remove(key) {
      try {
        await (await open()).delete(keyFor(key));
      } catch {
        // nothing stored, or no Cache Storage: nothing to delete
      }
    },
  };
}
