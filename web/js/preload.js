// Pyodide's own downloads, made by us once, all at the start and side by side (issue 19).
//
// Left to itself, Pyodide fetches its WebAssembly, standard library, lock file and the numpy wheel one
// after another as it needs them, and the loader's own checks fetched some of them a second time.
// config.json's "preload" lists, for each file Pyodide will ask for (`as`, relative to the site), the
// file to download instead (`url`: e.g. pyodide.asm.wasm.gz, gzip-compressed at build time, for a
// host that does not compress WebAssembly; a trimmed standard library), its size on the wire and the
// sha256 of the bytes Pyodide is given (after decompression: Pyodide's own pins). startPreload
// begins them all at once, counting bytes for the progress bar; interceptFetch then answers Pyodide's
// fetch of each listed URL with the checked bytes, so nothing is downloaded twice and a bad file is
// named (fetchOk's messages) instead of leaving loadPyodide hanging.

import { fetchOk } from "./pyodide-loader.js";

/** Counts the bytes of every download it is told about; calls `report({done, total})` at most every 100 ms. */
export class Progress {
  constructor(report = () => {}) {
    this.report = report;
    this.done = 0;
    this.total = 0;
    this.last = 0;
  }

  expect(bytes) {
    this.total += Number(bytes) || 0;
  }

  add(n) {
    this.done += n;
    const now = performance.now();
    if (now - this.last > 100 || this.done >= this.total) {
      this.last = now;
      this.report({ done: Math.min(this.done, this.total), total: this.total });
    }
  }
}

/**
 * Start every download of `entries` (config.json's "preload", URLs relative to `base`) now.
 * Returns Map(absolute URL Pyodide will ask for -> {bytes: Promise<Uint8Array>, type, url}).
 */
export function startPreload(entries, base, progress = new Progress()) {
  const files = new Map();
  for (const entry of entries ?? []) {
    const url = new URL(entry.url, base).href;
    progress.expect(entry.bytes);
    const bytes = fetchOk(url, "buffer", entry.sha256, "default", { gzip: !!entry.gzip, onBytes: (n) => progress.add(n) })
      .then((buffer) => new Uint8Array(buffer));
    bytes.catch(() => {}); // whoever needs it awaits it
    files.set(new URL(entry.as, base).href, { bytes, type: entry.type || "application/octet-stream", url });
  }
  return files;
}

/** Every preloaded file, once all have arrived and passed their checks (the first failure rejects). */
export function allPreloaded(files) {
  return Promise.all([...files.values()].map((f) => f.bytes));
}

/**
 * Answer fetches of the preloaded URLs from `files` for as long as Pyodide loads; returns the function
 * that puts the original fetch back. Any other URL goes to the network as before.
 */
export function interceptFetch(files) {
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const asked = new URL(input instanceof Request ? input.url : String(input), self.location.href).href;
    const file = files.get(asked);
    if (!file) return original.call(globalThis, input, init);
    const bytes = await file.bytes;
    return new Response(bytes, { status: 200, headers: { "content-type": file.type, "content-length": String(bytes.length) } });
  };
  return () => {
    globalThis.fetch = original;
  };
}

/**
 * What the loaders take from config.json besides the preloads: `options` for loadPyodide (the trimmed
 * standard library's URL), `preflight` (the core files still fetched and checked first: those not
 * preloaded), `preloaded` (the numpy wheel is among the preloads) and `snapshotKey` (the start-up
 * snapshot's key: Pyodide's build id and the standard library it was made with).
 */
export function loaderSettings(config, site) {
  const preloaded = Array.isArray(config.preload) && config.preload.length > 0;
  const stdlib = config.stdlibURL ? new URL(config.stdlibURL, site).href : null;
  const key = config.pyodideBuildId ?? null;
  return {
    preloaded,
    options: stdlib ? { stdLibURL: stdlib } : {},
    preflight: preloaded ? ["pyodide.asm.js"] : undefined,
    snapshotKey: key && config.stdlibSha256 ? `${key}+stdlib-${config.stdlibSha256.slice(0, 16)}` : key,
  };
}
