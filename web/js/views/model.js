// The current network, chosen once for every view: the shipped model, your latest run (also while it
// trains) or a model file you loaded — with its facts, and model files in and out (download as
// network2 JSON; load with the file picker or by dropping a file anywhere on the page).

const pct = (x, digits = 1) => `${(100 * x).toFixed(digits)} %`;
const fmt = new Intl.NumberFormat("en-US");

export class ModelView {
  /** onChoose(which): the user picked a network; onFile(file): a model file to load; onDownload(). */
  constructor({ onChoose, onFile, onDownload }) {
    this.select = document.getElementById("network-which");
    this.download = document.getElementById("download-model");
    this.fileInput = document.getElementById("model-file");
    this.error = document.getElementById("model-file-error");
    this.metas = {}; // the shipped networks' metadata: model-meta.json, conv-model-meta.json
    this.select.addEventListener("change", () => onChoose(this.select.value));
    this.download.addEventListener("click", onDownload);
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files[0];
      if (file) onFile(file);
      this.fileInput.value = ""; // the same file again is a new choice
    });
    // Drop a file anywhere on the page. dragover must be cancelled for the drop to be allowed.
    const hasFile = (e) => [...(e.dataTransfer?.types ?? [])].includes("Files");
    document.addEventListener("dragover", (e) => {
      if (!hasFile(e)) return;
      e.preventDefault();
      document.body.classList.add("dropping");
    });
    document.addEventListener("dragleave", (e) => {
      if (e.relatedTarget === null) document.body.classList.remove("dropping");
    });
    document.addEventListener("drop", (e) => {
      document.body.classList.remove("dropping");
      if (!hasFile(e)) return;
      e.preventDefault();
      const file = e.dataTransfer.files[0];
      if (file && !this.fileInput.disabled) onFile(file);
    });
  }

  get which() {
    return this.select.value;
  }

  /** Which networks exist: {model, conv, trained, file} -> bool; `which` is selected. */
  setChoices(available, which) {
    for (const option of this.select.options) option.disabled = !available[option.value];
    this.select.value = which;
  }

  setEnabled(enabled) {
    this.select.disabled = !enabled;
    this.download.disabled = !enabled;
    this.fileInput.disabled = !enabled;
  }

  /** A shipped network is being fetched (the convolutional one, the first time it is chosen). */
  showLoading(which) {
    this.error.textContent = which === "conv" ? "Loading the convolutional network…" : "Loading…";
  }

  showFileError(message) {
    this.error.textContent = message;
  }

  /** The facts of the current network: `model` is the worker's evaluate answer for it. */
  showFacts(model) {
    const $ = (id) => document.getElementById(id);
    $("model-sizes").textContent = describeLayers(model);
    $("model-cost").textContent = model.cost;
    const meta = this.metas[model.which];
    if (meta && !meta.error) {
      const bits = [];
      if (meta.eta !== undefined) bits.push(`η = ${meta.eta}${meta.eta_decay ? ` (× ${meta.eta_decay} each epoch)` : ""}`);
      if (meta.lmbda !== undefined) bits.push(`λ = ${meta.lmbda}`);
      if (meta.batch_size) bits.push(`mini-batch ${meta.batch_size}`);
      if (meta.epochs) {
        bits.push(meta.chosen_epoch && meta.chosen_epoch !== meta.epochs
          ? `best of ${meta.epochs} epochs (#${meta.chosen_epoch})` : `${meta.epochs} epochs`);
      }
      if (meta.momentum) bits.push(`momentum ${meta.momentum}`);
      if (meta.augment) bits.push("on freshly distorted digits");
      $("model-training").textContent = bits.join(", ");
      $("model-training").title = meta.trained_on || "";
      $("model-test-accuracy").textContent = typeof meta.test_accuracy === "number"
        ? `${pct(meta.test_accuracy, 2)} of 10,000 digits` : "not recorded";
    } else {
      $("model-training").textContent = {
        model: "not recorded (model-meta.json missing)", conv: "not recorded (conv-model-meta.json missing)", trained: "your run's settings (see the chart's legend)",
        file: "not recorded (your own file)",
      }[model.which];
      $("model-training").title = "";
      $("model-test-accuracy").textContent = "not measured here";
    }
    const acc = $("model-subset-accuracy");
    acc.dataset.which = model.which;
    acc.dataset.accuracy = String(model.accuracy);
    acc.dataset.correct = String(model.correct);
    acc.dataset.total = String(model.total);
    acc.textContent = `${pct(model.accuracy, 2)} — ${fmt.format(model.correct)} of ${fmt.format(model.total)} ` +
      `test digits, computed in your browser${model.running ? " (training…)" : ""}`;
  }
}

/** The network's layers in a line: "784 – 300 – 10" for a dense stack, and for a convolutional one
 * "1×28×28 → conv 20 of 5×5, ReLU → max-pool 2×2 → … → 10, softmax". */
export function describeLayers({ sizes, layers = [] }) {
  if (!layers.some((l) => l.kind !== "dense")) return sizes.join(" – ");
  const named = { relu: "ReLU", sigmoid: "sigmoid", tanh: "tanh", softmax: "softmax", identity: "linear" };
  const parts = layers.map((l) => {
    if (l.kind === "conv2d") return `conv ${l.filters} of ${l.kernel}×${l.kernel}, ${named[l.activation] ?? l.activation}`;
    if (l.kind === "maxpool2d") return `max-pool ${l.size}×${l.size}`;
    return `${l.n}, ${named[l.activation] ?? l.activation}`;
  });
  return ["1×28×28", ...parts].join(" → ");
}
