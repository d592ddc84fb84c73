// The hyperparameters of a training run as one typed record: defaults, validation, and the URL
// query string, so that a run can be shared as a link (?hidden=100,30&cost=quadratic&eta=0.1 ...).
// The worker validates again in Python (backprop.browser.validate_params); this copy gives
// immediate, per-field messages in the form. Both read the same limits, defaults and messages:
// limits.json, which build.py copies here from py/backprop/limits.json (the one copy).

const LIMITS = await (async () => {
  const url = new URL("./limits.json", import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  return response.json();
})();

// Field name -> its kind, default, limits and label (see limits.json). Names are the Python ones
// (eta, lmbda) so that the record goes to the worker unchanged.
export const FIELDS = LIMITS.fields;
export const COSTS = FIELDS.cost.values;
export const WEIGHT_INITS = FIELDS.weight_init.values;
export const ACTIVATIONS = FIELDS.activation.values;
export const REGULARIZATIONS = FIELDS.regularization.values;
/** cost -> the output layer it goes with in the page (limits.json: BP1 is written for that pairing). */
export const COST_OUTPUTS = LIMITS.costOutputs;
const MAX_HIDDEN_LAYERS = FIELDS.hidden.maxLayers;
const MAX_LAYER_SIZE = FIELDS.hidden.max;
export const MAX_STEP_WORK = LIMITS.maxStepWork; // weights and biases × mini-batch size, one step
const MAX_PARAMETERS = LIMITS.maxParameters; // a network the page keeps and shows
const CONV = FIELDS.convolutions; // the convolution and pooling layers' bounds

/** Weights and biases of 784-hidden-10 (or n_in-hidden-10: what convolutions hand on). */
export function nParameters(hidden, nIn = LIMITS.inputs) {
  const sizes = [nIn, ...hidden, LIMITS.outputs];
  let n = 0;
  for (let i = 1; i < sizes.length; i++) n += sizes[i - 1] * sizes[i] + sizes[i];
  return n;
}

/** One of the shared messages with its {placeholders} filled, as backprop.limits.message does. */
function message(key, values) {
  return LIMITS.messages[key].replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

/** The convolutions field, "conv:8:5:relu,pool:2" ("" for none), as params.parse_convolutions checks it:
 * {text (canonical), shape (what the dense layers read), work (multiply-adds a digit), parameters};
 * throws Error naming the bad item. A conv's activation is sigmoid unless named. */
export function parseConvolutions(raw) {
  const text = String(raw ?? "");
  const items = text.trim() ? text.split(",").map((t) => t.trim()) : [];
  if (items.length > CONV.maxLayers) throw new Error(message("conv_count", { max: CONV.maxLayers, count: items.length }));
  let [c, h, w] = CONV.input;
  let work = 0;
  let parameters = 0;
  const out = [];
  for (const item of items) {
    const [kind, ...args] = item.split(":").map((t) => t.trim());
    if (!((kind === "conv" && (args.length === 2 || args.length === 3)) || (kind === "pool" && args.length === 1))) {
      throw new Error(message("conv_item", { value: item }));
    }
    const names = kind === "conv" ? ["filters", "kernel"] : ["pool"];
    names.forEach((what, i) => {
      const { min, max } = CONV[what];
      if (!/^\d+$/.test(args[i]) || +args[i] < min || +args[i] > max) {
        throw new Error(message("conv_range", { what, value: item, min, max }));
      }
    });
    const n = +(kind === "pool" ? args[0] : args[1]);
    if ((kind === "conv" && n > Math.min(h, w)) || (kind === "pool" && (h % n || w % n))) {
      throw new Error(message("conv_fit", { value: item, shape: `${c}×${h}×${w}` }));
    }
    if (kind === "pool") {
      [h, w] = [h / n, w / n];
      out.push(`pool:${n}`);
      continue;
    }
    const activation = args[2] ?? "sigmoid";
    if (!CONV.activations.includes(activation)) {
      throw new Error(message("conv_activation", { value: item, values: CONV.activations.join(", ") }));
    }
    const filters = +args[0];
    const weights = (c * n * n + 1) * filters; // one kernel per filter over every input channel, and a bias
    parameters += weights;
    [c, h, w] = [filters, h - n + 1, w - n + 1];
    work += weights * h * w; // at every position of the output maps
    out.push(`conv:${filters}:${n}:${activation}`);
  }
  return { text: out.join(","), shape: [c, h, w], work, parameters };
}

export function defaults(nTrain = Infinity) {
  const p = {};
  for (const [name, f] of Object.entries(FIELDS)) p[name] = Array.isArray(f.default) ? [...f.default] : f.default;
  p.train_size = Math.min(p.train_size, nTrain);
  return p;
}

/** "100, 30" -> [100, 30]; "" -> [] (no hidden layer); throws Error naming the bad text. */
export function parseLayers(text) {
  const parts = String(text).split(/[\s,]+/).filter((s) => s !== "");
  if (parts.length > MAX_HIDDEN_LAYERS) {
    throw new Error(message("layer_count", { max: MAX_HIDDEN_LAYERS, count: parts.length }));
  }
  const min = FIELDS.hidden.min;
  return parts.map((s) => {
    if (!/^\d+$/.test(s) || +s < min || +s > MAX_LAYER_SIZE) {
      throw new Error(message("layer_size", { min, max: MAX_LAYER_SIZE, value: s }));
    }
    return +s;
  });
}

function parseField(name, raw, nTrain, params) {
  const f = FIELDS[name];
  const text = String(raw ?? "").trim();
  switch (f.kind) {
    case "convs":
      return parseConvolutions(text).text;
    case "layers":
      return Array.isArray(raw) ? parseLayers(raw.join(",")) : parseLayers(text);
    case "choice":
      if (!f.values.includes(text)) {
        throw new Error(message("choice", { label: f.label, values: f.values.join(", "), value: text }));
      }
      return text;
    case "number": {
      const v = Number(text);
      if (text === "" || !Number.isFinite(v) || v < f.min || (f.exclusiveMin && v === f.min) || v > (f.max ?? Infinity)) {
        const key = f.max !== undefined ? "range" : f.exclusiveMin ? "positive" : "non_negative";
        throw new Error(message(key, { label: f.label, value: text, min: f.min, max: f.max }));
      }
      return v;
    }
    case "int": {
      // maxOf: bounded at run time, train_size by the subset and batch_size by train_size
      const max = f.maxOf === "n_train" ? nTrain : f.maxOf ? params[f.maxOf] : f.max;
      const v = Number(text);
      if (f.maxOf === "train_size" && /^\d+$/.test(text) && v > max) {
        throw new Error(message("batch_vs_train", { batch_size: v, train_size: max }));
      }
      if (!/^\d+$/.test(text) || v < f.min || v > max) {
        throw new Error(message("int", { label: f.label, min: f.min, max, value: text }));
      }
      return v;
    }
    case "seed": {
      if (text === "") return null; // a fresh random network each run
      const v = Number(text);
      if (!/^\d+$/.test(text) || v < f.min || v > f.max) {
        throw new Error(message("seed", { min: f.min, max: f.max, value: text }));
      }
      return v;
    }
    default:
      throw new Error(`unknown field kind ${f.kind}`);
  }
}

/**
 * Check raw values (strings from the form or the URL) field by field.
 * Returns {params, errors}: params holds every valid field (defaults for missing ones), errors maps
 * a field name to its message. Cross-field rule: a mini-batch cannot exceed the training set.
 */
export function validate(raw, nTrain = 10000) {
  const params = defaults(nTrain);
  const errors = {};
  // a field bounded by another (maxOf) is read after it
  const late = Object.keys(FIELDS).filter((name) => FIELDS[name].maxOf in FIELDS);
  const names = [...Object.keys(FIELDS).filter((name) => !late.includes(name)), ...late];
  for (const name of names) {
    if (raw[name] === undefined) continue;
    try {
      params[name] = parseField(name, raw[name], nTrain, params);
    } catch (e) {
      errors[name] = e.message;
    }
  }
  if (!errors.cost && !errors.output && params.output !== COST_OUTPUTS[params.cost]) {
    errors.output = message("cost_output", { cost: params.cost, needs: COST_OUTPUTS[params.cost] });
  }
  if (!errors.batch_size && !errors.train_size && params.batch_size > params.train_size) {
    errors.batch_size = message("batch_vs_train", { batch_size: params.batch_size, train_size: params.train_size });
  }
  // One mini-batch step's work (weights × batch) is capped so that Stop, read between steps, is quick.
  const fmt = (v) => v.toLocaleString("en-US");
  const conv = errors.convolutions ? null : parseConvolutions(params.convolutions);
  if (conv?.text && !errors.hidden) { // with convolutions: their multiply-adds, and the page's parameter cap
    const dense = nParameters(params.hidden, conv.shape[0] * conv.shape[1] * conv.shape[2]);
    const work = conv.work + dense;
    if (conv.parameters + dense > MAX_PARAMETERS) {
      errors.convolutions = message("conv_parameters", { parameters: fmt(conv.parameters + dense), cap: fmt(MAX_PARAMETERS) });
    } else if (!errors.batch_size && work * params.batch_size > MAX_STEP_WORK) {
      errors.batch_size = message("conv_step_work", { work: fmt(work), batch_size: params.batch_size,
        cap: fmt(MAX_STEP_WORK), max_batch: Math.max(1, Math.floor(MAX_STEP_WORK / work)) });
    }
    return { params, errors };
  }
  const n = nParameters(params.hidden);
  if (!errors.batch_size && !errors.hidden && n * params.batch_size > MAX_STEP_WORK) {
    errors.batch_size = message("step_work", { parameters: fmt(n), batch_size: params.batch_size,
      cap: fmt(MAX_STEP_WORK), max_batch: Math.max(1, Math.floor(MAX_STEP_WORK / n)) });
  }
  return { params, errors };
}

/** The record as a query string, leaving out fields at their default value. */
export function toQuery(params) {
  const d = defaults();
  const q = new URLSearchParams();
  for (const name of Object.keys(FIELDS)) {
    const v = params[name];
    const text = Array.isArray(v) ? v.join(",") : v === null ? "" : String(v);
    const dText = Array.isArray(d[name]) ? d[name].join(",") : String(d[name]);
    if (text !== dText) q.set(name, text);
  }
  const s = q.toString().replace(/%2C/gi, ",").replace(/%3A/gi, ":"); // "hidden=100,30", "conv:8:5" read better
  return s ? `?${s}` : "";
}

/** The query string `search` with its training settings replaced by `params`' (toQuery), everything
 * else in it (a lesson link's sections, hide, note...) kept as it was. */
export function withParams(search, params) {
  const q = new URLSearchParams(search);
  for (const name of Object.keys(FIELDS)) q.delete(name);
  const kept = q.toString().replace(/%2C/gi, ",").replace(/%3A/gi, ":");
  const settings = toQuery(params).slice(1);
  const s = [kept, settings].filter((t) => t !== "").join("&");
  return s ? `?${s}` : "";
}

/** Raw values from a query string: only known fields; validate() reports bad ones. */
export function fromQuery(search) {
  const q = new URLSearchParams(search);
  const raw = {};
  for (const name of Object.keys(FIELDS)) if (q.has(name)) raw[name] = q.get(name);
  return raw;
}

/** A short label for a run on the chart, e.g. "CE 784-30-10 η=0.5 λ=5 #1", "LL ReLU 784-100-10 η=0.1 L1 λ=1
 * p=0.5 μ=0.9 he-init #2": the settings that are not network2's are named. */
export function runLabel(params, n) {
  const cost = FIELDS.cost.short[params.cost] ?? params.cost;
  const convs = params.convolutions ? `${params.convolutions.replaceAll(",", " ")} ` : ""; // "conv:8:5:relu pool:2 "
  const sizes = `${convs}${[convs ? "" : 784, ...params.hidden, 10].filter((v) => v !== "").join("-")}`;
  const act = params.activation && params.activation !== "sigmoid" ? ` ${FIELDS.activation.short[params.activation]}` : "";
  const reg = params.regularization && params.regularization !== "l2"
    ? ` ${FIELDS.regularization.short[params.regularization]}` : "";
  const lmbda = params.regularization === "none" ? "" : ` λ=${params.lmbda}`;
  const drop = params.dropout ? ` p=${params.dropout}` : "";
  const mu = params.momentum ? ` μ=${params.momentum}` : "";
  const init = params.weight_init !== "default" && params.weight_init ? ` ${params.weight_init}-init` : "";
  const f32 = params.dtype === "float32" ? " f32" : "";
  const numpy = params.backend === "numpy" ? " numpy" : "";
  const shifts = params.expand === "shifts" ? ` ${FIELDS.expand.short.shifts}` : "";
  return `${cost}${act} ${sizes} η=${params.eta}${reg}${lmbda}${drop}${mu}${init}${shifts}${f32}${numpy} #${n}`;
}
