// The page's controls and text: status line, model facts, the digit strip, the form, progress,
// buttons and legend. No knowledge of the worker; main.js wires the two together.

import { FIELDS } from "./state.js";

const $ = (id) => document.getElementById(id);
const STAGES = ["python", "numpy", "backprop", "data", "ready"];
const pct = (x, digits = 1) => `${(100 * x).toFixed(digits)} %`;
const fmt = new Intl.NumberFormat("en-US");

export const el = {
  form: $("train-form"),
  train: $("train-button"),
  stop: $("stop-button"),
  defaults: $("defaults-button"),
  clear: $("clear-button"),
  stripWhich: $("strip-which"),
  stripPrev: $("strip-prev"),
  stripNext: $("strip-next"),
  modelFile: $("model-file"),
  costCanvas: $("chart-cost"),
  accuracyCanvas: $("chart-accuracy"),
};

// -- status line ---------------------------------------------------------------------------------
/** state: "loading" | "ready" | "training" | "error"; stage marks the loading steps done so far. */
export function setStatus(state, text, stage) {
  const box = $("status");
  box.dataset.state = state;
  $("status-text").textContent = text;
  if (stage && state === "error") {
    // Only the stage that failed is marked: a failed download can end loading before Python is up.
    for (const li of $("load-steps").children) {
      if (li.dataset.stage === stage) li.dataset.state = "failed";
      else if (li.dataset.state === "active") li.dataset.state = "";
    }
  } else if (stage) {
    const at = STAGES.indexOf(stage);
    for (const li of $("load-steps").children) {
      const i = STAGES.indexOf(li.dataset.stage);
      li.dataset.state = i < at || stage === "ready" ? "done" : i === at ? "active" : "";
    }
  }
  $("load-steps").hidden = state !== "loading" && state !== "error";
}

// -- the model section ---------------------------------------------------------------------------
export function showModel(meta, model) {
  $("model-sizes").textContent = model.sizes.join(" – ");
  $("model-cost").textContent = model.cost === "QuadraticCost" ? "quadratic" : "cross-entropy";
  if (meta && !meta.error) {
    const bits = [];
    if (meta.eta !== undefined) bits.push(`η = ${meta.eta}`);
    if (meta.lmbda !== undefined) bits.push(`λ = ${meta.lmbda}`);
    if (meta.batch_size) bits.push(`mini-batch ${meta.batch_size}`);
    if (meta.epochs) {
      bits.push(meta.chosen_epoch && meta.chosen_epoch !== meta.epochs
        ? `best of ${meta.epochs} epochs (#${meta.chosen_epoch})` : `${meta.epochs} epochs`);
    }
    $("model-training").textContent = bits.join(", ");
    $("model-training").title = meta.trained_on || "";
    $("model-test-accuracy").textContent = typeof meta.test_accuracy === "number"
      ? `${pct(meta.test_accuracy, 2)} of 10,000 digits` : "not recorded";
  } else {
    $("model-training").textContent = meta && meta.own ? "not recorded (your own file)" : "not recorded (model-meta.json missing)";
    $("model-test-accuracy").textContent = "not recorded";
  }
  const acc = $("model-subset-accuracy");
  acc.dataset.accuracy = String(model.accuracy);
  acc.dataset.correct = String(model.correct);
  acc.dataset.total = String(model.total);
  acc.textContent = `${pct(model.accuracy, 2)} — ${fmt.format(model.correct)} of ${fmt.format(model.total)} test digits, computed in your browser`;
}

// -- the digit strip -----------------------------------------------------------------------------
function decodePixels(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Draw one 28×28 digit, dark ink on white as on paper, at 1 canvas pixel per MNIST pixel (CSS scales it). */
function digitCanvas(pixels, offset) {
  const c = document.createElement("canvas");
  c.width = c.height = 28;
  const ctx = c.getContext("2d");
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = 255 - pixels[offset + i];
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

export function showStrip(strip) {
  const box = $("strip");
  const pixels = decodePixels(strip.pixels);
  const items = strip.labels.map((label, i) => {
    const pred = strip.predictions[i];
    const ok = pred === label;
    const fig = document.createElement("figure");
    fig.className = ok ? "digit" : "digit wrong";
    fig.dataset.label = label;
    fig.dataset.prediction = pred;
    const c = digitCanvas(pixels, i * 784);
    c.setAttribute("role", "img");
    c.setAttribute("aria-label", `test digit ${strip.start + i}: a ${label}`);
    const cap = document.createElement("figcaption");
    cap.innerHTML = ok ? `<b>${pred}</b>` : `<b>${pred}</b><s title="true label">${label}</s>`;
    cap.title = `${ok ? "right" : "wrong"}: predicted ${pred} (confidence ${strip.confidence[i].toFixed(2)}), true label ${label}`;
    fig.append(c, cap);
    return fig;
  });
  box.replaceChildren(...items);
  box.dataset.which = strip.which;
  box.dataset.start = strip.start;
  const wrong = items.filter((f) => f.classList.contains("wrong")).length;
  $("strip-title").textContent = `${strip.which === "trained" ? "Your network's" : "Its"} predictions on test digits ${strip.start + 1}–${strip.start + items.length}`;
  $("strip-caption").textContent = `${items.length - wrong} of ${items.length} right. Big number: the network's guess; red, struck-through: the true label of a wrong guess.`;
}

// -- the form ------------------------------------------------------------------------------------
export function readForm() {
  const raw = {};
  for (const name of Object.keys(FIELDS)) raw[name] = el.form.elements[name].value;
  return raw;
}

export function writeForm(params) {
  for (const name of Object.keys(FIELDS)) {
    const v = params[name];
    el.form.elements[name].value = Array.isArray(v) ? v.join(",") : v === null ? "" : String(v);
  }
}

export function showFieldErrors(errors) {
  for (const name of Object.keys(FIELDS)) {
    const msg = errors[name] || "";
    $(`err-${name}`).textContent = msg;
    el.form.elements[name].setAttribute("aria-invalid", msg ? "true" : "false");
  }
}

export function setTrainSizeLimit(nTrain) {
  const input = el.form.elements.train_size;
  input.max = nTrain;
  $("train-size-hint").textContent = `1–${fmt.format(nTrain)} of the subset's digits`;
}

/** mode: "loading" | "ready" | "training" | "stopping" | "failed". */
export function setMode(mode, { hasTrained = false, hasRuns = false } = {}) {
  const ready = mode === "ready";
  el.train.disabled = !ready;
  el.stop.disabled = mode !== "training";
  el.clear.disabled = !hasRuns;
  el.stripWhich.disabled = mode === "loading" || mode === "failed";
  el.stripPrev.disabled = el.stripNext.disabled = el.stripWhich.disabled;
  el.modelFile.disabled = !ready;
  el.stripWhich.querySelector('option[value="trained"]').disabled = !hasTrained;
  for (const input of el.form.elements) if (input.name) input.disabled = mode === "training" || mode === "stopping";
}

// -- progress ------------------------------------------------------------------------------------
export function showProgress(p) {
  const done = ((p.epoch - 1) + p.batch / p.n_batches) / p.epochs;
  $("progress").dataset.state = "running";
  $("progress-fill").style.width = `${(100 * done).toFixed(1)}%`;
  $("progress-text").textContent =
    `Epoch ${p.epoch} of ${p.epochs} · mini-batch ${fmt.format(p.batch)} of ${fmt.format(p.n_batches)} · ` +
    `${fmt.format(Math.round(p.examples_per_s))} examples/s`;
}

export function showProgressText(state, text) {
  $("progress").dataset.state = state;
  if (state !== "running") $("progress-fill").style.width = state === "done" ? "100%" : $("progress-fill").style.width;
  $("progress-text").textContent = text;
}

export function summaryText(s, label) {
  const rate = `${fmt.format(Math.round(s.examples_per_s))} examples/s`;
  const acc = `test accuracy now ${pct(s.test_accuracy)}`;
  if (s.stopped) {
    return `Stopped after ${s.epochs_done} full epoch${s.epochs_done === 1 ? "" : "s"} ` +
      `(${fmt.format(s.examples)} examples). The partly trained network is kept: ${acc}. (${label}, ${rate})`;
  }
  return `Done: ${s.epochs_done} epoch${s.epochs_done === 1 ? "" : "s"}, ${fmt.format(s.examples)} examples in ` +
    `${s.seconds.toFixed(1)} s (${rate}); ${acc}. (${label})`;
}

// -- legend --------------------------------------------------------------------------------------
export function showLegend(runs) {
  const items = runs.map((r) => {
    const li = document.createElement("li");
    li.dataset.runId = r.id;
    li.dataset.status = r.status;
    const last = r.points[r.points.length - 1];
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = r.color;
    const text = document.createElement("span");
    const tail = last && typeof last.eval_accuracy === "number" ? ` — test ${pct(last.eval_accuracy)}` : "";
    const status = r.status === "stopped" ? " (stopped)" : r.status === "failed" ? " (failed)" : r.status === "running" ? " …" : "";
    text.textContent = `${r.label}${tail}${status}`;
    li.append(swatch, text);
    return li;
  });
  $("legend").replaceChildren(...items);
}

export function showModelFileError(message) {
  $("model-file-error").textContent = message;
}

export function setVersion(version) {
  if (version) $("version").textContent = `backprop ${version}.`;
}
