// Wiring only: starts the worker at once, and connects the views (js/views/) to the worker's
// requests and events (protocol.js). Which network every view shows is one choice, `app.which`.

import { takeWorker } from "./early.js";
import { GRACE_MS, LabHost, RESTARTED } from "./lab-host.js";
import { EVENT, LAB_REQUEST, REQUEST } from "./protocol.js";
import { saveFile } from "./save.js";
import { runLabel, toQuery } from "./state.js";
import * as store from "./store.js";
import { Supervisor } from "./supervisor.js";
import { ConfusionView } from "./views/confusion.js";
import { CurvesView } from "./views/curves.js";
import { DrawView } from "./views/draw.js";
import { GradcheckView } from "./views/gradcheck.js";
import { HiddenUnitsView } from "./views/hidden-units.js";
import { ModelView } from "./views/model.js";
import { PresetsView } from "./views/presets.js";
import { ProgressView } from "./views/progress.js";
import { SaturationView } from "./views/saturation.js";
import { StatusView } from "./views/status.js";
import { StepperView } from "./views/stepper.js";
import { STRIP_COUNT, StripView } from "./views/strip.js";
import { TrainFormView } from "./views/train-form.js";

// The worker, restarted when it dies or when Stop has to terminate it (supervisor.js); `client` has
// protocol.js's Client API whichever worker is current. The first one was started by early.js.
const client = new Supervisor(new URL("./worker.js", import.meta.url), { onDeath: workerDied, first: takeWorker() });
const ask = (type, args, transfer) => client.request(type, args, transfer);

const app = {
  mode: "loading", // loading | ready | training | stopping | failed
  which: "model", // the network every view shows: model | trained | file
  available: { model: true, trained: false, file: false },
  nTrain: 10000,
  nTest: 2000,
  maxFileBytes: Infinity,
  run: null, // the chart's record of the current run
  runShown: false, // have the views switched to the current run's network yet?
  lastRunSeconds: null, // wall-clock seconds of the last run (the bench's live-views figure)
  readyMs: null, // performance.now() when the page became ready: the cold-load figure of the bench
  viewsMs: null, // ... and when the views first showed the model, right after
  timings: null, // the worker's seconds at the end of each loading stage
  // -- kept across worker restarts and reloads (supervisor.js, store.js) --
  network: null, // the last trained network: {runId, epoch, sizes, cost, bytes}, as of its last epoch
  fileText: null, // the model file's text, given again to a new worker
  restart: null, // why the current worker was started again: null | "stop" | "error" | "fatal" | "retry"
  deaths: [], // when workers died on their own: more than 3 in a minute and the page stops restarting
};

const status = new StatusView();
const progress = new ProgressView();
const saturation = new SaturationView();
const curves = new CurvesView();
const form = new TrainFormView({ onTrain: train, onStop: stop, onStep: step, onPair: trainPair });
const model = new ModelView({ onChoose: choose, onFile: loadFile, onDownload: download });
const strip = new StripView({ onPage: (start) => showStrip(start) });
const draw = new DrawView({
  predict: ({ ink, width, height }) => ask(REQUEST.PREDICT_DRAWING, { which: app.which, data: ink, width, height }, [ink.buffer]),
  predictTestDigit: (index) => ask(REQUEST.PREDICT_TEST_DIGIT, { which: app.which, index }),
});
const hidden = new HiddenUnitsView({ unitDetail: (unit) => ask(REQUEST.UNIT_DETAIL, { which: app.which, unit }) });
const stepper = new StepperView({
  trace: (args) => ask(REQUEST.TRACE, { which: app.which, ...args }),
  trialStep: (args) => ask(REQUEST.TRIAL_STEP, { which: app.which, ...args }),
});
const gradcheck = new GradcheckView({
  check: (mistake) => ask(REQUEST.GRADCHECK, {
    which: app.which, ...stepper.selection(), cost: stepper.cost.value || null, mistake }),
});
const presets = new PresetsView({
  useData: switchData,
  result: (key, evalAccuracy) => ask(REQUEST.PRESET_RESULT, { key, eval_accuracy: evalAccuracy }),
  fill: (params) => form.fill(params),
  setPair: (vary, value) => form.setPair(vary, value),
});
const confusion = new ConfusionView({
  cell: (trueLabel, predicted) => ask(REQUEST.CONFUSION_CELL, { which: app.which, true_label: trueLabel, predicted }),
});

curves.onChange = (runs) => { // the saturation view reads the runs; the store keeps them
  saturation.update(runs);
  saveSoon();
};

// For tests and the curious: what the chart draws and what the page is doing.
Object.defineProperty(window, "__chart", { get: () => curves.data() });
Object.defineProperty(window, "__app", {
  get: () => ({ mode: app.mode, which: app.which, available: { ...app.available }, hasTrained: app.available.trained,
    readyMs: app.readyMs, viewsMs: app.viewsMs, timings: app.timings, views: viewsDone, viewsBusy: refreshing !== null, lastRunSeconds: app.lastRunSeconds,
    workers: client.starts, restart: app.restart, network: app.network && { runId: app.network.runId, epoch: app.network.epoch } }),
});
Object.defineProperty(window, "__presets", {
  get: () => ({ progress: [...presets.progressLog], data: presets.info?.data ?? null, nTrain: app.nTrain, nTest: app.nTest }),
});
Object.defineProperty(window, "__draw", {
  get: () => ({ latencies: [...draw.latencies], idle: draw.idle, answered: draw.answered }),
});

// -- offline after the first visit: sw.js keeps the site's files. Registered once the page is ready, so
// its downloads (from the HTTP cache by then) do not compete with the first load's.
function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(new URL("../sw.js", import.meta.url))
    .catch((e) => console.warn(`no offline copy of the page: ${e.message ?? e}`));
}

function setMode(mode) {
  app.mode = mode;
  document.body.dataset.mode = mode;
  form.setMode(mode);
  const usable = mode !== "loading" && mode !== "failed" && mode !== "restarting";
  model.setEnabled(usable);
  strip.setEnabled(usable);
  draw.setEnabled(usable);
  stepper.setEnabled(usable);
  gradcheck.setEnabled(usable);
  presets.setEnabled(mode === "ready");
  model.setChoices(app.available, app.which);
}

// -- the current network, and every view that shows it ----------------------------------------------
let generation = 0; // answers for an older choice are dropped
let refreshing = null; // the refresh in flight; another one waits for it rather than piling up
let refreshAgain = false;
let viewsDone = 0; // refreshes completed (tests wait on it)

async function refreshViews() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  const gen = ++generation;
  const which = app.which;
  refreshing = (async () => {
    try {
      const [facts, digits, units, matrix] = await Promise.all([
        ask(REQUEST.EVALUATE, { which }),
        ask(REQUEST.STRIP, { which, start: strip.start, count: STRIP_COUNT }),
        ask(REQUEST.HIDDEN_UNITS, { which }),
        ask(REQUEST.CONFUSION, { which }),
      ]);
      if (gen !== generation) return;
      model.showFacts(facts);
      strip.show(digits);
      hidden.show(units);
      confusion.show(matrix);
      draw.refresh();
      stepper.refresh();
      gradcheck.refresh();
      viewsDone += 1;
      app.viewsMs ??= performance.now(); // the first time every view was filled (the bench reports it)
    } catch (e) {
      if (e.name === "WorkerGone") return; // a new worker is coming; READY refreshes the views
      progress.message("failed", `Could not show the network: ${e.message}`);
    }
  })();
  await refreshing;
  refreshing = null;
  if (refreshAgain) {
    refreshAgain = false;
    await refreshViews();
  }
}

function choose(which) {
  if (!app.available[which]) return;
  app.which = which;
  model.setChoices(app.available, which);
  generation += 1; // whatever is in flight is for the old choice
  refreshViews();
}

async function showStrip(start) {
  try {
    strip.show(await ask(REQUEST.STRIP, { which: app.which, start, count: STRIP_COUNT }));
  } catch (e) {
    progress.message("failed", `Could not show the digits: ${e.message}`);
  }
}

// -- model files in and out ---------------------------------------------------------------------------
async function loadFile(file) {
  model.showFileError("");
  if (file.size > app.maxFileBytes) {
    model.showFileError(`That file could not be used: it is ${(file.size / 2 ** 20).toFixed(1)} MB; the page ` +
      `accepts model files up to ${Math.floor(app.maxFileBytes / 2 ** 20)} MB. The current network is kept.`);
    return;
  }
  try {
    const text = await file.text();
    await ask(REQUEST.LOAD_FILE, { text });
    app.fileText = text; // given again to a new worker after a restart
  } catch (e) {
    model.showFileError(`That file could not be used: ${e.message}. The current network is kept.`);
    return;
  }
  app.available.file = true;
  model.showFileError("");
  choose("file");
}

async function download() {
  const which = app.which;
  try {
    const text = await ask(REQUEST.MODEL_JSON, { which });
    const sizes = JSON.parse(text).sizes.join("-");
    const whose = which === "model" ? "shipped" : which === "trained" ? "my-run" : "file";
    saveFile(new Blob([text], { type: "application/json" }), `backprop-${whose}-${sizes}.json`);
  } catch (e) {
    model.showFileError(`Could not download the network: ${e.message}`);
  }
}

// -- training -----------------------------------------------------------------------------------------
/** One run, from the request to its summary, drawn on the chart; returns the summary if it ran to
 * the end, else null. */
async function runOne(params, label, colour) {
  const run = (app.run = curves.addRun(label, params, colour));
  app.runShown = false;
  status.set("training", `Training ${run.label}…`);
  progress.message("running", "Starting…");
  const started = performance.now();
  saveSoon();
  const summary = (app.running = ask(REQUEST.TRAIN, { runId: run.id, params }));
  try {
    const s = await summary;
    app.available.trained = true; // kept whatever the end, even when it came before the first progress report
    curves.setStatus(run.id, s.diverged ? "diverged" : s.stopped ? "stopped" : "done");
    progress.summary(s, run.label);
    presets.runFinished(s).catch((e) => progress.message("failed", `Could not compare with the book: ${e.message}`));
    return s.stopped || s.diverged ? null : s;
  } catch (e) {
    if (e.name === "WorkerGone") {
      // Stop terminated the worker, or it died: the run ends with what the page kept
      const kept = app.network?.runId === run.id ? `the network as of epoch ${app.network.epoch} is kept` : "no epoch had finished";
      restarting(e.reason); // the supervisor has started another worker already
      curves.setStatus(run.id, e.reason === "stop" ? "stopped" : "failed");
      progress.message(e.reason === "stop" ? "stopped" : "failed", e.reason === "stop"
        ? `Stopped at once by restarting Python (the mini-batch was too slow to wait for); ${kept}, and the curves.`
        : `Python stopped working during the run (${e.message}); ${kept}, and the curves. It is starting again.`);
    } else {
      curves.setStatus(run.id, "failed");
      progress.message("failed", `Training failed: ${e.message}`);
    }
    return null;
  } finally {
    app.lastRunSeconds = (performance.now() - started) / 1000; // wall clock, views' work included
    app.run = app.running = null;
    saveSoon();
  }
}

function startTraining(params) {
  if (app.mode !== "ready") return false;
  if (!params) {
    progress.message("invalid", "Fix the highlighted fields first.");
    return false;
  }
  setMode("training");
  return true;
}

function endTraining(ok, text) {
  if (app.mode === "restarting") return; // a new worker is loading; READY makes the page usable again
  status.set("ready", ok ? text : "Ready. The last run stopped, diverged or failed; see below.");
  setMode("ready");
  if (app.which === "trained") refreshViews();
}

async function train(params) {
  if (!startTraining(params)) return;
  endTraining(Boolean(await runOne(params, (n) => runLabel(params, n))), "Ready for another run.");
}

/** Two runs differing in one setting, from the same seed: A, then B, in matching colours. */
async function trainPair(params, vary, value) {
  if (!startTraining(params)) return;
  let pair;
  try {
    pair = await ask(REQUEST.PAIR, { params, vary, value });
  } catch (e) {
    progress.message("invalid", `Paired run: ${e.message}`);
    setMode("ready");
    return;
  }
  const colours = curves.pairColours();
  const done = [];
  for (const [i, p] of pair.entries()) {
    const s = await runOne(p, (n) => `${i ? "B" : "A"}: ${runLabel(p, n)}`, colours[i]);
    if (!s) break;
    done.push(s);
  }
  if (done.length === 2) {
    const [a, b] = done;
    const pct = (s) => `${(100 * s.test_accuracy).toFixed(1)} %`;
    const better = Math.abs(a.test_accuracy - b.test_accuracy) < 0.002 ? "the same, to 0.2 %"
      : a.test_accuracy > b.test_accuracy ? `A is ahead by ${(100 * (a.test_accuracy - b.test_accuracy)).toFixed(1)} points`
      : `B is ahead by ${(100 * (b.test_accuracy - a.test_accuracy)).toFixed(1)} points`;
    progress.message("done", `Paired run, from the same start and the same mini-batches: A (${vary} = ${a.params[vary]}) ` +
      `${pct(a)}, B (${vary} = ${b.params[vary]}) ${pct(b)} on the test digits after ${a.epochs_done} epochs — ${better}.`);
  }
  endTraining(done.length === 2, `Pair done: A and B differ in ${vary} only.`);
}

/** One mini-batch (the Step button): the views follow the network it changes. */
async function step(params) {
  if (app.mode !== "ready" || !params) {
    if (!params) progress.message("invalid", "Fix the highlighted fields first.");
    return;
  }
  try {
    const r = await ask(REQUEST.STEP, { params });
    progress.showStep(r);
    app.available.trained = true;
    if (app.which !== "trained") choose("trained");
    else refreshViews();
  } catch (e) {
    progress.message("failed", `Step failed: ${e.message}`);
  }
}


// -- which digits: the subset, or full MNIST (views/presets.js; fetched by the worker the first time) --
async function switchData(name) {
  if (app.mode !== "ready") throw new Error("wait for the current run to end");
  setMode("data"); // Train and Step wait while the digits change
  try {
    const info = await ask(REQUEST.USE_DATA, { name });
    app.nTrain = info.n_train;
    app.nTest = info.n_test;
    strip.nTest = draw.nTest = stepper.nTest = app.nTest;
    if (strip.start >= app.nTest) strip.start = 0;
    form.setTrainingDigits(app.nTrain, name === "full" ? "full MNIST's" : "the subset's");
    generation += 1; // answers about the old test digits are dropped
    refreshViews();
    return info;
  } finally {
    setMode("ready");
  }
}

function stop() {
  if (app.mode !== "training") return;
  setMode("stopping");
  progress.message("stopping", "Stopping after the current mini-batch…");
  ask(REQUEST.STOP).catch(() => {});
  // the hard stop: a run still going after the grace period ends with the worker (supervisor.js)
  client.stopWithin(app.running); // "terminated": train()'s catch takes it from there
}

// -- events from the worker ---------------------------------------------------------------------------
client.on(EVENT.STATUS, (msg) => { // a stage that was still under way when loading failed says nothing
  if (app.mode === "loading" || app.mode === "restarting") status.set("loading", msg.text, msg.stage);
});

client.on(EVENT.READY, async (msg) => {
  const again = app.readyMs !== null; // a restarted worker: the page keeps its settings and views
  if (again) {
    await restoreNetworks();
    status.set("ready", `Ready again — Python restarted in ${msg.seconds.toFixed(1)} s; your runs and network are kept.`, "ready");
    setMode("ready");
    refreshViews();
    return;
  }
  app.readyMs = performance.now();
  app.timings = msg.timings;
  app.nTrain = msg.info.n_train;
  app.nTest = msg.info.n_test;
  app.maxFileBytes = msg.info.max_file_bytes;
  strip.nTest = draw.nTest = stepper.nTest = app.nTest;
  form.initFromURL(app.nTrain);
  presets.setInfo(msg.info, msg.fullData);
  model.meta = msg.meta;
  document.getElementById("version").textContent = msg.version ? `backprop ${msg.version}.` : "";
  status.set("ready", `Ready — Python, numpy and the network loaded in ${msg.seconds.toFixed(1)} s.`, "ready");
  setMode("ready");
  registerServiceWorker();
  if (app.network) await restoreNetworks(); // a network kept from an earlier visit (store.js)
  refreshViews(); // the model's facts, the digits, hidden units, the matrix: after "ready", not needed to start
});

client.on(EVENT.FATAL, (msg) => {
  status.set("error", `Could not start: ${msg.message.replace(/\.$/, "")}.`, msg.stage);
  showRetry(true);
  setMode("failed");
});

client.on(EVENT.PROGRESS, (msg) => {
  if (!app.run || msg.runId !== app.run.id) return;
  if (app.mode === "training") progress.show(msg);
  if (!app.runShown) { // the run's network exists now: every view follows it while it learns
    app.runShown = true;
    app.available.trained = true;
    choose("trained");
  }
});

client.on(EVENT.DATA_PROGRESS, (msg) => presets.showProgress(msg));

client.on(EVENT.EPOCH, (msg) => {
  const { type, runId, network, ...point } = msg;
  const run = curves.runs.find((r) => r.id === runId);
  if (network && run) { // the network as of this epoch: kept for a restart and in the browser
    app.network = { runId, epoch: point.epoch, sizes: [784, ...run.params.hidden, 10],
      cost: run.params.cost, bytes: network };
  }
  if (app.mode === "training") progress.say(`Epoch ${point.epoch} done` +
    (typeof point.eval_accuracy === "number" ? `: test accuracy ${(100 * point.eval_accuracy).toFixed(1)} %.` : "."));
  curves.addPoint(runId, point);
  saveSoon();
  // the live views: at most one refresh in flight, and at most one every LIVE_VIEWS_MS (short epochs
  // would otherwise redraw every digit and tile many times a second)
  if (app.which === "trained" && performance.now() - lastLiveRefresh >= LIVE_VIEWS_MS) {
    lastLiveRefresh = performance.now();
    refreshViews();
  }
});
const LIVE_VIEWS_MS = 500;
let lastLiveRefresh = -Infinity;

// -- a dead worker, restarts, and what a new worker is given back ------------------------------------
const retryButton = document.getElementById("retry-button");
retryButton.addEventListener("click", () => {
  showRetry(false);
  client.restart("restart");
  restarting("retry");
});

function showRetry(shown) {
  retryButton.hidden = !shown;
}

/** The worker died on its own (supervisor.js): say so, and start another unless it keeps dying. */
function workerDied(reason, message) {
  if (app.readyMs === null && app.restart === null) {
    // it never got going (a module that does not load, say): starting it again would fail again
    status.set("error", `Could not start Python's worker: ${message}.`, "python");
    showRetry(true);
    setMode("failed");
    return;
  }
  const now = performance.now();
  app.deaths = [...app.deaths.filter((t) => now - t < 60_000), now];
  if (app.deaths.length > 3) {
    status.set("error", `Python stopped working again (${message}); your runs and network are kept.`, "python");
    showRetry(true);
    setMode("failed");
    return;
  }
  progress.message("failed", `Python stopped working (${message}). It is starting again; your runs, your network ` +
    "and the settings are kept.");
  client.start();
  restarting(reason);
}

/** A new worker is (being) started: the page waits for its READY, views and settings kept. */
function restarting(reason) {
  app.restart = reason;
  if (app.readyMs === null) {
    status.set("loading", "Loading Python…", "python");
    setMode("loading");
  } else {
    status.set("loading", "Restarting Python… your runs and network are kept.", "python");
    setMode("restarting");
  }
}

/** Give a new worker the networks the page keeps: the last trained one, and the model file. */
async function restoreNetworks() {
  const n = app.network;
  app.available.trained = false;
  if (n) {
    try {
      await ask(REQUEST.RESTORE_NETWORK, { which: "trained", sizes: n.sizes, cost: n.cost, data: n.bytes.slice(0) });
      app.available.trained = true;
    } catch (e) {
      progress.message("failed", `Your last network could not be restored: ${e.message}`);
    }
  }
  if (app.fileText !== null) {
    try {
      await ask(REQUEST.LOAD_FILE, { text: app.fileText });
    } catch {
      app.available.file = false;
    }
  }
  if (!app.available[app.which]) app.which = "model";
  model.setChoices(app.available, app.which);
}

// -- kept in this browser (store.js): saved after each epoch, restored on reload ---------------------
function saveSoon() {
  store.saveSoon(() => ({
    runs: curves.runs.map(({ id, label, params, epochs, color, points, status: s }) => ({ id, label, params, epochs, color, points, status: s })),
    settings: form.params(),
    network: app.network,
  }));
}

async function restoreSession() {
  const kept = await store.load();
  if (!kept) return;
  const runs = Array.isArray(kept.runs) ? kept.runs : [];
  if (runs.length) curves.restore(runs);
  if (kept.settings && !location.search) { // a link's settings win over the stored ones
    history.replaceState(null, "", `${location.pathname}${toQuery(kept.settings)}${location.hash}`);
    form.initFromURL();
  }
  if (kept.network?.bytes instanceof ArrayBuffer) {
    app.network = kept.network;
    app.which = "trained";
  }
  if (runs.length || app.network) {
    const what = [runs.length && `${runs.length} run${runs.length > 1 ? "s" : ""} on the chart`,
      app.network && `the network of run #${app.network.runId} as of epoch ${app.network.epoch}`].filter(Boolean);
    document.getElementById("restored-text").textContent = `Restored from this browser: ${what.join(" and ")}.`;
    document.getElementById("restored").hidden = false;
  }
}

document.getElementById("fresh-button").addEventListener("click", async () => {
  if (app.mode === "training" || app.mode === "stopping") return;
  // the page first, at once; then the browser's copy (an IndexedDB transaction may take a while)
  curves.reset();
  app.network = null;
  app.available.trained = false;
  if (app.which === "trained") choose("model");
  model.setChoices(app.available, app.which);
  document.getElementById("restored").hidden = true;
  progress.message("idle", "Started fresh: the runs and the network kept in this browser are gone.");
  await store.clear();
});

// Leaving during a run asks first (what was learned so far is kept, but the run would end).
window.addEventListener("beforeunload", (event) => {
  store.flush();
  if (app.mode === "training" || app.mode === "stopping") {
    event.preventDefault();
    event.returnValue = "";
  }
});

form.initFromURL();
setMode("loading");
status.set("loading", "Loading Python…", "python");
curves.refresh();
restoreSession();

// -- 8 · your own backprop: the lab, in a worker of its own (lab-host.js) ---------------------------------
// The learner's code never runs in the page's worker: an endless loop there is ended by terminating the
// lab's worker, and the network, the run and the charts above are not touched. The editor (CodeMirror,
// 350 kB) is imported when the page has started, so that it can never keep the rest from loading.

const labFmt = new Intl.NumberFormat("en-US");
let labView = null;
let labRun = null; // the chart's record of the run with the learner's backprop
const labHost = new LabHost({
  on: {
    [EVENT.STATUS]: (msg) => { if (labView?.busy) labView.say("working", msg.text[0].toUpperCase() + msg.text.slice(1)); },
    [EVENT.PROGRESS]: (msg) => { if (labRun && msg.runId === labRun.id) labView.showProgress(msg); },
    [EVENT.EPOCH]: ({ type, runId, ...point }) => curves.addPoint(runId, point),
  },
  onCrash: (message) => labView?.say("error", `The lab's Python stopped (${message}); a fresh one starts with ` +
    "the next Check. Your code is kept."),
});

async function labCheck(code) {
  labView.setBusy(true);
  labView.say("working", labHost.loaded ? "Checking…" : "Loading Python for the lab (the first time takes a few seconds)…");
  try {
    labView.showReport(await labHost.run(LAB_REQUEST.CHECK, { code }));
  } catch (e) {
    if (e.message !== RESTARTED) labView.say("error", `The check could not run: ${e.message}`);
  } finally {
    labView.setBusy(false);
  }
}

async function labTrain(code) {
  const params = form.params();
  if (!params) {
    labView.say("error", "Fix the training settings in section 3 first: the lab trains with them.");
    return;
  }
  labView.setBusy(true);
  labView.say("working", "Starting a run with your backprop…");
  const run = (labRun = curves.addRun((n) => `yours: ${runLabel(params, n)}`, params));
  try {
    const s = await labHost.run(LAB_REQUEST.TRAIN, { runId: run.id, code, params });
    if (s.speed) {
      run.label += ` · ${labFmt.format(Math.round(s.speed.yours))} ex/s (library ${labFmt.format(Math.round(s.speed.library))})`;
    }
    curves.setStatus(run.id, s.error ? "failed" : s.stopped ? "stopped" : "done");
    labView.showRunEnd(s, run.label);
  } catch (e) {
    curves.setStatus(run.id, e.message === RESTARTED ? "stopped" : "failed");
    if (e.message !== RESTARTED) labView.say("error", `The run could not go on: ${e.message}`);
  } finally {
    labRun = null;
    labView.setBusy(false);
  }
}

let labStopMs = null; // how long the last Stop took, click to done (the e2e test reads it)
async function labStop() {
  const t0 = performance.now();
  const loaded = labHost.loaded;
  labView.say("working", "Asking your code to stop…");
  const how = await labHost.stop();
  labStopMs = performance.now() - t0;
  if (how === "restarted" && !loaded) {
    labView.say("stopped", "Stopped while the lab's Python was still loading; it loads again for the next Check.");
  } else if (how === "restarted") {
    labView.say("stopped", `Your code did not stop within ${GRACE_MS / 1000} s, so the lab's Python was ` +
      "restarted (a fresh one is loading). Your code and the results shown are kept; the rest of the page " +
      "was not touched.");
  }
}

Object.defineProperty(window, "__lab", {
  get: () => ({ ready: labView !== null && labView.texts.skeleton !== "", busy: labHost.busy, started: labHost.started,
    restarts: labHost.restarts, stopMs: labStopMs }),
});

import("./views/lab.js").then(async ({ LabView }) => {
  labView = new LabView({ onCheck: labCheck, onTrain: labTrain, onStop: labStop, onFirstUse: () => labHost.start() });
  try {
    const response = await fetch(new URL("./lab.json", import.meta.url));
    if (!response.ok) throw new Error(`js/lab.json answered HTTP ${response.status}`);
    labView.setTexts(await response.json());
  } catch (e) {
    labView.say("error", `Could not load the lab's skeleton and bugs: ${e.message}`);
  }
}, (e) => {
  document.getElementById("lab-status").textContent = `The editor could not load: ${e.message}`;
});
