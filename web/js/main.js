// Wiring only: starts the worker at once, and connects the views (js/views/) to the worker's
// requests and events (protocol.js). Which network every view shows is one choice, `app.which`.

import { Client, EVENT, REQUEST } from "./protocol.js";
import { runLabel } from "./state.js";
import { ConfusionView } from "./views/confusion.js";
import { CurvesView } from "./views/curves.js";
import { DrawView } from "./views/draw.js";
import { HiddenUnitsView } from "./views/hidden-units.js";
import { ModelView } from "./views/model.js";
import { ProgressView } from "./views/progress.js";
import { StatusView } from "./views/status.js";
import { STRIP_COUNT, StripView } from "./views/strip.js";
import { TrainFormView } from "./views/train-form.js";

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const client = new Client(worker);
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
  timings: null, // the worker's seconds at the end of each loading stage
};

const status = new StatusView();
const progress = new ProgressView();
const curves = new CurvesView();
const form = new TrainFormView({ onTrain: train, onStop: stop });
const model = new ModelView({ onChoose: choose, onFile: loadFile, onDownload: download });
const strip = new StripView({ onPage: (start) => showStrip(start) });
const draw = new DrawView({
  predict: ({ ink, width, height }) => ask(REQUEST.PREDICT_DRAWING, { which: app.which, ink, width, height }, [ink.buffer]),
  predictTestDigit: (index) => ask(REQUEST.PREDICT_TEST_DIGIT, { which: app.which, index }),
});
const hidden = new HiddenUnitsView({ unitDetail: (unit) => ask(REQUEST.UNIT_DETAIL, { which: app.which, unit }) });
const confusion = new ConfusionView({
  cell: (trueLabel, predicted) => ask(REQUEST.CONFUSION_CELL, { which: app.which, trueLabel, predicted }),
});

// For tests and the curious: what the chart draws and what the page is doing.
Object.defineProperty(window, "__chart", { get: () => curves.data() });
Object.defineProperty(window, "__app", {
  get: () => ({ mode: app.mode, which: app.which, available: { ...app.available }, hasTrained: app.available.trained,
    readyMs: app.readyMs, timings: app.timings, views: viewsDone, lastRunSeconds: app.lastRunSeconds }),
});
Object.defineProperty(window, "__draw", {
  get: () => ({ latencies: [...draw.latencies], idle: draw.idle, answered: draw.answered }),
});

function setMode(mode) {
  app.mode = mode;
  document.body.dataset.mode = mode;
  form.setMode(mode);
  const usable = mode !== "loading" && mode !== "failed";
  model.setEnabled(usable);
  strip.setEnabled(usable);
  draw.setEnabled(usable);
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
      viewsDone += 1;
    } catch (e) {
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
    await ask(REQUEST.LOAD_FILE, { text: await file.text() });
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
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    a.download = `backprop-${which === "model" ? "shipped" : which === "trained" ? "my-run" : "file"}-${sizes}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (e) {
    model.showFileError(`Could not download the network: ${e.message}`);
  }
}

// -- training -----------------------------------------------------------------------------------------
async function train(params) {
  if (app.mode !== "ready") return;
  if (!params) {
    progress.message("invalid", "Fix the highlighted fields first.");
    return;
  }
  const run = (app.run = curves.addRun((n) => runLabel(params, n), params));
  app.runShown = false;
  setMode("training");
  status.set("training", `Training ${run.label}…`);
  progress.message("running", "Starting…");
  const started = performance.now();
  const summary = ask(REQUEST.TRAIN, { runId: run.id, params });
  try {
    const s = await summary;
    curves.setStatus(run.id, s.stopped ? "stopped" : "done");
    progress.summary(s, run.label);
    status.set("ready", s.stopped ? "Stopped. Ready for another run." : "Ready for another run.");
  } catch (e) {
    curves.setStatus(run.id, "failed");
    progress.message("failed", `Training failed: ${e.message}`);
    status.set("ready", "The last run failed; see below.");
  }
  app.lastRunSeconds = (performance.now() - started) / 1000; // wall clock, views' work included
  app.run = null;
  setMode("ready");
  if (app.which === "trained") refreshViews();
}

function stop() {
  if (app.mode !== "training") return;
  setMode("stopping");
  progress.message("stopping", "Stopping after the current mini-batch…");
  ask(REQUEST.STOP);
}

// -- events from the worker ---------------------------------------------------------------------------
client.on(EVENT.STATUS, (msg) => status.set("loading", msg.text, msg.stage));

client.on(EVENT.READY, (msg) => {
  app.readyMs = performance.now();
  app.timings = msg.timings;
  app.nTrain = msg.info.n_train;
  app.nTest = msg.info.n_test;
  app.maxFileBytes = msg.info.max_file_bytes;
  strip.nTest = draw.nTest = app.nTest;
  form.initFromURL(app.nTrain);
  model.meta = msg.meta;
  model.showFacts(msg.model);
  strip.show(msg.strip);
  document.getElementById("version").textContent = msg.version ? `backprop ${msg.version}.` : "";
  status.set("ready", `Ready — Python, numpy and the network loaded in ${msg.seconds.toFixed(1)} s.`, "ready");
  setMode("ready");
  refreshViews(); // hidden units and the confusion matrix, after "ready": they are not needed to start
});

client.on(EVENT.FATAL, (msg) => {
  status.set("error", `Could not start: ${msg.message.replace(/\.$/, "")}. Reload the page to try again.`, msg.stage);
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

client.on(EVENT.EPOCH, (msg) => {
  const { type, runId, ...point } = msg;
  curves.addPoint(runId, point);
  if (app.which === "trained") refreshViews(); // the live views: at most one refresh in flight
});

worker.addEventListener("error", (event) => {
  // A worker that cannot even start (syntax error, blocked module) never posts a message.
  status.set("error", `Could not start the worker: ${event.message || "unknown error"}`, "python");
  setMode("failed");
});

form.initFromURL();
setMode("loading");
status.set("loading", "Loading Python…", "python");
curves.refresh();

// -- 7 · your own backprop: the lab, in a worker of its own (lab-host.js) ---------------------------------
// The learner's code never runs in the page's worker: an endless loop there is ended by terminating the
// lab's worker, and the network, the run and the charts above are not touched. The editor (CodeMirror,
// 350 kB) is imported when the page has started, so that it can never keep the rest from loading.
import { GRACE_MS, LabHost, RESTARTED } from "./lab-host.js";
import { LAB_REQUEST } from "./protocol.js";

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
