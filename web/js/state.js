// The hyperparameters of a training run as one typed record: defaults, validation, and the URL
// query string, so that a run can be shared as a link (?hidden=100,30&cost=quadratic&eta=0.1 ...).
// The worker validates again in Python (backprop.browser.validate_params); this copy gives
// immediate, per-field messages in the form.

export const COSTS = ["cross-entropy", "quadratic"];
export const WEIGHT_INITS = ["default", "large"];
const MAX_HIDDEN_LAYERS = 4;
const MAX_LAYER_SIZE = 1000;
const MAX_EPOCHS = 1000;
const MAX_SEED = 2 ** 32 - 1;

// Field name -> its kind and default. Names are the Python ones (eta, lmbda) so that the record
// goes to the worker unchanged.
export const FIELDS = {
  hidden: { kind: "layers", default: [30], label: "hidden layers" },
  cost: { kind: "choice", values: COSTS, default: "cross-entropy", label: "cost" },
  eta: { kind: "number", min: 0, exclusiveMin: true, default: 0.5, label: "η (learning rate)" },
  lmbda: { kind: "number", min: 0, default: 5, label: "λ (L2 regularisation)" },
  batch_size: { kind: "int", min: 1, default: 10, label: "mini-batch size" },
  epochs: { kind: "int", min: 1, max: MAX_EPOCHS, default: 10, label: "epochs" },
  train_size: { kind: "int", min: 1, default: 10000, label: "training digits" },
  weight_init: { kind: "choice", values: WEIGHT_INITS, default: "default", label: "weight init" },
  seed: { kind: "seed", default: 1, label: "seed" },
};

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
    throw new Error(`at most ${MAX_HIDDEN_LAYERS} hidden layers, got ${parts.length}`);
  }
  return parts.map((s) => {
    if (!/^\d+$/.test(s) || +s < 1 || +s > MAX_LAYER_SIZE) {
      throw new Error(`layer sizes are whole numbers 1–${MAX_LAYER_SIZE} separated by commas; "${s}" is not`);
    }
    return +s;
  });
}

function parseField(name, raw, nTrain) {
  const f = FIELDS[name];
  const text = String(raw ?? "").trim();
  switch (f.kind) {
    case "layers":
      return Array.isArray(raw) ? parseLayers(raw.join(",")) : parseLayers(text);
    case "choice":
      if (!f.values.includes(text)) throw new Error(`${f.label} must be one of ${f.values.join(", ")}, got "${text}"`);
      return text;
    case "number": {
      const v = Number(text);
      if (text === "" || !Number.isFinite(v) || v < f.min || (f.exclusiveMin && v === f.min)) {
        throw new Error(`${f.label} must be a ${f.exclusiveMin ? "positive" : "non-negative"} number, got "${text}"`);
      }
      return v;
    }
    case "int": {
      const max = name === "train_size" ? nTrain : (f.max ?? Infinity);
      const v = Number(text);
      if (!/^\d+$/.test(text) || v < f.min || v > max) {
        const range = Number.isFinite(max) ? `${f.min}–${max}` : `≥ ${f.min}`;
        throw new Error(`${f.label} must be a whole number ${range}, got "${text}"`);
      }
      return v;
    }
    case "seed": {
      if (text === "") return null; // a fresh random network each run
      const v = Number(text);
      if (!/^\d+$/.test(text) || v > MAX_SEED) throw new Error(`seed must be empty or a whole number 0–${MAX_SEED}, got "${text}"`);
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
  for (const name of Object.keys(FIELDS)) {
    if (raw[name] === undefined) continue;
    try {
      params[name] = parseField(name, raw[name], nTrain);
    } catch (e) {
      errors[name] = e.message;
    }
  }
  if (!errors.batch_size && !errors.train_size && params.batch_size > params.train_size) {
    errors.batch_size = `mini-batch size (${params.batch_size}) cannot exceed the training digits (${params.train_size})`;
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
  const s = q.toString().replace(/%2C/gi, ","); // "hidden=100,30" reads better than 100%2C30
  return s ? `?${s}` : "";
}

/** Raw values from a query string: only known fields; validate() reports bad ones. */
export function fromQuery(search) {
  const q = new URLSearchParams(search);
  const raw = {};
  for (const name of Object.keys(FIELDS)) if (q.has(name)) raw[name] = q.get(name);
  return raw;
}

/** A short label for a run on the chart, e.g. "CE 784-30-10 η=0.5 λ=5 #1". */
export function runLabel(params, n) {
  const cost = params.cost === "quadratic" ? "Quad" : "CE";
  const sizes = [784, ...params.hidden, 10].join("-");
  const init = params.weight_init === "large" ? " large-init" : "";
  return `${cost} ${sizes} η=${params.eta} λ=${params.lmbda}${init} #${n}`;
}
