// The training progress bar and its line of text: epoch, mini-batch, examples/s, then the summary.
// The visible line changes every ~150 ms; screen readers hear a separate live region that speaks only
// when an epoch ends and when the run ends.

import { productsRan as products } from "../compare.js";
import { decodeBase64, digitFigure } from "../render/digits.js";

const fmt = new Intl.NumberFormat("en-US");
const pct = (x) => `${(100 * x).toFixed(1)} %`;


export class ProgressView {
  constructor() {
    this.box = document.getElementById("progress");
    this.fill = document.getElementById("progress-fill");
    this.text = document.getElementById("progress-text");
    this.live = document.getElementById("progress-announce");
    this.spokenEpoch = null;
  }

  say(text) {
    if (this.live) this.live.textContent = text;
  }

  show(p) {
    const done = ((p.epoch - 1) + p.batch / p.n_batches) / p.epochs;
    this.box.dataset.state = "running";
    this.fill.style.width = `${(100 * done).toFixed(1)}%`;
    this.text.textContent =
      `Epoch ${p.epoch} of ${p.epochs} · mini-batch ${fmt.format(p.batch)} of ${fmt.format(p.n_batches)} · ` +
      `${fmt.format(Math.round(p.examples_per_s))} examples/s` + (p.backend ? ` · ${products(p)}` : "");
    const finished = p.epoch - 1 + (p.batch === p.n_batches ? 1 : 0);
    if (finished > 0 && finished !== this.spokenEpoch) {
      this.spokenEpoch = finished;
      this.say(`Epoch ${finished} of ${p.epochs} done.`);
    }
  }

  /** state: "running" | "stopping" | "stopped" | "done" | "failed" | "invalid". */
  message(state, text) {
    this.box.dataset.state = state;
    if (state === "done") this.fill.style.width = "100%";
    this.text.textContent = text;
    if (state !== "running") this.spokenEpoch = null;
    this.say(text);
  }

  summary(s, label) {
    const rate = `${fmt.format(Math.round(s.examples_per_s))} examples/s${s.backend ? ` with ${products(s)}` : ""}`;
    const acc = `test accuracy now ${pct(s.test_accuracy)}`;
    if (s.diverged) {
      this.message("failed", `The run stopped: ${s.diverged.message}. The curves up to there are kept; try a ` +
        `smaller η. (${label})`);
    } else if (s.stopped) {
      this.message("stopped", `Stopped after ${s.epochs_done} full epoch${s.epochs_done === 1 ? "" : "s"} ` +
        `(${fmt.format(s.examples)} examples). The partly trained network is kept: ${acc}. (${label}, ${rate})`);
    } else {
      this.message("done", `Done: ${s.epochs_done} epoch${s.epochs_done === 1 ? "" : "s"}, ${fmt.format(s.examples)} ` +
        `examples in ${s.seconds.toFixed(1)} s (${rate}); ${acc}. (${label})`);
    }
  }

  /** The Step button's answer: the batch's digits and its cost before and after the step. */
  showStep(r) {
    const box = document.getElementById("step-out");
    const text = document.createElement("p");
    text.dataset.step = String(r.step);
    text.dataset.before = String(r.cost_before);
    text.dataset.after = String(r.cost_after);
    text.textContent = `Step ${r.step}: epoch ${r.epoch}, mini-batch ${r.batch} of ${r.n_batches} (${r.labels.length} ` +
      `digits, below). Mean cost on this batch ${r.cost_before.toFixed(4)} → ${r.cost_after.toFixed(4)}.`;
    const digits = document.createElement("div");
    digits.className = "strip step-digits";
    const pixels = decodeBase64(r.pixels);
    digits.append(...r.labels.slice(0, 50).map((label, i) => digitFigure(pixels, i, {
      data: { index: r.indices[i] }, label: `training digit ${r.indices[i]}, a ${label}`, caption: String(label),
    })));
    box.replaceChildren(text, digits);
  }
}
