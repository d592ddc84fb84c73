// The training form: hyperparameter fields with per-field errors, kept in the URL (state.js), and the
// Train / Stop / Defaults buttons. It knows nothing of the worker: main.js gets `onTrain`/`onStop`.

import {
  ACTIVATIONS, COSTS, COST_OUTPUTS, FIELDS, MAX_STEP_WORK, REGULARIZATIONS, WEIGHT_INITS, defaults, fromQuery,
  validate, withParams,
} from "../state.js";

const fmt = new Intl.NumberFormat("en-US");

export class TrainFormView {
  constructor({ onTrain, onStop, onStep, onPair }) {
    this.form = document.getElementById("train-form");
    this.trainButton = document.getElementById("train-button");
    this.stopButton = document.getElementById("stop-button");
    this.defaultsButton = document.getElementById("defaults-button");
    this.nTrain = 10000;
    document.getElementById("batch-hint").textContent = // the cap of one step's work (limits.json)
      `weights (with convolutions: multiply-adds a digit) × mini-batch ≤ ${fmt.format(MAX_STEP_WORK)}, so that one ` +
      "step stays short and Stop is quick";

    // A cost and its output layer go together (limits.json's costOutputs): choosing one sets the other,
    // so the form never holds a pair the library would refuse. The check stays for typed links.
    const f = this.form.elements;
    f.cost.addEventListener("change", () => { f.output.value = COST_OUTPUTS[f.cost.value]; });
    f.output.addEventListener("change", () => {
      if (COST_OUTPUTS[f.cost.value] !== f.output.value) {
        f.cost.value = COSTS.find((c) => COST_OUTPUTS[c] === f.output.value);
      }
    });
    this.form.addEventListener("input", () => {
      const params = this.params();
      if (params) history.replaceState(null, "", `${location.pathname}${withParams(location.search, params)}${location.hash}`);
    });
    this.defaultsButton.addEventListener("click", () => {
      this.write(defaults(this.nTrain));
      this.showErrors({});
      history.replaceState(null, "", `${location.pathname}${withParams(location.search, defaults())}${location.hash}`);
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      onTrain(this.params());
    });
    this.stopButton.addEventListener("click", onStop);
    this.stepButton = document.getElementById("step-button");
    this.stepButton.addEventListener("click", () => onStep(this.params()));
    this.pairVary = document.getElementById("pair-vary");
    this.pairValue = document.getElementById("pair-value");
    this.pairButton = document.getElementById("pair-button");
    this.pairVary.addEventListener("change", () => (this.pairValue.value = this.pairDefault()));
    this.pairButton.addEventListener("click", () => onPair(this.params(), this.pairVary.value, this.pairValue.value));
  }

  /** Run B's value when `vary` is chosen: the other cost (of the same output layer when there is one),
   * initialisation or regulariser, ReLU for sigmoid (and back), no λ, a fifth of η, dropout ½ or none,
   * momentum 0.9 or 0, a small convolution and pooling layer or none ("dense or conv?"), the digits
   * expanded by one-pixel shifts or not. */
  pairDefault() {
    const f = this.form.elements;
    const sameOutput = COSTS.filter((c) => c !== f.cost.value && COST_OUTPUTS[c] === COST_OUTPUTS[f.cost.value]);
    return {
      cost: sameOutput[0] ?? COSTS.find((c) => c !== f.cost.value),
      weight_init: WEIGHT_INITS.find((w) => w !== f.weight_init.value),
      activation: f.activation.value === "relu" ? "sigmoid" : ACTIVATIONS.find((a) => a === "relu"),
      regularization: f.regularization.value === "l1" ? "l2" : REGULARIZATIONS.find((r) => r === "l1"),
      lmbda: f.lmbda.value === "0" ? "5" : "0",
      eta: String(+(Number(f.eta.value) / 5).toPrecision(3) || 0.1),
      dropout: Number(f.dropout.value) > 0 ? "0" : "0.5",
      momentum: Number(f.momentum.value) > 0 ? "0" : "0.9",
      convolutions: f.convolutions.value.trim() ? "" : "conv:8:5:relu,pool:2",
      expand: f.expand.value === "shifts" ? "none" : "shifts",
    }[this.pairVary.value];
  }

  /** The form's values from the URL, checked against the subset's size. */
  initFromURL(nTrain = this.nTrain) {
    this.setTrainingDigits(nTrain);
    const { params, errors } = validate(fromQuery(location.search), nTrain);
    this.write(params);
    this.showErrors(errors);
  }

  /** How many training digits the page has (the subset's, or full MNIST's): the limit of train_size. */
  setTrainingDigits(nTrain, what = "the subset's") {
    this.nTrain = nTrain;
    this.form.elements.train_size.max = nTrain;
    document.getElementById("train-size-hint").textContent = `1–${fmt.format(nTrain)} of ${what} digits`;
  }

  /** Put a whole record in the form (a preset's), checked, and into the URL. */
  fill(params) {
    this.write(params);
    const checked = this.params();
    if (checked) history.replaceState(null, "", `${location.pathname}${withParams(location.search, checked)}${location.hash}`);
  }

  /** The paired run's controls: which setting B changes, and to what. */
  setPair(vary, value) {
    this.pairVary.value = vary;
    this.pairValue.value = value;
  }

  /** The training digits the form asks for (n of λ/n), or all the page has when the field is not valid. */
  trainingDigits() {
    const n = Number(this.form.elements.train_size.value);
    return Number.isInteger(n) && n >= 1 && n <= this.nTrain ? n : this.nTrain;
  }

  /** The checked parameters, or null (and the errors shown by their fields). */
  params() {
    const raw = {};
    for (const name of Object.keys(FIELDS)) raw[name] = this.form.elements[name].value;
    const { params, errors } = validate(raw, this.nTrain);
    this.showErrors(errors);
    return Object.keys(errors).length ? null : params;
  }

  write(params) {
    for (const name of Object.keys(FIELDS)) {
      const v = params[name];
      if (v === undefined) continue; // a preset leaves precision and products as they are
      this.form.elements[name].value = Array.isArray(v) ? v.join(",") : v === null ? "" : String(v);
    }
  }

  showErrors(errors) {
    for (const name of Object.keys(FIELDS)) {
      const msg = errors[name] || "";
      document.getElementById(`err-${name}`).textContent = msg;
      this.form.elements[name].setAttribute("aria-invalid", msg ? "true" : "false");
    }
  }

  /** mode: "loading" | "ready" | "training" | "stopping" | "failed". */
  setMode(mode) {
    this.trainButton.disabled = this.stepButton.disabled = this.pairButton.disabled = mode !== "ready";
    this.stopButton.disabled = mode !== "training";
    for (const input of this.form.elements) if (input.name) input.disabled = mode === "training" || mode === "stopping";
  }
}
