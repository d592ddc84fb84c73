// The page <-> worker protocol, imported by both sides: message names, and a request/response client
// with ids so that a view awaits its own answer instead of matching bare strings.
//
// Requests (page -> worker): {type, id, ...args}; the worker answers each with exactly one
//   {type: "reply", id, ok: true, result} or {type: "reply", id, ok: false, error, stage}.
// Events (worker -> page, no id): status and ready while loading, progress and epoch while training,
//   fatal when loading failed, dead when the interpreter can no longer be used.

// A request's name is the session method that answers it ("confusion-cell": Session.confusion_cell) and
// its arguments that method's own parameter names; a binary argument travels as `data`.
export const REQUEST = Object.freeze({
  INFO: "info", // -> the digits' sizes, the networks, the presets
  TRAIN: "train", // {runId, params} -> the run's summary, when it ends
  STOP: "stop", // -> null; the run ends after its current mini-batch
  EVALUATE: "evaluate", // {which} -> {correct, total, accuracy, sizes, cost}
  STRIP: "strip", // {which, start, count} -> digits with predictions
  LOAD_FILE: "load-file", // {text} -> evaluate's answer for the new "file" network
  LOAD_SHIPPED: "load-shipped", // {which: "conv"} -> {facts: evaluate's answer, meta}: fetched when first chosen
  MODEL_JSON: "model-json", // {which} -> network2 JSON text
  PREDICT_DRAWING: "predict-drawing", // {which, data: Uint8Array of the ink, width, height} -> {digit, outputs, input}
  PREDICT_TEST_DIGIT: "predict-test-digit", // {which, index} -> the same, for a test digit
  HIDDEN_UNITS: "hidden-units", // {which} -> every layer's weights, int8 on a symmetric scale
  UNIT_DETAIL: "unit-detail", // {which, unit} -> the test digits exciting that unit most (a conv unit: a feature map)
  FEATURE_MAPS: "feature-maps", // {which, index (-1: the drawing)} -> each convolution's and pooling's maps on it
  CONFUSION: "confusion", // {which} -> the 10×10 matrix on the test digits
  CONFUSION_CELL: "confusion-cell", // {which, true_label, predicted} -> that cell's digits
  TRACE: "trace-digit", // {which, index (-1: the drawing), label, cost, mistake, dropout, seed} -> BP1–BP4 on that digit
  GRADCHECK: "check-gradient", // {which, index, label, cost, mistake, regularization, lmbda, n} -> backprop vs central differences
  TRIAL_STEP: "trial-step", // {which, index, label, eta, dropout, seed} -> one SGD step on a copy: cost before/after
  STEP: "step", // {params} -> one mini-batch of the latest run: its digits, cost before/after
  PAIR: "pair", // {params, vary, value} -> [A, B]: checked settings differing in `vary` only, one seed
  USE_DATA: "use-data", // {name: "subset" | "full"} -> the session's info for those digits (full: fetched once)
  PRESET_RESULT: "preset-result", // {key, eval_accuracy} -> {accuracy, epoch} picked as the book picked, or null
  SPEED_AT_START: "speed-at-start", // {params, seeds} -> chapter 5's speeds at the start over seeds: {n, mean, std, runs}
  RESTORE_NETWORK: "restore-network", // {which, sizes, cost, data: ArrayBuffer, activation, output, layers} -> evaluate's answer
});

export const EVENT = Object.freeze({
  STATUS: "status", // {stage, text}
  READY: "ready", // {info (no digits yet), meta, version, kernel, fullData, seconds, timings}: a drawing can be read
  DIGITS: "digits", // {info, seconds, timings}: the MNIST subset is in; every view can be shown
  FATAL: "fatal", // {stage, message}: loading failed
  PROGRESS: "progress", // {runId, epoch, epochs, batch, n_batches, examples_per_s}
  EPOCH: "epoch", // {runId, epoch, train_cost, train_cost_data, ..., eval_accuracy, saturation, network: ArrayBuffer}
  DATA_PROGRESS: "data-progress", // {received, total, seconds}: the full-MNIST download
  DEAD: "dead", // {message}: the interpreter failed fatally; the page must start another worker
});

export const REPLY = "reply";

/** A failed request: the worker's message, and which request failed. */
export class RequestError extends Error {
  constructor(type, message, stage) {
    super(message);
    this.type = type;
    this.stage = stage;
  }
}

/** The page's side: `request(type, args)` returns a promise of the result; `on(event, fn)` listens. */
export class Client {
  constructor(worker) {
    this.worker = worker;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, type}
    this.listeners = new Map(); // event type -> [fn]
    worker.addEventListener("message", (e) => this.receive(e.data));
  }

  request(type, args = {}, transfer = []) {
    const id = this.nextId++;
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, type });
      this.worker.postMessage({ ...args, type, id }, transfer);
    });
  }

  /** The worker is gone: every request still waiting fails with `error`. */
  close(error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
    this.closed = error;
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }

  receive(msg) {
    if (msg.type === REPLY) {
      const waiting = this.pending.get(msg.id);
      if (!waiting) return;
      this.pending.delete(msg.id);
      if (msg.ok) waiting.resolve(msg.result);
      else waiting.reject(new RequestError(waiting.type, msg.error, msg.stage));
      return;
    }
    for (const fn of this.listeners.get(msg.type) ?? []) fn(msg);
  }
}

/**
 * The worker's side: answer requests with `handlers[type](args)` (sync or async), or with
 * `otherwise(type, args)` for a type without a handler of its own. A thrown error becomes an ok: false
 * reply carrying its message; a type nothing answers is an error too.
 */
export function serve(scope, handlers, describeError = String, otherwise = null) {
  scope.addEventListener("message", async (event) => {
    const { type, id, ...args } = event.data;
    let reply;
    try {
      const handler = handlers[type] ?? (otherwise && ((a) => otherwise(type, a)));
      if (!handler) throw new Error(`unknown request ${JSON.stringify(type)}`);
      reply = { type: REPLY, id, ok: true, result: (await handler(args)) ?? null };
    } catch (e) {
      reply = { type: REPLY, id, ok: false, error: describeError(e), stage: e?.stage ?? type };
    }
    scope.postMessage(reply);
  });
}

/** The worker's side of an event. */
export function emit(scope, type, payload = {}) {
  scope.postMessage({ ...payload, type });
}

// The lab's own worker (lab-worker.js) answers these with the same request/response client; its events
// are STATUS while loading and PROGRESS / EPOCH during a run.
export const LAB_REQUEST = Object.freeze({
  READY: "lab-ready", // -> null, once Python, numpy and backprop are loaded
  CHECK: "lab-check", // {code} -> the check's report (backprop.lab) and what the code printed
  TRAIN: "lab-train", // {runId, code, params} -> the run's summary with speed, or {error}
  STOP: "lab-stop", // -> null; the check or run ends at its next pause
});
