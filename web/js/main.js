// Wiring: starts the worker at once, routes its messages to the UI and the chart, and the UI's
// events back to the worker as typed messages.

import { Curves } from "./chart.js";
import { defaults, fromQuery, runLabel, toQuery, validate } from "./state.js";
import * as ui from "./ui.js";

const STRIP_COUNT = 24;
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const curves = new Curves(ui.el.costCanvas, ui.el.accuracyCanvas);

const app = {
  mode: "loading", // loading | ready | training | stopping | failed
  nTrain: 10000,
  nTest: 2000,
  run: null, // the chart's record of the current run
  hasTrained: false,
  stripStart: 0,
  readyMs: null, // performance.now() when the page became ready: the cold-load figure of the bench
  timings: null, // the worker's seconds at the end of each loading stage
};

// For tests and the curious: what the chart draws and what the page is doing.
Object.defineProperty(window, "__chart", { get: () => curves.data() });
Object.defineProperty(window, "__app", {
  get: () => ({ mode: app.mode, hasTrained: app.hasTrained, readyMs: app.readyMs, timings: app.timings }),
});

function setMode(mode) {
  app.mode = mode;
  document.body.dataset.mode = mode;
  ui.setMode(mode, { hasTrained: app.hasTrained, hasRuns: curves.runs.length > 0 });
}

function refreshChart() {
  curves.redraw();
  ui.showLegend(curves.runs);
  ui.setMode(app.mode, { hasTrained: app.hasTrained, hasRuns: curves.runs.length > 0 });
}

// -- the form and the URL ------------------------------------------------------------------------
function formParams() {
  const { params, errors } = validate(ui.readForm(), app.nTrain);
  ui.showFieldErrors(errors);
  return Object.keys(errors).length ? null : params;
}

function initForm() {
  const { params, errors } = validate(fromQuery(location.search), app.nTrain);
  ui.writeForm(params);
  ui.showFieldErrors(errors);
}

ui.el.form.addEventListener("input", () => {
  const params = formParams();
  if (params) history.replaceState(null, "", `${location.pathname}${toQuery(params)}${location.hash}`);
});

ui.el.defaults.addEventListener("click", () => {
  ui.writeForm(defaults(app.nTrain));
  ui.showFieldErrors({});
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
});

// -- training ------------------------------------------------------------------------------------
ui.el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (app.mode !== "ready") return;
  const params = formParams();
  if (!params) {
    ui.showProgressText("invalid", "Fix the highlighted fields first.");
    return;
  }
  app.run = curves.addRun((n) => runLabel(params, n), params);
  refreshChart();
  setMode("training");
  ui.setStatus("training", `Training ${app.run.label}…`);
  ui.showProgressText("running", "Starting…");
  worker.postMessage({ type: "train", runId: app.run.id, params });
});

ui.el.stop.addEventListener("click", () => {
  if (app.mode !== "training") return;
  setMode("stopping");
  ui.showProgressText("stopping", "Stopping after the current mini-batch…");
  worker.postMessage({ type: "stop" });
});

ui.el.clear.addEventListener("click", () => {
  curves.clear();
  refreshChart();
});

// -- the strip -----------------------------------------------------------------------------------
function requestStrip() {
  worker.postMessage({ type: "predict", which: ui.el.stripWhich.value, start: app.stripStart, count: STRIP_COUNT });
}

ui.el.stripWhich.addEventListener("change", requestStrip);
ui.el.stripNext.addEventListener("click", () => {
  app.stripStart = (app.stripStart + STRIP_COUNT) % (app.nTest - (app.nTest % STRIP_COUNT) || app.nTest);
  requestStrip();
});
ui.el.stripPrev.addEventListener("click", () => {
  const span = app.nTest - (app.nTest % STRIP_COUNT) || app.nTest;
  app.stripStart = (app.stripStart - STRIP_COUNT + span) % span;
  requestStrip();
});

ui.el.modelFile.addEventListener("change", async () => {
  const file = ui.el.modelFile.files[0];
  if (!file) return;
  worker.postMessage({ type: "load-model", text: await file.text() });
});

// -- messages from the worker --------------------------------------------------------------------
const handlers = {
  status(msg) {
    ui.setStatus("loading", msg.text, msg.stage);
  },
  ready(msg) {
    app.readyMs = performance.now();
    app.timings = msg.timings;
    app.nTrain = msg.info.n_train;
    app.nTest = msg.info.n_test;
    ui.setTrainSizeLimit(app.nTrain);
    initForm();
    ui.showModel(msg.meta, msg.model);
    ui.showStrip(msg.strip);
    ui.setVersion(msg.version);
    ui.setStatus("ready", `Ready — Python, numpy and the network loaded in ${msg.seconds.toFixed(1)} s.`, "ready");
    setMode("ready");
  },
  progress(msg) {
    if (app.run && msg.runId === app.run.id) ui.showProgress(msg);
  },
  epoch(msg) {
    const { type, runId, ...point } = msg;
    curves.addPoint(runId, point);
    ui.showLegend(curves.runs);
  },
  done(msg) {
    const s = msg.summary;
    curves.setStatus(msg.runId, s.stopped ? "stopped" : "done");
    const label = app.run ? app.run.label : `run #${msg.runId}`;
    app.run = null;
    app.hasTrained = true;
    ui.showProgressText(s.stopped ? "stopped" : "done", ui.summaryText(s, label));
    ui.setStatus("ready", s.stopped ? "Stopped. Ready for another run." : "Ready for another run.");
    setMode("ready");
    refreshChart();
    ui.el.stripWhich.value = "trained";
    requestStrip();
  },
  strip(msg) {
    ui.showStrip(msg);
  },
  model(msg) {
    ui.showModel({ own: true, error: true }, msg.model);
    ui.showModelFileError("");
    ui.el.stripWhich.value = "model";
    requestStrip();
  },
  error(msg) {
    if (msg.fatal) {
      ui.setStatus("error", `Could not start: ${msg.message.replace(/\.$/, "")}. Reload the page to try again.`, msg.stage);
      setMode("failed");
      return;
    }
    if (msg.stage === "train") {
      if (msg.runId !== undefined) curves.setStatus(msg.runId, "failed");
      app.run = null;
      ui.showProgressText("failed", `Training failed: ${msg.message}`);
      ui.setStatus("ready", "The last run failed; see below.");
      setMode("ready");
      refreshChart();
      return;
    }
    if (msg.stage === "load-model") {
      ui.showModelFileError(`That file could not be used: ${msg.message}`);
      return;
    }
    ui.showProgressText("failed", `Error (${msg.stage}): ${msg.message}`);
  },
};

worker.onmessage = (event) => handlers[event.data.type]?.(event.data);
worker.onerror = (event) => {
  // A worker that cannot even start (syntax error, blocked module) never posts a message.
  ui.setStatus("error", `Could not start the worker: ${event.message || "unknown error"}`, "python");
  setMode("failed");
};

initForm();
setMode("loading");
ui.setStatus("loading", "Loading Python…", "python");
curves.redraw();
