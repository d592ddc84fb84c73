// The Web Worker: loads Python (Pyodide), numpy, the backprop package, the MNIST subset and the
// shipped model, then answers the page's requests (see protocol.js): each one is a method of the
// Python session (backprop.page.session.Session), called through backprop.page.wire, the one place
// that encodes JSON. Training runs here so the page never freezes.
//
// Everything Python hands back is a JSON string, so the only PyProxies held here are the wire module
// and the session; both are destroyed if loading fails half-way.
//
// Every download has a stall timeout and, where the build recorded one (config.json "sha256"), a
// checksum, so a missing, cut, truncated or corrupt file is named as such instead of hanging. A
// fatal interpreter error is announced (EVENT.DEAD) and every later request refused: the page's
// supervisor (supervisor.js) then starts another worker.

import { fetchFullData } from "./full-data.js";
import { installKernel } from "./kernel.js";
import { EVENT, REQUEST, emit, serve } from "./protocol.js";
import { loadPyodideFast, makeSnapshotInBackground } from "./snapshot.js";

const SITE = new URL("../", import.meta.url); // js/worker.js lives one level below the site root
const LOAD_PYODIDE_TIMEOUT_MS = 60_000; // loadPyodide never settles when wasm is blocked
const PACKAGE_DIR = "/home/pyodide/site"; // where the backprop archive is unpacked
const SUBSET_PATH = "/home/pyodide/mnist-subset.npz";

let pyodide = null;
let wire = null; // PyProxy of backprop.page.wire
let session = null; // PyProxy of backprop.page.session.Session
let training = false;
let fullData = null; // config.json's fullData entry: {url, bytes, sha256, ...} or {unavailable}
let fullLoaded = false;
let stallMs = 20_000; // a download that sends nothing for this long has failed (config.json may say otherwise)
let dead = null; // the fatal error, once Python can no longer be used

const status = (stage, text) => emit(self, EVENT.STATUS, { stage, text });

class StageError extends Error {
  constructor(stage, message) {
    super(message);
    this.stage = stage;
  }
}

/** Run `fn`, turning any failure into a StageError that says what was being loaded. */
async function stage(name, what, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StageError) throw e;
    throw new StageError(name, `${what} failed: ${shortError(e)}`);
  }
}

/** The last line of a Python traceback is the message a person needs; keep JS messages whole. */
function shortError(e) {
  const text = String(e && e.message ? e.message : e).trim();
  if (text.startsWith("Traceback")) {
    const lines = text.split("\n").filter((l) => l.trim());
    return lines[lines.length - 1];
  }
  return text;
}

function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

/**
 * GET `url` as "buffer" | "text" | "json", failing with a message that names what went wrong: no
 * answer or a stall (nothing received for `stallMs`), an HTTP error, a connection cut mid-file, a
 * body shorter than its Content-Length, or bytes whose sha256 is not `sha256` (truncated or corrupt).
 */
async function fetchOk(url, as, sha256 = null, cache = "default") {
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
      response = await fetch(url, { signal: controller.signal, cache });
    } catch (e) {
      throw new Error(controller.signal.aborted ? silent() : `could not fetch ${url} (${shortError(e)})`);
    }
    if (!response.ok) throw new Error(`${url} answered HTTP ${response.status} ${response.statusText}`.trim());
    const length = Number(response.headers.get("content-length")) || null;
    const reader = response.body.getReader();
    const chunks = [];
    let got = 0;
    for (;;) {
      let part;
      arm();
      try {
        part = await reader.read();
      } catch (e) {
        const of = length ? ` of ${length}` : "";
        throw new Error(controller.signal.aborted ? `${silent()} (after ${got}${of} bytes)`
          : `the download of ${url} was cut off after ${got}${of} bytes`);
      }
      if (part.done) break;
      chunks.push(part.value);
      got += part.value.length;
    }
    if (length !== null && got < length) throw new Error(`${url} is truncated: ${got} of ${length} bytes arrived`);
    const bytes = new Uint8Array(got);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    if (sha256 && hex(await crypto.subtle.digest("SHA-256", bytes)) !== sha256) {
      // A bad copy may come from the HTTP cache (Pyodide's files are cached for a year): once, ask
      // the server again, which also replaces the cached copy that loadPyodide would read next.
      if (cache !== "reload") return fetchOk(url, as, sha256, "reload");
      throw new Error(`${url} is truncated or corrupt: its ${got} bytes do not have the sha256 the build recorded`);
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
function nextTask() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

// Pyodide's core files and the numpy wheel, downloaded and checked here first (timeouts, sha256):
// loadPyodide then finds them in the HTTP cache. Given a missing, cut or truncated pyodide.asm.wasm
// it would otherwise hang until our timeout and the message could only guess at the cause.
const PYODIDE_CORE = ["pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];

async function preflight(indexURL, sums = {}) {
  const files = await Promise.all(PYODIDE_CORE.map((name) =>
    fetchOk(new URL(name, indexURL).href, name.endsWith(".json") ? "json" : "buffer", sums[name])));
  return files[PYODIDE_CORE.indexOf("pyodide-lock.json")];
}

async function preflightNumpy(indexURL, lock) {
  const numpy = lock?.packages?.numpy;
  if (!numpy?.file_name) return; // loadPackage will say what is wrong
  await fetchOk(new URL(numpy.file_name, indexURL).href, "buffer", numpy.sha256);
}

// Errors after which the interpreter cannot be used again (Pyodide says "fatal error"; a stack or
// memory overflow inside WebAssembly is one too).
const FATAL = /fatal error|fatally failed|Maximum call stack size exceeded|memory access out of bounds|out of memory|unreachable/i;

function die(e) {
  if (dead) return;
  dead = e;
  emit(self, EVENT.DEAD, { message: shortError(e) });
}

async function load() {
  const t0 = performance.now();
  const timings = {}; // seconds since the worker started, at the end of each stage (for the bench); .snapshot: used / none / failed: why
  const mark = (name) => (timings[name] = (performance.now() - t0) / 1000);
  status("config", "loading configuration…");
  const config = await stage("config", "Loading config.json", () => fetchOk(new URL("config.json", SITE), "json"));
  if (Number(config.downloadStallSeconds) > 0) stallMs = config.downloadStallSeconds * 1000;
  const sums = config.sha256 ?? {};
  const url = (key) => {
    if (!config[key]) throw new StageError("config", `config.json has no "${key}"`);
    return new URL(config[key], SITE).href;
  };
  const indexURL = url("pyodideIndexURL");
  fullData = config.fullData ?? { unavailable: "this copy of the page has no full MNIST file" };

  // Every download starts now, overlapping Python's start-up; a failed one ends loading at once
  // with its own message instead of after Python and numpy have loaded.
  const download = (name, what, key, as) =>
    stage(name, `Loading ${what}`, () => fetchOk(url(key), as, sums[key]));
  const archive = download("backprop", "the backprop package", "packageURL", "buffer");
  const subset = download("data", "the MNIST digits", "dataURL", "buffer");
  const modelText = download("data", "the trained model", "modelURL", "text");
  const meta = fetchOk(url("modelMetaURL"), "json").catch((e) => ({ error: shortError(e) })); // optional
  let failed = false;
  const anyFailure = Promise.all([archive, subset, modelText]).then(
    () => new Promise(() => {}),
    (e) => { failed = true; throw e; },
  );
  const goOn = () => { if (failed) throw new Error("loading was abandoned"); }; // stop wasted work

  const steps = (async () => {
    status("python", "loading Python (Pyodide)…");
    const lock = await stage("python", `Loading Python (Pyodide) from ${indexURL}`, () => preflight(indexURL, sums.pyodide));
    goOn();
    const wheel = stage("numpy", "Loading numpy", () => preflightNumpy(indexURL, lock));
    wheel.catch(() => {}); // awaited below
    let snapshot;
    ({ pyodide, snapshot } = await stage("python", `Loading Python (Pyodide) from ${indexURL}`,
      () => startPyodide(indexURL, config.pyodideBuildId)));
    timings.snapshot = snapshot;
    mark("python");
    goOn();
    await wheel;

    status("numpy", "loading numpy…");
    await stage("numpy", "Loading numpy", async () => {
      const problems = [];
      // loadPackage resolves even when a download failed: collect its errors and check the import.
      await withTimeout(
        pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (m) => problems.push(m) }),
        3 * stallMs, `no answer for ${(3 * stallMs) / 1000} s`);
      if (problems.length) throw new Error(problems.join("; "));
      pyodide.runPython("import numpy");
    });
    mark("numpy");
    const kernel = await installKernel(pyodide, new URL("kernel/gemm.wasm", SITE).href); // else numpy
    if (kernel.reason) console.warn(kernel.reason);

    goOn();
    status("backprop", "loading the backprop package…");
    const zip = await archive;
    goOn();
    await stage("backprop", "Loading the backprop package", () => {
      pyodide.unpackArchive(zip, "zip", { extractDir: PACKAGE_DIR });
      pyodide.runPython(`import sys\nif ${JSON.stringify(PACKAGE_DIR)} not in sys.path: sys.path.insert(0, ${JSON.stringify(PACKAGE_DIR)})`);
      wire = pyodide.pyimport("backprop.page.wire");
    });
    mark("backprop");

    status("data", "loading the MNIST digits and the trained model…");
    const [subsetBytes, text] = await Promise.all([subset, modelText]);
    mark("fetch");
    return stage("data", "Reading the MNIST subset and the model", async () => {
      pyodide.FS.writeFile(SUBSET_PATH, new Uint8Array(subsetBytes));
      const module = pyodide.pyimport("backprop.page.session");
      session = module.Session(SUBSET_PATH, text);
      module.destroy();
      mark("session");
      // The model's evaluation and the first digits are not part of "ready": the page asks for them
      // with every other view right after (about 0.3 s of a load's cold WebAssembly code)
      const ready = { info: JSON.parse(call(REQUEST.INFO)), meta: await meta, version: config.version ?? null, kernel, fullData };
      return { ...ready, seconds: (performance.now() - t0) / 1000, timings };
    });
  })();
  steps.catch(() => {}); // when a download fails first, this loser's rejection is not news
  emit(self, EVENT.READY, await Promise.race([steps, anyFailure]));
  // Python's start-up snapshot for the next visit (snapshot.js), made once the page is ready
  if (timings.snapshot !== "used" && config.pyodideBuildId) {
    makeSnapshotInBackground(indexURL, config.pyodideBuildId).then((r) => r.error && console.warn(`no start-up snapshot: ${r.error}`));
  }
}

/** loadPyodide with our own timeout: it never settles when WebAssembly is blocked. */
async function startPyodide(indexURL, buildId) {
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  const started = performance.now();
  const ticker = setInterval(() => {
    const s = Math.round((performance.now() - started) / 1000);
    status("python", `loading Python (Pyodide)… still working after ${s} s`);
  }, 5000);
  try {
    return await withTimeout(
      // numpy's wheel is already downloading beside Python's start (preflightNumpy, checked against the
      // lock's sha256); loadPackage below takes it from the HTTP cache. Python itself starts from the
      // start-up snapshot of Pyodide's build when there is a good one (snapshot.js).
      loadPyodideFast(loadPyodide, { indexURL, stdout: () => {}, stderr: (line) => console.warn(line) }, buildId),
      LOAD_PYODIDE_TIMEOUT_MS,
      `no answer after ${LOAD_PYODIDE_TIMEOUT_MS / 1000} s (is WebAssembly blocked here, e.g. by a Content-Security-Policy?)`,
    );
  } finally {
    clearInterval(ticker);
  }
}

// -- requests, once loaded ----------------------------------------------------------------------------
/** A request of the session through the wire: JSON in and out; a binary argument travels as `data`. */
function call(type, { data = null, ...args } = {}, emit = null) {
  return wire.call(session, type, JSON.stringify(args), data && new Uint8Array(data), emit, nextTask);
}

/** The trained network's weights and biases as float64 bytes (Session.network_bytes). */
function networkBytes() {
  const proxy = session.network_bytes("trained");
  try {
    return proxy.toJs().slice().buffer; // a copy the page owns, transferred below
  } finally {
    proxy.destroy();
  }
}

async function train({ runId, params }) {
  if (training) throw new Error("a run is already going; press Stop first");
  training = true;
  try {
    return JSON.parse(await call(REQUEST.TRAIN, { params }, (event, text) => {
      if (event === "progress") {
        emit(self, EVENT.PROGRESS, { runId, ...JSON.parse(text) });
        return;
      }
      // each epoch's network goes to the page too: kept there (IndexedDB) and given back after a restart
      const network = networkBytes();
      self.postMessage({ runId, ...JSON.parse(text), network, type: EVENT.EPOCH }, [network]);
    }));
  } finally {
    training = false;
  }
}

/** The requests that do more than call the session: a run, and a switch to full MNIST. Every other
 * one is a session method of the same name (Python's wire refuses any other). Requests that arrive
 * during a run are answered while the training loop yields (between mini-batches). */
const handlers = {
  [REQUEST.TRAIN]: train,
  [REQUEST.USE_DATA]: useData,
};

/** Switch the session's digits; the full file is fetched (with progress events) the first time. */
async function useData({ name }) {
  if (training) throw new Error("a run is going; stop it before changing the digits");
  if (name !== "full" || fullLoaded) return JSON.parse(call(REQUEST.USE_DATA, { name }));
  const { bytes, seconds } = await fetchFullData(SITE, fullData, (p) => emit(self, EVENT.DATA_PROGRESS, p));
  const path = "/home/pyodide/mnist-full.npz";
  pyodide.FS.writeFile(path, bytes);
  try {
    session.load_full(path).destroy(); // its answer is info's, asked for below as JSON
    const info = JSON.parse(call(REQUEST.INFO));
    fullLoaded = true;
    return { ...info, download_seconds: seconds };
  } finally {
    pyodide.FS.unlink(path); // Python holds the arrays now
  }
}

/** Answer `type`, once Python is loaded and alive; a fatal interpreter error ends this worker's use. */
async function answer(type, args) {
  if (dead) throw new Error(`Python stopped working (${shortError(dead)})`);
  if (!session) throw new Error(`"${type}" arrived before the page finished loading`);
  try {
    const handler = handlers[type] ?? ((a) => JSON.parse(call(type, a)));
    return await handler(args);
  } catch (e) {
    if (e?.pyodide_fatal_error || FATAL.test(String(e?.message ?? e)) || e instanceof WebAssembly.RuntimeError) die(e);
    throw e;
  }
}

serve(self, {}, shortError, answer);

load().catch((e) => {
  session?.destroy();
  wire?.destroy();
  session = wire = null;
  emit(self, EVENT.FATAL, { stage: e.stage ?? "load", message: shortError(e) });
});
