// The Web Worker: loads Python (Pyodide), numpy, the backprop package, the MNIST subset and the
// shipped model, then answers typed messages. Training runs here so the page never freezes.
//
// Messages in:  {type: "train", runId, params} | {type: "stop"} | {type: "predict", which, start, count}
//               | {type: "load-model", text}
// Messages out: {type: "status", stage, text} | {type: "ready", ...} | {type: "progress", runId, ...}
//               | {type: "epoch", runId, ...} | {type: "done", runId, summary} | {type: "strip", ...}
//               | {type: "model", ...} | {type: "error", stage, message, runId?}
//
// Everything Python hands back is a JSON string, so the only PyProxies held here are the module and
// the session; both are destroyed if loading fails half-way.

import { installKernel } from "./kernel.js";

const SITE = new URL("../", import.meta.url); // js/worker.js lives one level below the site root
const LOAD_PYODIDE_TIMEOUT_MS = 60_000; // loadPyodide never settles when wasm is blocked
const PACKAGE_DIR = "/home/pyodide/site"; // where the backprop archive is unpacked
const SUBSET_PATH = "/home/pyodide/mnist-subset.npz";

let pyodide = null;
let browserModule = null; // PyProxy of backprop.browser
let session = null; // PyProxy of backprop.browser.Session
let training = false;

const post = (msg) => self.postMessage(msg);
const status = (stage, text) => post({ type: "status", stage, text });

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

async function fetchOk(url, as) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch ${url} (${shortError(e)})`);
  }
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status} ${response.statusText}`.trim());
  return as === "text" ? response.text() : as === "json" ? response.json() : response.arrayBuffer();
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

// Pyodide's core files, asked for with HEAD first: a missing pyodide.asm.wasm otherwise makes
// loadPyodide hang until our timeout instead of failing with a clear message.
const PYODIDE_CORE = ["pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];

async function preflight(indexURL) {
  await Promise.all(PYODIDE_CORE.map(async (name) => {
    const href = new URL(name, indexURL).href;
    let response;
    try {
      response = await fetch(href, { method: "HEAD" });
    } catch (e) {
      throw new Error(`could not reach ${href} (${shortError(e)})`);
    }
    if (!response.ok) throw new Error(`${href} answered HTTP ${response.status}`);
  }));
}

async function load() {
  const t0 = performance.now();
  const timings = {}; // seconds since the worker started, at the end of each stage (for the bench)
  const mark = (name) => (timings[name] = (performance.now() - t0) / 1000);
  status("config", "loading configuration…");
  const config = await stage("config", "Loading config.json", () => fetchOk(new URL("config.json", SITE), "json"));
  const url = (key) => {
    if (!config[key]) throw new StageError("config", `config.json has no "${key}"`);
    return new URL(config[key], SITE).href;
  };
  const indexURL = url("pyodideIndexURL");

  // Every download starts now, overlapping Python's start-up; a failed one ends loading at once
  // with its own message instead of after Python and numpy have loaded.
  const download = (name, what, key, as) =>
    stage(name, `Loading ${what}`, () => fetchOk(url(key), as));
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
    pyodide = await stage("python", `Loading Python (Pyodide) from ${indexURL}`, () =>
      Promise.all([preflight(indexURL), startPyodide(indexURL)]).then(([, py]) => py));
    mark("python");
    goOn();

    status("numpy", "loading numpy…");
    await stage("numpy", "Loading numpy", async () => {
      const problems = [];
      // loadPackage resolves even when a download failed: collect its errors and check the import.
      await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (m) => problems.push(m) });
      if (problems.length) throw new Error(problems.join("; "));
      pyodide.runPython("import numpy");
    });
    mark("numpy");
    const kernel = await installKernel(pyodide, new URL("kernel/gemm.wasm", SITE).href); // else numpy
    if (kernel.reason) console.warn(kernel.reason);

    status("backprop", "loading the backprop package…");
    const zip = await archive;
    goOn();
    await stage("backprop", "Loading the backprop package", () => {
      pyodide.unpackArchive(zip, "zip", { extractDir: PACKAGE_DIR });
      pyodide.runPython(`import sys\nif ${JSON.stringify(PACKAGE_DIR)} not in sys.path: sys.path.insert(0, ${JSON.stringify(PACKAGE_DIR)})`);
      browserModule = pyodide.pyimport("backprop.browser");
    });
    mark("backprop");

    status("data", "loading the MNIST digits and the trained model…");
    const [subsetBytes, text] = await Promise.all([subset, modelText]);
    mark("fetch");
    return stage("data", "Reading the MNIST subset and the model", async () => {
      pyodide.FS.writeFile(SUBSET_PATH, new Uint8Array(subsetBytes));
      session = browserModule.Session(SUBSET_PATH, text);
      mark("session");
      const ready = {
        type: "ready", info: JSON.parse(session.info()), model: JSON.parse(session.evaluate("model")),
        strip: JSON.parse(session.strip("model", 0, 24)), meta: await meta, version: config.version ?? null, kernel,
      };
      mark("evaluate");
      return { ...ready, seconds: (performance.now() - t0) / 1000, timings };
    });
  })();
  steps.catch(() => {}); // when a download fails first, this loser's rejection is not news
  post(await Promise.race([steps, anyFailure]));
}

/** loadPyodide with our own timeout: it never settles when WebAssembly is blocked. */
async function startPyodide(indexURL) {
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  const started = performance.now();
  const ticker = setInterval(() => {
    const s = Math.round((performance.now() - started) / 1000);
    status("python", `loading Python (Pyodide)… still working after ${s} s`);
  }, 5000);
  try {
    return await withTimeout(
      // packages: numpy's download and set-up start during Python's (loadPackage below then checks it)
      loadPyodide({ indexURL, packages: ["numpy"], stdout: () => {}, stderr: (line) => console.warn(line) }),
      LOAD_PYODIDE_TIMEOUT_MS,
      `no answer after ${LOAD_PYODIDE_TIMEOUT_MS / 1000} s (is WebAssembly blocked here, e.g. by a Content-Security-Policy?)`,
    );
  } finally {
    clearInterval(ticker);
  }
}

async function train(runId, params) {
  if (training) {
    post({ type: "error", stage: "train", runId, message: "a run is already going; press Stop first" });
    return;
  }
  training = true;
  try {
    const summary = await session.train(
      JSON.stringify(params),
      (text) => post({ type: "progress", runId, ...JSON.parse(text) }),
      (text) => post({ type: "epoch", runId, ...JSON.parse(text) }),
      nextTask,
    );
    post({ type: "done", runId, summary: JSON.parse(summary) });
  } catch (e) {
    post({ type: "error", stage: "train", runId, message: shortError(e) });
  } finally {
    training = false;
  }
}

function handle(msg) {
  if (!session) {
    post({ type: "error", stage: "not-ready", message: `"${msg.type}" arrived before the page finished loading` });
    return;
  }
  try {
    switch (msg.type) {
      case "train":
        train(msg.runId, msg.params);
        break;
      case "stop":
        session.stop(); // read by the training loop after its current mini-batch
        break;
      case "predict":
        post({ type: "strip", ...JSON.parse(session.strip(msg.which ?? "model", msg.start ?? 0, msg.count ?? 24)) });
        break;
      case "load-model":
        post({ type: "model", model: JSON.parse(session.load_model(msg.text)) });
        break;
      default:
        post({ type: "error", stage: "message", message: `unknown message type ${JSON.stringify(msg.type)}` });
    }
  } catch (e) {
    post({ type: "error", stage: msg.type, message: shortError(e) });
  }
}

self.onmessage = (event) => handle(event.data);

load().catch((e) => {
  session?.destroy();
  browserModule?.destroy();
  session = browserModule = null;
  post({ type: "error", stage: e.stage ?? "load", fatal: true, message: shortError(e) });
});
