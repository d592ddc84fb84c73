// The Web Worker: loads Python (Pyodide), numpy, the backprop package, the MNIST subset and the
// shipped model, then answers the page's requests (see protocol.js): each one is a method of the
// Python session (backprop.page.session.Session), called through backprop.page.wire, the one place
// that encodes JSON. Training runs here so the page never freezes.
//
// Everything Python hands back is a JSON string, so the only PyProxies held here are the wire module
// and the session; both are destroyed if loading fails half-way.
//
// Loading is the one loader's (pyodide-loader.js: stall timeouts, the build's sha256 sums, the
// start-up snapshot with numpy, the package and the session made ahead inside; downloads.js: what is
// fetched while Python starts, counted for the first visit's progress bar). A fatal interpreter error
// is announced (EVENT.DEAD) and every later request refused: the page (restartable.js) then starts
// another worker.

import { startDownloads } from "./downloads.js";
import { fetchFullData } from "./full-data.js";
import { installKernel } from "./kernel.js";
import { EVENT, REQUEST, emit, serve } from "./protocol.js";
import {
  PACKAGE_DIR, StageError, fetchOk, installPackage, loadNumpy, nextTask, preflight, preflightNumpy, setStallSeconds,
  shortError, stage, startPyodide,
} from "./pyodide-loader.js";
import { Progress, loaderSettings, readyAsmJs } from "./preload.js";
import { pycKey, restorePycs, savePycs } from "./pyc-cache.js";
import { hasSnapshot, makeSnapshotInBackground, readSnapshot } from "./snapshot.js";

const SITE = new URL("../", import.meta.url); // js/worker.js lives one level below the site root
const SUBSET_PATH = "/home/pyodide/mnist-subset.npz";

let pyodide = null;
let wire = null; // PyProxy of backprop.page.wire
let session = null; // PyProxy of backprop.page.session.Session
let training = false;
let fullData = null; // config.json's fullData entry: {url, bytes, sha256, ...} or {unavailable}
let fullLoaded = false;
let shipped = {}; // config.json's shipped networks fetched on demand: {conv: {url, sha256, gzip, metaURL}}
let dead = null; // the fatal error, once Python can no longer be used

// The stage under way and the downloads' bytes so far: while files are still coming, the status line
// says how much ("Downloading… 4.1 of 8.0 MB", with a bar), and the stage's own words after.
let shown = { stage: "config", text: "" };
let bytes = { done: 0, total: 0 };
let digitsPhase = false; // after "ready": the digits' own download (the "data" stage, drawing already answered)
const mb = (n) => (n / 1e6).toFixed(1);
function say() {
  const { done, total } = bytes;
  const what = digitsPhase ? "Draw a digit now — downloading the MNIST digits"
    : "Downloading Python, numpy and the model";
  const text = total && done < total ? `${what}… ${mb(done)} of ${mb(total)} MB` : shown.text;
  emit(self, EVENT.STATUS, { stage: shown.stage, text, done, total });
}
const status = (stage, text) => {
  shown = { stage, text };
  say();
};

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
  setStallSeconds(config.downloadStallSeconds);
  mark("config");
  const sums = config.sha256 ?? {};
  const url = (key) => {
    if (!config[key]) throw new StageError("config", `config.json has no "${key}"`);
    return new URL(config[key], SITE).href;
  };
  const indexURL = url("pyodideIndexURL");
  fullData = config.fullData ?? { unavailable: "this copy of the page has no full MNIST file" };
  shipped = config.shipped ?? {};
  const progress = new Progress((p) => {
    bytes = p;
    say();
  });
  const settings = loaderSettings(config, SITE);
  const pycs = pycKey(config); // numpy's and the package's compiled modules, kept between visits
  // with a start-up snapshot stored, it is read (and its sha256 checked) while Python's files arrive
  const warm = await hasSnapshot(settings.snapshotKey);
  let stored = warm ? readSnapshot(settings.snapshotKey) : null;
  stored?.catch(() => {}); // startPyodide awaits it
  const { archive, modelText, needCold, anyFailure, failed, restoreFetch } = startDownloads({
    config, site: SITE, url, indexURL, progress, warm,
  });
  const meta = fetchOk(url("modelMetaURL"), "json").catch((e) => ({ error: shortError(e) })); // optional
  const goOn = () => { if (failed()) throw new Error("loading was abandoned"); }; // stop wasted work

  const steps = (async () => {
    status("python", "loading Python (Pyodide)…");
    const lock = await stage("python", `Loading Python (Pyodide) from ${indexURL}`, async () => {
      await readyAsmJs(settings, SITE, indexURL, sums.pyodide, progress);
      mark("asmJs");
      return preflight(indexURL, sums.pyodide, settings.preflight);
    });
    goOn();
    const wheel = settings.preloaded ? Promise.resolve()
      : stage("numpy", "Loading numpy", () => preflightNumpy(indexURL, lock));
    wheel.catch(() => {}); // awaited below
    let snapshot;
    ({ pyodide, snapshot } = await stage("python", `Loading Python (Pyodide) from ${indexURL}`,
      () => startPyodide(indexURL, { buildId: settings.snapshotKey, stored, onStatus: (text) => status("python", text),
        onStage: mark, onCold: needCold, options: settings.options })));
    timings.snapshot = snapshot;
    stored = null; // the bundle is in Python's memory and files now: let its 73 MB go
    mark("python");
    goOn();
    if (snapshot === "used") {
      timings.pyc = "snapshot"; // numpy and the package came with Python, imported
    } else {
      needCold();
      archive();
      await wheel;
      status("numpy", "loading numpy…");
      await stage("numpy", "Loading numpy", () => loadNumpy(pyodide, async () => {
        mark("numpyUnpacked");
        // the package's files first: its pycache.py gives back the compiled modules kept from a visit before
        const zip = await archive();
        installPackage(pyodide, zip, PACKAGE_DIR);
        timings.pyc = await restorePycs(pyodide, pycs, PACKAGE_DIR);
      }));
    }
    restoreFetch(); // Pyodide has asked for all it needs
    mark("numpy");
    const kernel = await installKernel(pyodide, new URL("kernel/gemm.wasm", SITE).href); // else numpy
    if (kernel.reason) console.warn(kernel.reason);

    goOn();
    status("backprop", "loading the backprop package…");
    await stage("backprop", "Loading the backprop package", () => {
      wire = pyodide.pyimport("backprop.page.wire");
    });
    mark("backprop");

    status("data", "loading the trained model…");
    return stage("data", "Reading the model", async () => {
      if (snapshot === "used") { // the session the snapshot's worker made from the same model (ahead.py)
        const ahead = pyodide.pyimport("backprop.page.ahead");
        session = ahead.made_ahead(sums.modelURL ?? "") ?? null;
        ahead.destroy();
      }
      timings.sessionAhead = !!session;
      if (!session) {
        const text = await modelText();
        mark("fetch");
        const module = pyodide.pyimport("backprop.page.session");
        session = module.Session(null, text); // the digits come after "ready" (loadDigits)
        module.destroy();
      }
      mark("session");
      // The model's evaluation and the first digits are not part of "ready": the page asks for them
      // with every other view right after (about 0.3 s of a load's cold WebAssembly code)
      const ready = {
        info: JSON.parse(call(REQUEST.INFO)), meta: await meta, version: config.version ?? null, kernel, fullData,
        shipped: Object.keys(shipped),
      };
      timings.readyAt = performance.timeOrigin + performance.now(); // ms since 1970, the page's clock too
      return { ...ready, seconds: (performance.now() - t0) / 1000, timings };
    });
  })();
  steps.catch(() => {}); // when a download fails first, this loser's rejection is not news
  try {
    emit(self, EVENT.READY, await Promise.race([steps, anyFailure]));
  } catch (e) {
    // the stages still under way end soon after; their last word comes after the failure (FATAL, sent
    // in this task), which the page counts and never shows: tests wait for it
    steps.finally(() => setTimeout(() => status("abandoned", "loading abandoned after a failure"))).catch(() => {});
    throw e;
  }
  await loadDigits(url("dataURL"), config.downloadBytes?.dataURL, sums.dataURL, () => (performance.now() - t0) / 1000, timings);
  if (pycs && timings.pyc !== "used" && timings.pyc !== "snapshot") { // for the next visit, once the first views have imported what they use
    whenIdle(() => savePycs(pyodide, pycs, PACKAGE_DIR).then((r) => r.error && console.warn(`no kept modules: ${r.error}`)));
  }
  // Python's start-up snapshot for the next visit (snapshot.js), made once the page is ready and has
  // asked nothing for a moment: a first drawing should not share the machine with a second Python
  if (timings.snapshot !== "used" && settings.snapshotKey) {
    whenIdle(() => makeSnapshotInBackground(indexURL, config.pyodideBuildId, settings.snapshotKey,
      new URL("config.json", SITE).href).then((r) => r.error && console.warn(`no start-up snapshot: ${r.error}`)));
  }
}

/**
 * The MNIST subset, after "ready" (issue 19): the first view, a drawing read by the model, needs none
 * of it, so a first visit is ready 2 MB sooner; every other view waits for EVENT.DIGITS. Its download
 * has the status line's bar of its own; a failure is the load's (FATAL, named, with Retry).
 */
async function loadDigits(dataURL, size, sha256, elapsed, timings) {
  const progress = new Progress((p) => {
    bytes = p;
    say();
  });
  progress.expect(size);
  digitsPhase = true;
  status("data", "Draw a digit now — the MNIST digits are arriving…");
  const subset = await stage("data", "Loading the MNIST digits", () =>
    fetchOk(dataURL, "buffer", sha256, "default", { onBytes: (n) => progress.add(n) }));
  const info = await stage("data", "Reading the MNIST digits", () => {
    pyodide.FS.writeFile(SUBSET_PATH, new Uint8Array(subset));
    try {
      session.load_subset(SUBSET_PATH).destroy(); // its answer is info's, asked for below as JSON
    } finally {
      pyodide.FS.unlink(SUBSET_PATH); // Python holds the arrays now
    }
    return JSON.parse(call(REQUEST.INFO));
  });
  timings.digits = elapsed();
  emit(self, EVENT.DIGITS, { info, seconds: elapsed(), timings });
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
  [REQUEST.LOAD_SHIPPED]: loadShipped,
};

/** One of the site's other networks (the convolutional one), fetched and checked the first time it is
 * chosen: not part of "ready", so a first visit does not wait for it. */
async function loadShipped({ which }) {
  const entry = shipped[which];
  if (!entry) throw new Error(`this copy of the page has no ${which} network`);
  const [text, meta] = await Promise.all([
    fetchOk(new URL(entry.url, SITE), "text", entry.sha256, "default", { gzip: !!entry.gzip }),
    fetchOk(new URL(entry.metaURL, SITE), "json").catch((e) => ({ error: shortError(e) })), // optional
  ]);
  return { facts: JSON.parse(call(REQUEST.LOAD_SHIPPED, { which, text })), meta };
}

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

let lastAsked = 0; // performance.now() of the latest request
const IDLE_MS = 2000;
/** Call `fn` once no request has come for IDLE_MS and no run is going. */
function whenIdle(fn) {
  const wait = () => (!training && performance.now() - lastAsked >= IDLE_MS ? fn() : setTimeout(wait, 250));
  setTimeout(wait, IDLE_MS);
}

/** Answer `type`, once Python is loaded and alive; a fatal interpreter error ends this worker's use. */
async function answer(type, args) {
  lastAsked = performance.now();
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
