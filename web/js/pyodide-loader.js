// The one Pyodide loader, for every worker of the page (worker.js, lab-worker.js, snapshot-worker.js)
// and for the tests' Node harness: downloads that fail with the file's name and the cause (a stall
// timeout, an HTTP error, a cut or truncated body, a sha256 that is not the build's; gzip-compressed
// files decompressed first), Pyodide's core files fetched and checked before loadPyodide reads them
// from the HTTP cache where preload.js does not hand them over itself, loadPyodide under our
// own timeout (it never settles when WebAssembly is blocked) and from the start-up snapshot when there
// is a good one (snapshot.js), numpy with its download errors collected and a timeout, the backprop
// archive unpacked onto sys.path, and a next-task promise that lets a queued "stop" message in.

import { sha256Hex } from "./digest.js";
import { loadImported } from "./imported-snapshot.js";
import { deleteSnapshot, readSnapshot } from "./snapshot.js";

export const PACKAGE_DIR = "/home/pyodide/site"; // where the backprop archive is unpacked (first on sys.path)

const LOAD_PYODIDE_TIMEOUT_MS = 60_000; // loadPyodide never settles when wasm is blocked
const RESTORE_TIMEOUT_MS = 20_000; // a snapshot's restore, then the normal load within the above
// the network's fetch, taken before preload.js answers Pyodide's own fetches from the files it
// downloaded (its downloads are made with this one, never with the answering one)
const netFetch = globalThis.fetch.bind(globalThis);
let stallMs = 20_000; // a download that sends nothing for this long has failed (config.json may say otherwise)

/** config.json's downloadStallSeconds, for every later download of this worker. */
export function setStallSeconds(seconds) {
  if (Number(seconds) > 0) stallMs = seconds * 1000;
}

export class StageError extends Error {
  constructor(stage, message) {
    super(message);
    this.stage = stage;
  }
}

/** Run `fn`, turning any failure into a StageError that says what was being loaded. */
export async function stage(name, what, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StageError) throw e;
    throw new StageError(name, `${what} failed: ${shortError(e)}`);
  }
}

/** The last line of a Python traceback is the message a person needs; keep JS messages whole. */
export function shortError(e) {
  const text = String(e && e.message ? e.message : e).trim();
  if (text.startsWith("Traceback")) {
    const lines = text.split("\n").filter((l) => l.trim());
    return lines[lines.length - 1];
  }
  return text;
}

export function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A response's body as bytes, read with the stall timeout armed before every chunk. */
async function readBody(url, response, controller, arm, silent, onBytes) {
  const length = Number(response.headers.get("content-length")) || null;
  const reader = response.body.getReader();
  const chunks = [];
  let got = 0;
  for (;;) {
    let part;
    arm();
    try {
      part = await reader.read();
    } catch {
      const of = length ? ` of ${length}` : "";
      throw new Error(controller.signal.aborted ? `${silent()} (after ${got}${of} bytes)`
        : `the download of ${url} was cut off after ${got}${of} bytes`);
    }
    if (part.done) break;
    chunks.push(part.value);
    got += part.value.length;
    onBytes(part.value.length);
  }
  if (length !== null && got < length) throw new Error(`${url} is truncated: ${got} of ${length} bytes arrived`);
  const bytes = new Uint8Array(got);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/** gzip-compressed `bytes`, decompressed (DecompressionStream); a damaged file is named. Bytes without
 * gzip's magic number are returned as they are: a host that sent the .gz with Content-Encoding: gzip
 * had the browser decompress it already (the sha256 check that follows still holds). */
async function gunzip(url, bytes) {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${url} is truncated or corrupt: it does not decompress (${shortError(e)})`, { cause: e });
  }
}

/**
 * GET `url` as "buffer" | "text" | "json", failing with a message that names what went wrong: no
 * answer or a stall (nothing received for the stall timeout), an HTTP error, a connection cut
 * mid-file, a body shorter than its Content-Length, or bytes whose sha256 is not `sha256`.
 * `gzip`: the file is gzip-compressed (not by the server: by the build), decompressed here, and
 * `sha256` is the decompressed bytes'. `onBytes(n)` hears of every chunk (a progress bar).
 */
export async function fetchOk(url, as, sha256 = null, cache = "default", { gzip = false, onBytes = () => {} } = {}) {
  const controller = new AbortController();
  let timer;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), stallMs);
  };
  const silent = () => `no answer from ${url} for ${stallMs / 1000} s`;
  arm();
  try {
    let response;
    try {
      response = await netFetch(url, { signal: controller.signal, cache });
    } catch (e) {
      throw new Error(controller.signal.aborted ? silent() : `could not fetch ${url} (${shortError(e)})`, { cause: e });
    }
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status} ${response.statusText}`.trim());
    let bytes = await readBody(url, response, controller, arm, silent, onBytes);
    if (gzip) bytes = await gunzip(url, bytes).catch((e) => (cache !== "reload" ? null : Promise.reject(e)));
    if (bytes === null || (sha256 && (await sha256Hex(bytes)) !== sha256)) {
      // A bad copy may come from the HTTP cache (Pyodide's files are cached for a year): once, ask
      // the server again, which also replaces the cached copy that loadPyodide would read next.
      if (cache !== "reload") return fetchOk(url, as, sha256, "reload", { gzip, onBytes });
      throw new Error(`${url} is truncated or corrupt: its ${bytes.length} bytes do not have the sha256 the build recorded`);
    }
    if (as === "buffer") return bytes.buffer;
    const text = new TextDecoder().decode(bytes);
    if (as === "text") return text;
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${url} is not valid JSON (truncated or corrupt?)`);
    }
  } finally {
    clearTimeout(timer);
  }
}

// A promise that resolves on the next event-loop task (not a microtask), so that a "stop" message
// already queued for this worker is delivered before Python continues. MessageChannel avoids the
// 4 ms clamp of nested setTimeout(0).
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
channel.port1.unref?.(); // under Node (the tests' harness) a listening port would keep the process alive
export function nextTask() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

// Pyodide's core files and the numpy wheel, downloaded and checked here first (timeouts, sha256):
// loadPyodide then finds them in the HTTP cache. Given a missing, cut or truncated pyodide.asm.wasm
// it would otherwise hang until our timeout and the message could only guess at the cause.
const PYODIDE_CORE = ["pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];

/** Fetch and check Pyodide's core files (`sums`: config.json's sha256.pyodide); resolves to the lock.
 * `names`: only these (the others preloaded, preload.js); `onBytes` as fetchOk's. */
export async function preflight(indexURL, sums = {}, names = PYODIDE_CORE, onBytes = undefined) {
  const files = await Promise.all(names.map((name) =>
    fetchOk(new URL(name, indexURL).href, name.endsWith(".json") ? "json" : "buffer", sums[name], "default", { onBytes })));
  return files[names.indexOf("pyodide-lock.json")];
}

/** Fetch and check the numpy wheel against the (checked) lock's sha256. */
export async function preflightNumpy(indexURL, lock) {
  const numpy = lock?.packages?.numpy;
  if (!numpy?.file_name) return; // loadPackage will say what is wrong
  await fetchOk(new URL(numpy.file_name, indexURL).href, "buffer", numpy.sha256);
}

/** loadPyodide from the stored start-up snapshot of `buildId` if there is a good one: {pyodide, snapshot},
 * snapshot "used" (numpy and the page's modules are imported, the package's files in place),
 * "none" (nothing stored, or no key) or "failed: <why>" (it was deleted). */
async function loadFast(loadPyodide, options, buildId, indexURL, onStage, stored, onCold) {
  let why = "none";
  if (buildId) {
    try {
      const found = await (stored ?? readSnapshot(buildId));
      if (found) {
        onStage("snapshotRead");
        // the snapshot wraps Pyodide's module factory, which pyodide.asm.js defines
        if (typeof globalThis._createPyodideModule !== "function") await import(new URL("pyodide.asm.js", indexURL).href);
        // restored while its sha256 is checked; a damaged copy is named as such, whatever else it broke
        const pyodide = await withTimeout(loadImported(loadPyodide, options, found.bytes, onStage, onCold), RESTORE_TIMEOUT_MS,
          `no answer after ${RESTORE_TIMEOUT_MS / 1000} s`).catch(async (e) => {
          await found.checked;
          throw e;
        });
        await found.checked;
        onStage("snapshotChecked");
        if (pyodide.runPython("import numpy\nint(numpy.arange(10).sum())") !== 45) {
          throw new Error("the restored interpreter computes wrongly");
        }
        return { pyodide, snapshot: "used" };
      }
    } catch (e) {
      why = `failed: ${String(e?.message ?? e).split("\n")[0]}`;
      console.warn(`Python's start-up snapshot could not be used (${why}); loading the normal way`);
      await deleteSnapshot(buildId);
    }
  }
  onCold();
  return { pyodide: await loadPyodide(options), snapshot: why };
}

/**
 * Python: {pyodide, snapshot}. loadPyodide under our own timeout, from the start-up snapshot of
 * `buildId` when one is given and good (`stored`: its readSnapshot begun earlier, to overlap other
 * work). `onStage(name)` hears the snapshot's stages end (the bench's timings); `onCold()` that
 * Pyodide's own WebAssembly is wanted (a normal load, or a snapshot without it); `onStatus(text)` hears every 5 s that it is still working;
 * `stdout(line)` gets what Python prints. `moduleURL`: where pyodide.mjs is (Node passes a file URL).
 */
export async function startPyodide(indexURL, { buildId = null, stored = null, onStatus = () => {}, onStage = () => {},
  onCold = () => {}, stdout = () => {},
  moduleURL = new URL("pyodide.mjs", indexURL).href, timeoutMs = LOAD_PYODIDE_TIMEOUT_MS, options = {} } = {}) {
  const { loadPyodide } = await import(moduleURL);
  const started = performance.now();
  const ticker = setInterval(() => {
    const s = Math.round((performance.now() - started) / 1000);
    onStatus(`loading Python (Pyodide)… still working after ${s} s`);
  }, 5000);
  try {
    return await withTimeout(loadFast(loadPyodide, { indexURL, stdout, stderr: (line) => console.warn(line), ...options }, buildId, indexURL,
      onStage, stored, onCold),
      timeoutMs, `no answer after ${timeoutMs / 1000} s (is WebAssembly blocked here, e.g. by a Content-Security-Policy?)`);
  } finally {
    clearInterval(ticker);
  }
}

/** numpy, checked: loadPackage resolves even when a download failed, so collect its errors and import.
 * `unpacked()` is awaited between the two (the bench's split of the stage; the kept .pyc files). */
export async function loadNumpy(pyodide, unpacked = async () => {}) {
  const problems = [];
  await withTimeout(
    pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (m) => problems.push(m) }),
    3 * stallMs, `no answer for ${(3 * stallMs) / 1000} s`);
  if (problems.length) throw new Error(problems.join("; "));
  await unpacked();
  pyodide.runPython("import numpy");
}

/** The backprop package's archive (bytes) unpacked into `dir`, which goes first on sys.path. */
export function installPackage(pyodide, zip, dir) {
  pyodide.unpackArchive(new Uint8Array(zip), "zip", { extractDir: dir });
  pyodide.runPython(`import sys\nif ${JSON.stringify(dir)} not in sys.path: sys.path.insert(0, ${JSON.stringify(dir)})`);
}
