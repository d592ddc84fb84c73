// Nielsen's runs as presets, and which digits the page trains on: a picker that fills the training form
// with a run from the book (scaled to the data: λ/n kept as the book's more_data runs did), the choice
// between the subset and full MNIST (fetched on demand, with a progress bar), and, when a run with a
// preset's settings finishes, the book's figure beside ours with the data each was measured on.
// It knows nothing of the worker: main.js hands in `useData`, `result`, `fill` and `setPair`.

const fmt = new Intl.NumberFormat("en-US");
const pct = (x) => `${(100 * x).toFixed(2)} %`;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const SETTINGS = ["convolutions", "hidden", "cost", "eta", "lmbda", "batch_size", "epochs", "weight_init", "train_size", "activation",
  "output", "regularization", "dropout", "momentum", "expand"];
const CHAPTERS = [1, 3, 5, 6];
const MAX_RESULTS = 6;

/** "best of 30 epochs", "after 30 epochs", "after epoch 1": how a figure was picked. */
function picked(rule, epochs) {
  if (rule === "best") return `best of ${epochs} epochs`;
  if (rule === "final") return `after ${epochs} epochs`;
  return `after epoch ${rule}`;
}

export class PresetsView {
  constructor({ useData, result, speedAtStart, fill, setPair }) {
    this.useData = useData;
    this.result = result;
    this.speedAtStart = speedAtStart;
    this.fill = fill;
    this.setPair = setPair;
    this.select = document.getElementById("preset-select");
    this.note = document.getElementById("preset-note");
    this.results = document.getElementById("preset-results");
    this.radios = [...document.querySelectorAll('input[name="data"]')];
    this.fullLabel = document.getElementById("data-full-text");
    this.subsetLabel = document.getElementById("data-subset-text");
    this.dataNote = document.getElementById("data-note");
    this.download = document.getElementById("data-download");
    this.bar = document.getElementById("data-progress");
    this.barText = document.getElementById("data-progress-text");
    this.info = null;
    this.fullData = null;
    this.enabled = false;
    this.switching = false;
    this.progressLog = []; // every progress report of the download (tests read it)

    this.select.addEventListener("change", () => this.apply());
    for (const radio of this.radios) radio.addEventListener("change", () => radio.checked && this.switchTo(radio.value));
  }

  /** The session's info (presets for its digits, n_train, n_test, which data) and config's fullData. */
  setInfo(info, fullData = this.fullData) {
    this.info = info;
    this.fullData = fullData;
    const chosen = this.select.value;
    this.select.replaceChildren(new Option("— pick a run from the book —", ""));
    for (const chapter of CHAPTERS) {
      const group = document.createElement("optgroup");
      group.label = `Chapter ${chapter}`;
      for (const p of info.presets.filter((q) => q.chapter === chapter)) group.append(new Option(p.title, p.key));
      this.select.append(group);
    }
    this.select.value = chosen;
    for (const radio of this.radios) radio.checked = radio.value === info.data;
    this.subsetLabel.textContent = info.data === "subset"
      ? `the subset: ${fmt.format(info.n_train)} training / ${fmt.format(info.n_test)} test digits (already here)`
      : "the subset: 10,000 training / 2,000 test digits (already here)";
    const full = fullData ?? {};
    if (full.url) {
      const size = mb(full.bytes);
      const at10 = Math.max(1, Math.round((8 * full.bytes) / 10e6));
      const loaded = info.loaded?.includes("full");
      this.fullLabel.textContent = `full MNIST: ${fmt.format(full.n_train)} training / ${fmt.format(full.n_test)} test ` +
        `digits, as in the book — ${loaded ? `downloaded (${size})` : `a ${size} download (about ${at10} s at 10 Mbit/s)`}`;
      this.dataNote.textContent = "";
    } else {
      this.fullLabel.textContent = "full MNIST: unavailable";
      this.dataNote.textContent = `Full MNIST is unavailable: ${full.unavailable ?? "this site has no full MNIST file"}.`;
    }
    this.setEnabled(this.enabled);
    if (chosen) this.apply();
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    const busy = !enabled || this.switching;
    this.select.disabled = busy;
    for (const radio of this.radios) radio.disabled = busy || (radio.value === "full" && !this.fullData?.url);
  }

  preset(key = this.select.value) {
    return this.info?.presets.find((p) => p.key === key) ?? null;
  }

  /** Fill the form with the chosen preset on the current digits, and say what was scaled. */
  apply() {
    const p = this.preset();
    if (!p) {
      this.note.textContent = "";
      return;
    }
    this.fill(p.params);
    if (p.pair) this.setPair(p.pair.vary, p.pair.value);
    const b = p.book;
    const bp = p.book_params;
    const scaled = p.params.lmbda !== bp.lmbda && !p.n_train
      ? ` λ = ${bp.lmbda} on ${fmt.format(b.n_train)} digits becomes λ = ${+p.params.lmbda.toPrecision(6)} on ` +
        `${fmt.format(p.params.train_size)}: the same λ/n, as the book's more_data runs kept it.`
      : "";
    this.note.dataset.key = p.key;
    const on = b.accuracy === null ? `the first ${fmt.format(b.n_train)} training digits, at initialisation`
      : `${fmt.format(b.n_train)} training / ${fmt.format(b.n_eval)} ${b.measured_on} digits, ${picked(b.epoch, bp.epochs)}`;
    this.note.textContent = `The book: ${b.text} (${on}).${scaled} ${p.note}` +
      (p.pair ? ` “Train the pair” runs it beside ${p.pair.vary} = ${p.pair.value}.` : "");
  }

  /** The data choice: the subset, or full MNIST (downloaded the first time). */
  async switchTo(name) {
    if (!this.info || name === this.info.data) return;
    this.switching = true;
    this.setEnabled(this.enabled);
    this.dataNote.textContent = "";
    try {
      const info = await this.useData(name);
      if (info.download_seconds != null) {
        this.barText.textContent = `Downloaded ${mb(this.fullData.bytes)} in ${info.download_seconds.toFixed(1)} s; ` +
          `training and test digits are now full MNIST's.`;
      }
      this.switching = false;
      this.setInfo(info);
    } catch (e) {
      this.switching = false;
      for (const radio of this.radios) radio.checked = radio.value === this.info.data;
      this.dataNote.textContent = `Could not use ${name === "full" ? "full MNIST" : "the subset"}: ${e.message}`;
      this.download.dataset.state = "failed";
      this.setEnabled(this.enabled);
    }
  }

  /** A progress report of the download: {received, total, seconds}. */
  showProgress(p) {
    this.progressLog.push(p);
    this.download.hidden = false;
    this.download.dataset.state = p.received === p.total ? "done" : "running";
    this.download.dataset.received = String(p.received);
    this.download.dataset.total = String(p.total);
    this.bar.max = p.total;
    this.bar.value = p.received;
    this.barText.textContent = `Downloading full MNIST: ${mb(p.received)} of ${mb(p.total)} · ${p.seconds.toFixed(1)} s`;
  }

  /** A run ended: when its settings are a preset's on these digits, set the book's figure beside ours. */
  async runFinished(summary) {
    const p = this.info?.presets.find((q) => SETTINGS.every((k) =>
      JSON.stringify(q.params[k]) === JSON.stringify(summary.params?.[k])));
    if (!p) return;
    if (p.book.accuracy === null) {
      await this.speedsFinished(p, summary);
      return;
    }
    const ours = await this.result(p.key, summary.history?.eval_accuracy ?? []);
    const b = p.book;
    const epochs = p.book_params.epochs;
    const li = document.createElement("li");
    li.dataset.key = p.key;
    li.dataset.book = String(b.accuracy);
    li.dataset.ours = ours ? String(ours.accuracy) : "";
    const book = `book ${b.text} (${fmt.format(b.n_train)} training / ${fmt.format(b.n_eval)} ${b.measured_on} digits, ` +
      `${picked(b.epoch, epochs)})`;
    const mine = ours
      ? `this run ${pct(ours.accuracy)} (${fmt.format(p.ours.n_train)} training / ${fmt.format(p.ours.n_eval)} ` +
        `${p.ours.measured_on}, ${b.epoch === "best" ? `best: epoch ${ours.epoch}` : picked(b.epoch, epochs)})`
      : `this run stopped before ${b.epoch === "final" ? `epoch ${epochs}` : `epoch ${b.epoch === "best" ? 1 : b.epoch}`}`;
    const title = document.createElement("strong");
    title.textContent = `${p.title}: `;
    li.append(title, `${book} · ${mine}`);
    this.prepend(li);
  }

  prepend(li) {
    this.results.prepend(li);
    while (this.results.children.length > MAX_RESULTS) this.results.lastChild.remove();
  }

  /** A chapter 5 speed run ended: the book's ‖δ^l‖ at the start, this run's, and five seeds' mean ± spread. */
  async speedsFinished(p, summary) {
    const spread = await this.speedAtStart(summary.params, 5);
    const list = (v) => v.map((x) => x.toFixed(3)).join(", ");
    const li = document.createElement("li");
    li.dataset.key = p.key;
    li.dataset.ours = JSON.stringify(summary.speed_start ?? []);
    li.dataset.mean = JSON.stringify(spread.mean);
    const title = document.createElement("strong");
    title.textContent = `${p.title}: `;
    const book = p.book.speeds ? `book ${p.book.speeds.join(", ")}` : p.book.text;
    li.append(title, `‖δ^l‖ of hidden layers 2… at the start: ${book} · this run ${list(summary.speed_start ?? [])} · ` +
      `five seeds ${spread.mean.map((m, i) => `${m.toFixed(3)} ± ${spread.std[i].toFixed(3)}`).join(", ")} ` +
      `(on the first ${fmt.format(spread.n)} training digits)`);
    this.prepend(li);
  }
}
