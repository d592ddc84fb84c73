// Wiring only: starts the worker at once, and connects the views (js/views/) to the worker's
// requests and events (protocol.js). Which network every view shows is one choice, `app.which`.

import { Client, EVENT, REQUEST } from "./protocol.js";
import { saveFile } from "./save.js";
import { runLabel } from "./state.js";
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
const saturation = new SaturationView();
const curves = new CurvesView({ onChange: (runs) => saturation.update(runs) });
const form = new TrainFormView({ onTrain: train, onStop: stop, onStep: step, onPair: trainPair });
const model = new ModelView({ onChoose: choose, onFile: loadFile, onDownload: download });
const strip = new StripView({ onPage: (start) => showStrip(start) });
const draw = new DrawView({
  predict: ({ ink, width, height }) => ask(REQUEST.PREDICT_DRAWING, { which: app.which, ink, width, height }, [ink.buffer]),
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
  result: (key, evalAccuracy) => ask(REQUEST.PRESET_RESULT, { key, evalAccuracy }),
  fill: (params) => form.fill(params),
  setPair: (vary, value) => form.setPair(vary, value),
});
const confusion = new ConfusionView({
  cell: (trueLabel, predicted) => ask(REQUEST.CONFUSION_CELL, { which: app.which, trueLabel, predicted }),
});

// For tests and the curious: what the chart draws and what the page is doing.
Object.defineProperty(window, "__chart", { get: () => curves.data() });
Object.defineProperty(window, "__app", {
  get: () => ({ mode: app.mode, which: app.which, available: { ...app.available }, hasTrained: app.available.trained,
    readyMs: app.readyMs, timings: app.timings, views: viewsDone, lastRunSeconds: app.lastRunSeconds }),
});
Object.defineProperty(window, "__presets", {
  get: () => ({ progress: [...presets.progressLog], data: presets.info?.data ?? null, nTrain: app.nTrain, nTest: app.nTest }),
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
  try {
    const s = await ask(REQUEST.TRAIN, { runId: run.id, params });
    curves.setStatus(run.id, s.stopped ? "stopped" : "done");
    progress.summary(s, run.label);
    presets.runFinished(s).catch((e) => progress.message("failed", `Could not compare with the book: ${e.message}`));
    return s.stopped ? null : s;
  } catch (e) {
    curves.setStatus(run.id, "failed");
    progress.message("failed", `Training failed: ${e.message}`);
    return null;
  } finally {
    app.lastRunSeconds = (performance.now() - started) / 1000; // wall clock, views' work included
    app.run = null;
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
  status.set("ready", ok ? text : "Ready. The last run stopped or failed; see below.");
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
    const info = await ask(REQUEST.USE_DATA, { data: name });
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
  strip.nTest = draw.nTest = stepper.nTest = app.nTest;
  form.initFromURL(app.nTrain);
  presets.setInfo(msg.info, msg.fullData);
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

client.on(EVENT.DATA_PROGRESS, (msg) => presets.showProgress(msg));

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
