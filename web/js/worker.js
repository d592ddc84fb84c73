// The Web Worker: loads Python (Pyodide), numpy, the backprop package, the MNIST subset and the
// shipped model, then answers the page's requests (see protocol.js) with a dispatch table over the
// Python session (backprop.browser.Session). Training runs here so the page never freezes.
//
// Everything Python hands back is a JSON string, so the only PyProxies held here are the module and
// the session; both are destroyed if loading fails half-way.

import { EVENT, REQUEST, emit, serve } from "./protocol.js";

const SITE = new URL("../", import.meta.url); // js/worker.js lives one level below the site root
const LOAD_PYODIDE_TIMEOUT_MS = 60_000; // loadPyodide never settles when wasm is blocked
const PACKAGE_DIR = "/home/pyodide/site"; // where the backprop archive is unpacked
const SUBSET_PATH = "/home/pyodide/mnist-subset.npz";

let pyodide = null;
let browserModule = null; // PyProxy of backprop.browser
let session = null; // PyProxy of backprop.browser.Session
let training = false;

const status = (stage, text) => emit(self, EVENT.STATUS, { stage, text });

// Loading Pyodide is shared with the lab's worker (pyodide-loader.js).
import { StageError, fetchOk, nextTask, preflight, shortError, stage, startPyodide as loadPyodideWithTimeout }
  from "./pyodide-loader.js";

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
        info: JSON.parse(session.info()), model: JSON.parse(session.evaluate("model")),
        strip: JSON.parse(session.strip("model", 0, 24)), meta: await meta, version: config.version ?? null,
      };
      mark("evaluate");
      return { ...ready, seconds: (performance.now() - t0) / 1000, timings };
    });
  })();
  steps.catch(() => {}); // when a download fails first, this loser's rejection is not news
  emit(self, EVENT.READY, await Promise.race([steps, anyFailure]));
}

/** loadPyodide with our own timeout: it never settles when WebAssembly is blocked. */
const startPyodide = (indexURL) => // the page's worker shows the loader's ticker on its status line
  loadPyodideWithTimeout(indexURL, { timeoutMs: LOAD_PYODIDE_TIMEOUT_MS, onStatus: (text) => status("python", text) });

// -- requests, once loaded ----------------------------------------------------------------------------
const json = (text) => JSON.parse(text);

async function train({ runId, params }) {
  if (training) throw new Error("a run is already going; press Stop first");
  training = true;
  try {
    return json(await session.train(
      JSON.stringify(params),
      (text) => emit(self, EVENT.PROGRESS, { runId, ...json(text) }),
      (text) => emit(self, EVENT.EPOCH, { runId, ...json(text) }),
      nextTask,
    ));
  } finally {
    training = false;
  }
}

/** Each request of protocol.js, once the session exists. Requests that arrive during a run are
 * answered while the training loop yields (between mini-batches). */
const handlers = {
  [REQUEST.TRAIN]: train,
  [REQUEST.STOP]: () => session.stop(),
  [REQUEST.EVALUATE]: ({ which }) => json(session.evaluate(which)),
  [REQUEST.STRIP]: ({ which, start, count }) => json(session.strip(which, start, count)),
  [REQUEST.LOAD_FILE]: ({ text }) => json(session.load_file(text)),
  [REQUEST.MODEL_JSON]: ({ which }) => session.model_json(which),
  [REQUEST.PREDICT_DRAWING]: ({ which, ink, width, height }) => json(session.predict_drawing(which, ink, width, height)),
  [REQUEST.PREDICT_TEST_DIGIT]: ({ which, index }) => json(session.predict_test_digit(which, index)),
  [REQUEST.HIDDEN_UNITS]: ({ which }) => json(session.hidden_units(which)),
  [REQUEST.UNIT_DETAIL]: ({ which, unit }) => json(session.unit_detail(which, unit)),
  [REQUEST.CONFUSION]: ({ which }) => json(session.confusion(which)),
  [REQUEST.CONFUSION_CELL]: ({ which, trueLabel, predicted }) =>
    json(session.confusion_cell(which, trueLabel, predicted)),
};

const whenReady = Object.fromEntries(Object.entries(handlers).map(([type, fn]) => [type, (args) => {
  if (!session) throw new Error(`"${type}" arrived before the page finished loading`);
  return fn(args);
}]));

serve(self, whenReady, shortError);

load().catch((e) => {
  session?.destroy();
  browserModule?.destroy();
  session = browserModule = null;
  emit(self, EVENT.FATAL, { stage: e.stage ?? "load", message: shortError(e) });
});
