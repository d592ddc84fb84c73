// The lab's Web Worker: its own Pyodide, where the learner's backprop runs (backprop.page.lab_session). The
// page starts it when the lab is first used, and terminates it and starts a fresh one when the learner's
// code does not stop: an endless loop here never touches the page's worker, its network or its run.

import { EVENT, LAB_REQUEST, emit, serve } from "./protocol.js";
import {
  PACKAGE_DIR, fetchOk, installPackage, loadNumpy, nextTask, preflight, preflightNumpy, setStallSeconds, shortError,
  startPyodide,
} from "./pyodide-loader.js";
import { allPreloaded, interceptFetch, loaderSettings, readyAsmJs, startLoadPreload } from "./preload.js";
import { hasSnapshot } from "./snapshot.js";

const SITE = new URL("../", import.meta.url); // js/lab-worker.js lives one level below the site root
const SUBSET_PATH = "/home/pyodide/mnist-subset.npz";
const MAX_PRINTED = 40; // lines of the learner's print() output sent back with a check

let session = null; // PyProxy of backprop.page.lab_session.LabSession
let wire = null; // PyProxy of backprop.page.wire
let printed = [];
let subset = null; // the promise of the subset, fetched for the first run
let config = null;
let busy = false;

const status = (text) => emit(self, EVENT.STATUS, { stage: "lab", text });

/** Python, numpy and backprop, the way the page's worker loads them (the one loader: stall timeouts,
 * the build's sha256 sums, the start-up snapshot). */
async function load() {
  config = await fetchOk(new URL("config.json", SITE), "json");
  setStallSeconds(config.downloadStallSeconds);
  const sums = config.sha256 ?? {};
  const url = (key) => new URL(config[key], SITE).href;
  const indexURL = url("pyodideIndexURL");
  const archive = fetchOk(url("packageURL"), "buffer", sums.packageURL);
  archive.catch(() => {}); // awaited below
  status("loading Python for the lab…");
  const settings = loaderSettings(config, SITE);
  // Pyodide's files, once each (preload.js); with a start-up snapshot stored, its WebAssembly and numpy's
  // wheel only if the snapshot cannot be used
  const warm = await hasSnapshot(settings.snapshotKey);
  const { files: preloaded, needCold } = startLoadPreload(config.preload, SITE, undefined, warm);
  const restoreFetch = interceptFetch(preloaded);
  await readyAsmJs(settings, SITE, indexURL, sums.pyodide);
  const lock = await preflight(indexURL, sums.pyodide, settings.preflight);
  const wheel = settings.preloaded ? allPreloaded(preloaded) : preflightNumpy(indexURL, lock);
  wheel.catch(() => {}); // awaited below
  const { pyodide, snapshot } = await startPyodide(indexURL, {
    buildId: settings.snapshotKey,
    onCold: needCold,
    options: settings.options,
    onStatus: status,
    stdout: (line) => { if (printed.length < MAX_PRINTED) printed.push(line); },
  });
  if (snapshot !== "used") { // else numpy and the package came with Python, imported
    status("loading numpy for the lab…");
    await wheel;
    await loadNumpy(pyodide);
    installPackage(pyodide, await archive, PACKAGE_DIR);
  }
  restoreFetch();
  preloaded.clear();
  const module = pyodide.pyimport("backprop.page.lab_session");
  session = module.LabSession();
  module.destroy();
  wire = pyodide.pyimport("backprop.page.wire");
  return { pyodide, snapshot };
}

const loading = load();
loading.catch(() => {}); // each request reports the failure

async function loadSubset(pyodide) {
  const bytes = await fetchOk(new URL(config.dataURL, SITE).href, "buffer", config.sha256?.dataURL);
  pyodide.FS.writeFile(SUBSET_PATH, new Uint8Array(bytes));
  session.load_subset(SUBSET_PATH);
}

/** One check or run at a time: the learner's code shares this worker with nothing else. */
async function exclusive(fn) {
  if (busy) throw new Error("the lab is busy; press Stop first");
  busy = true;
  try {
    return await fn();
  } finally {
    busy = false;
  }
}

/** A request of the lab's session through the wire (JSON in and out), its events through `emit`. */
async function call(type, args, emit = null) {
  return JSON.parse(await wire.call(session, type, JSON.stringify(args), null, emit, nextTask));
}

serve(self, {
  [LAB_REQUEST.READY]: async () => ({ snapshot: (await loading).snapshot }),
  [LAB_REQUEST.CHECK]: ({ code, exercise }) => exclusive(async () => {
    await loading;
    status("checking…");
    printed = [];
    const report = await call("check", { code, exercise: exercise ?? "backprop" });
    return { ...report, printed };
  }),
  [LAB_REQUEST.TRAIN]: ({ runId, code, params, exercise }) => exclusive(async () => {
    const { pyodide } = await loading;
    subset ??= loadSubset(pyodide);
    status("loading the MNIST digits for the lab…");
    try {
      await subset;
    } catch (e) {
      subset = null;
      throw e;
    }
    printed = [];
    const summary = await call("train", { code, params, exercise: exercise ?? "backprop" }, (event, text) =>
      emit(self, event === "progress" ? EVENT.PROGRESS : EVENT.EPOCH, { runId, ...JSON.parse(text) }));
    return { ...summary, printed };
  }),
  [LAB_REQUEST.STOP]: () => { session?.stop(); },
}, shortError);
