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

import { fetchOk, preflight } from "./pyodide-loader.js";

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
 * Start the downloads of `entries` (config.json's "preload", URLs relative to `base`): those marked
 * `first` (what Python's start needs) now, the others once `later` resolves (by default, when the
 * first have arrived), so that they do not share the line with Python's WebAssembly.
 * Returns Map(absolute URL Pyodide will ask for -> {bytes: Promise<Uint8Array>, type, url}).
 */
export function startPreload(entries, base, progress = new Progress(), later = null) {
  const files = new Map();
  const first = [];
  let go;
  const gate = new Promise((resolve) => (go = resolve));
  for (const entry of entries ?? []) {
    const url = new URL(entry.url, base).href;
    progress.expect(entry.bytes);
    // `arrived`: its last byte is in (the line is free for the next download), before it is
    // decompressed and checked; or it failed
    let got = 0;
    let arrive;
    const arrived = new Promise((resolve) => (arrive = resolve));
    const onBytes = (n) => {
      progress.add(n);
      got += n;
      if (got >= entry.bytes) arrive();
    };
    const start = () => fetchOk(url, "buffer", entry.sha256, "default", { gzip: !!entry.gzip, onBytes });
    const bytes = (entry.first ? start() : gate.then(start)).then((buffer) => new Uint8Array(buffer));
    bytes.then(arrive, arrive);
    if (entry.first) first.push(arrived);
    bytes.catch(() => {}); // whoever needs it awaits it
    files.set(new URL(entry.as, base).href,
      { bytes, arrived, type: entry.type || "application/octet-stream", url, first: !!entry.first });
  }
  (later ?? Promise.all(first)).then(() => go());
  return files;
}

/**
 * startPreload for a worker's load that may start from the snapshot: when `warm` (one is stored),
 * Pyodide's WebAssembly (in the snapshot) and numpy's wheel wait until `needCold()` says a normal load
 * wants them after all; else as startPreload. Returns {files, needCold}.
 */
export function startLoadPreload(entries, base, progress, warm) {
  if (!warm) return { files: startPreload(entries, base, progress), needCold: () => {} };
  let needCold;
  const coldWanted = new Promise((resolve) => (needCold = resolve));
  const held = (entries ?? []).map((e) => (e.as.endsWith("pyodide.asm.wasm") ? { ...e, first: false } : e));
  return { files: startPreload(held, base, progress, coldWanted), needCold };
}

/** A promise of the `first` preloads' arrival: their last bytes in (failures included: theirs are
 * reported elsewhere), while they may still be decompressed and checked. */
export function firstArrived(files) {
  return Promise.all([...files.values()].filter((f) => f.first).map((f) => f.arrived));
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

/** The start-up snapshot's key: what it was made from — Pyodide's build, its standard library, numpy's
 * wheel, the package's archive and the shipped model (its session is made ahead); null without a build
 * id or the package's sha256 (nothing is kept). */
function snapshotKey(config) {
  const short = (sha) => (sha ? sha.slice(0, 16) : "pinned"); // "pinned": Pyodide's own file, fixed by the build id
  const wheel = (config.preload ?? []).find((e) => e.url.endsWith(".whl"))?.sha256;
  const pkg = config.sha256?.packageURL;
  if (!config.pyodideBuildId || !pkg) return null;
  return `${config.pyodideBuildId}+stdlib-${short(config.stdlibSha256)}+numpy-${short(wheel)}+backprop-${short(pkg)}`
    + `+model-${short(config.sha256?.modelURL)}`;
}

/**
 * What the loaders take from config.json besides the preloads: `options` for loadPyodide (the trimmed
 * standard library's URL), `preflight` (the core files still fetched and checked first: those not
 * preloaded), `asmJs` (pyodide.asm.js's gzipped copy, for importAsmJs), `preloaded` (the numpy wheel
 * is among the preloads) and `snapshotKey` (the start-up snapshot's key).
 */
export function loaderSettings(config, site) {
  const preloaded = Array.isArray(config.preload) && config.preload.length > 0;
  const stdlib = config.stdlibURL ? new URL(config.stdlibURL, site).href : null;
  return {
    preloaded,
    options: stdlib ? { stdLibURL: stdlib } : {},
    preflight: preloaded ? [] : undefined, // pyodide.asm.js: importAsmJs, else asmJsPreflight
    asmJs: preloaded ? config.asmJs ?? null : null,
    snapshotKey: snapshotKey(config),
  };
}

/**
 * Pyodide's JavaScript (pyodide.asm.js, 1.26 MB) from its gzipped copy (`asm`: config.json's
 * "asmJs": {url, sha256 of the decompressed script, bytes}): fetched, decompressed, checked against
 * Pyodide's pin and imported from a blob: URL, which defines the _createPyodideModule that loadPyodide
 * then uses instead of importing the script itself. Resolves to true when that worked; false when it
 * could not be imported (a Content-Security-Policy without blob:, say): loadPyodide then imports the
 * original as before. A download that fails or is corrupt rejects, with fetchOk's message.
 */
export async function importAsmJs(asm, base, progress = new Progress()) {
  if (typeof globalThis._createPyodideModule === "function") return true;
  progress.expect(asm.bytes);
  const code = await fetchOk(new URL(asm.url, base).href, "buffer", asm.sha256, "default",
    { gzip: true, onBytes: (n) => progress.add(n) });
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  try {
    await import(/* webpackIgnore: true */ url);
  } catch (e) {
    console.warn(`pyodide.asm.js could not be imported from its checked copy (${e?.message ?? e}); loading the original`);
    return false;
  } finally {
    URL.revokeObjectURL(url);
  }
  return typeof globalThis._createPyodideModule === "function";
}

/** Pyodide's JavaScript, ready for loadPyodide: from its gzipped copy when there is one and it can be
 * imported, else the original fetched and checked (preflight) so that loadPyodide reads it from the HTTP cache. */
export async function readyAsmJs(settings, base, indexURL, sums, progress = new Progress()) {
  if (settings.asmJs && (await importAsmJs(settings.asmJs, base, progress))) return;
  if (settings.preloaded) await preflight(indexURL, sums, ["pyodide.asm.js"], (n) => progress.add(n));
}
