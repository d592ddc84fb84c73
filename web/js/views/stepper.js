// BP1–BP4 on one real digit: for the current network, layer by layer, the forward pass (z, a) and the
// backward pass (f′(z) — σ′, 1 − tanh² or ReLU's step —, δ by BP1 or BP2, ∂C/∂b by BP3, ∂C/∂w by BP4) as
// heat strips whose numbers show under the pointer. The cost can be switched to see BP1's f′(z^L) factor
// appear (quadratic) and vanish (cross-entropy; softmax with the log-likelihood has none). With a dropout
// rate, the pass is a training step's: the dropped units are marked and pass no error back. Then one SGD
// step on this digit, tried on a copy with the same masks: cost before → after, and the weights that
// moved most. The numbers come from backprop.explain.trace (Python); this only draws them.

import { decodeBase64, digitCanvas } from "../render/digits.js";
import { convBackward, convForward } from "../render/conv-trace.js";
import { el, equation, sub, sup } from "../render/equation.js";
import { heatImage, heatStrip } from "../render/heat.js";

const fmt = (v) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3));

// Each activation's name in the equations, its f′ as the trace computes it, and the scale of its f′ strip.
const ACT = {
  sigmoid: { f: "σ", fp: "σ′", fpOf: (l) => `a<sup>${l}</sup>(1 − a<sup>${l}</sup>)`, scale: 0.25 },
  tanh: { f: "tanh", fp: "tanh′", fpOf: (l) => `1 − (a<sup>${l}</sup>)<sup>2</sup>`, scale: 1 },
  relu: { f: "relu", fp: "relu′", fpOf: (l) => `1 if z<sup>${l}</sup> &gt; 0, else 0 &nbsp;<span class="note">(the step: a unit that did not fire passes no error back)</span>`, scale: 1 },
  identity: { f: "", fp: "f′", fpOf: () => "1", scale: 1 },
  softmax: { f: "softmax", fp: null, scale: 1 },
};
const act = (name) => ACT[name] ?? ACT.sigmoid;

const EQ = {
  z: (l) => `z<sup>${l}</sup> = w<sup>${l}</sup> a<sup>${l - 1}</sup> + b<sup>${l}</sup>`,
  a: (l, name) => name === "softmax"
    ? `a<sup>${l}</sup><sub>j</sub> = e<sup>z<sub>j</sub></sup> / Σ<sub>k</sub> e<sup>z<sub>k</sub></sup> &nbsp;<span class="note">(softmax: the outputs sum to 1)</span>`
    : `a<sup>${l}</sup> = ${act(name).f}(z<sup>${l}</sup>)`,
  sp: (l, name) => `${act(name).fp}(z<sup>${l}</sup>) = ${act(name).fpOf(l)}`,
  bp1ce: "<b>BP1</b> δ<sup>L</sup> = a<sup>L</sup> − y &nbsp;<span class=\"note\">(cross-entropy: the σ′(z<sup>L</sup>) factor cancels)</span>",
  bp1ll: "<b>BP1</b> δ<sup>L</sup> = a<sup>L</sup> − y &nbsp;<span class=\"note\">(softmax with the log-likelihood C = −ln a<sub>y</sub>: softmax's Jacobian cancels ∂C/∂a = −y/a, so there is no f′ factor)</span>",
  bp1quad: (name) => `<b>BP1</b> δ<sup>L</sup> = (a<sup>L</sup> − y) ⊙ ${act(name).fp}(z<sup>L</sup>) &nbsp;<span class="note">(quadratic: a saturated output learns slowly)</span>`,
  bp2: (l, name, masked) => `<b>BP2</b> δ<sup>${l}</sup> = ((w<sup>${l + 1}</sup>)<sup>T</sup> δ<sup>${l + 1}</sup>)` +
    `${masked ? " ⊙ mask<sup>" + l + "</sup>" : ""} ⊙ ${act(name).fp}(z<sup>${l}</sup>)`,
  bp3: (l) => `<b>BP3</b> ∂C/∂b<sup>${l}</sup><sub>j</sub> = δ<sup>${l}</sup><sub>j</sub>`,
  bp4: (l) => `<b>BP4</b> ∂C/∂w<sup>${l}</sup><sub>jk</sub> = a<sup>${l - 1}</sup><sub>k</sub> δ<sup>${l}</sup><sub>j</sub>`,
};

export class StepperView {
  /** trace(args), trialStep(args) return the worker's answers; `selection()` the digit chosen. */
  constructor({ trace, trialStep }) {
    this.trace = trace;
    this.trialStep = trialStep;
    this.out = document.getElementById("trace-out");
    this.trialOut = document.getElementById("trial-out");
    this.index = document.getElementById("trace-index");
    this.label = document.getElementById("trace-label");
    this.cost = document.getElementById("trace-cost");
    this.dropout = document.getElementById("trace-dropout");
    this.seed = 0; // dropout's masks: a new draw with each Show, the same for the trial step that follows
    this.useDrawing = false;
    this.shown = false;
    this.nTest = 2000;
    document.getElementById("trace-button").addEventListener("click", () => {
      this.useDrawing = false;
      this.seed += 1;
      this.show();
    });
    document.getElementById("trace-drawing").addEventListener("click", () => {
      this.useDrawing = true;
      this.show();
    });
    this.cost.addEventListener("change", () => this.shown && this.show());
    this.dropout.addEventListener("change", () => this.shown && this.show());
    this.label.addEventListener("change", () => this.shown && this.show());
    document.getElementById("trial-button").addEventListener("click", () => this.trial());
  }

  /** The digit chosen: {index (-1: the drawing), label (null: its own)}. */
  selection() {
    const index = this.useDrawing ? -1 : Math.max(0, Math.min(this.nTest - 1, Math.floor(+this.index.value || 0)));
    if (!this.useDrawing) this.index.value = String(index);
    return { index, label: this.label.value === "" ? null : +this.label.value };
  }

  /** Dropout's rate for a training step shown (0: none) and the seed of its masks. */
  masks() {
    const p = Number(this.dropout.value);
    return { dropout: Number.isFinite(p) && p > 0 && p <= 0.9 ? p : 0, seed: this.seed };
  }

  setEnabled(enabled) {
    for (const id of ["trace-button", "trace-drawing", "trial-button"]) document.getElementById(id).disabled = !enabled;
  }

  /** Show again for the current network (it changed), if anything is shown. */
  refresh() {
    if (this.shown) this.show();
  }

  async show() {
    let t;
    try {
      t = await this.trace({ ...this.selection(), cost: this.cost.value || null, ...this.masks() });
    } catch (e) {
      this.out.replaceChildren(el("p", "error", e.message));
      return;
    }
    this.shown = true;
    this.out.replaceChildren(this.render(t));
    this.out.dataset.cost = t.cost;
    this.out.dataset.label = String(t.label);
    this.out.dataset.index = String(t.index);
    this.out.dataset.which = t.which;
    this.out.dataset.dropout = String(t.dropout);
  }

  render(t) {
    const L = t.layers[t.layers.length - 1].l;
    const box = el("div", "trace");
    const head = el("div", "trace-head");
    const digit = digitCanvas(decodeBase64(t.input));
    digit.className = "trace-digit";
    digit.setAttribute("role", "img");
    digit.setAttribute("aria-label", `${t.what}, the input a¹`);
    const summary = el("p", "trace-summary",
      `${t.what}, target y = ${t.label}; the network guesses ${t.guess}. Cost C = ${fmt(t.C)} (${t.cost}` +
      `${t.cost !== t.network_cost ? ", not the network's own: only to compare" : ""}).`);
    head.append(digit, summary);
    box.append(head);

    const forward = el("div", "trace-part");
    forward.append(el("h3", "", "Forward: z and a, layer by layer"));
    for (const [i, layer] of t.layers.entries()) {
      if (layer.kind && layer.kind !== "dense") { // chapter 6's layers: maps, not strips
        forward.append(convForward(layer, { act, below: t.layers[i - 1] }));
        continue;
      }
      const l = layer.l;
      const name = (sym) => (i) => `${sym}${sup(l)}${sub(i)}`;
      const block = el("div", "trace-layer");
      block.dataset.l = String(l);
      block.dataset.activation = layer.activation;
      block.append(el("h4", "", `Layer ${l}${l === L ? " (output, L)" : ""}: ${layer.n} ${layer.activation} neurons`));
      block.append(equation(EQ.z(l)), this.strip("z", layer.z, { name: name("z"), label: `z${sup(l)}` }));
      const positive = layer.activation !== "tanh" && layer.activation !== "identity";
      const aMax = Math.max(1, ...layer.a.map(Math.abs));
      block.append(equation(EQ.a(l, layer.activation)),
        this.strip("a", layer.a, { signed: !positive, scale: aMax, name: name("a"), label: `a${sup(l)}` }));
      if (layer.dropped) block.append(this.droppedNote(l, layer.dropped, layer.n, t.dropout));
      forward.append(block);
    }
    const backward = el("div", "trace-part");
    backward.append(el("h3", "", "Backward: the error δ, from the output down, and the gradient"));
    for (const [i, layer] of [...t.layers.entries()].reverse()) {
      if (layer.kind && layer.kind !== "dense") {
        backward.append(convBackward(layer, t.layers[i + 1]?.kind ?? "dense", { act }));
        continue;
      }
      const l = layer.l;
      const name = (sym) => (i) => `${sym}${sup(l)}${sub(i)}`;
      const block = el("div", "trace-layer");
      block.dataset.l = String(l);
      block.dataset.activation = layer.activation;
      block.append(el("h4", "", `Layer ${l}${l === L ? " (output)" : ""}`));
      const a = act(layer.activation);
      if (layer.f_prime) {
        block.append(equation(EQ.sp(l, layer.activation)), this.strip("f_prime", layer.f_prime,
          { signed: false, scale: a.scale, name: name(a.fp), label: `${a.fp}(z${sup(l)})` }));
      }
      const bp = layer.equation !== "BP1" ? EQ.bp2(l, layer.activation, Boolean(layer.dropped))
        : t.cost === "quadratic" ? EQ.bp1quad(layer.activation) : t.cost === "log-likelihood" ? EQ.bp1ll : EQ.bp1ce;
      block.append(equation(bp), this.strip("delta", layer.delta, { name: name("δ"), label: `δ${sup(l)}` }));
      block.append(equation(EQ.bp3(l)), this.strip("nabla_b", layer.nabla_b, { name: name("∂C/∂b"), label: `∂C/∂b${sup(l)}` }));
      const [rows, cols] = layer.nabla_w_shape;
      const w = new Float32Array(decodeBase64(layer.nabla_w).buffer);
      const img = heatImage(w, rows, cols, { name: (j, k) => `∂C/∂w${sup(l)}${sub(j)},${sub(k)}`, label: `∂C/∂w${sup(l)}` });
      img.dataset.kind = "nabla_w";
      img.style.aspectRatio = `${cols} / ${Math.max(rows, cols / 40)}`;
      block.append(equation(EQ.bp4(l)), img);
      backward.append(block);
    }
    box.append(forward, backward);
    return box;
  }

  /** Which units this training step dropped, and what the mask does. */
  droppedNote(l, dropped, n, p) {
    const shown = dropped.length > 12 ? `${dropped.slice(0, 12).join(", ")}, …` : dropped.join(", ");
    const note = el("p", "dropped", `Dropout p = ${p}: this step drops ${dropped.length} of ${n} units (${shown}): ` +
      `their a${sup(l)} is 0 and their δ${sup(l)} is 0 in BP2; the others are multiplied by 1/(1 − p) = ` +
      `${+(1 / (1 - p)).toFixed(3)}, so that prediction, which drops nothing, needs no change.`);
    note.dataset.dropped = JSON.stringify(dropped);
    return note;
  }

  strip(kind, values, options) {
    const c = heatStrip(values, options);
    c.dataset.kind = kind;
    return c;
  }

  async trial() {
    const eta = +document.getElementById("trial-eta").value;
    let r;
    try {
      r = await this.trialStep({ ...this.selection(), eta, ...this.masks() });
    } catch (e) {
      this.trialOut.replaceChildren(el("p", "error", e.message));
      return;
    }
    const p = el("p", "trial-result",
      `One step with η = ${r.eta} on ${r.what} (target ${r.label}): cost ${fmt(r.cost_before)} → ${fmt(r.cost_after)}. ` +
      "The network shown is not changed: the step was tried on a copy." +
      (r.dropped ? ` Dropout p = ${r.dropout}, with the masks shown above: the incoming weights of the ` +
        `${r.dropped.map((d) => d.length).join(" + ")} dropped units do not move. The cost is measured as ` +
        "prediction does, with every unit." : ""));
    p.dataset.before = String(r.cost_before);
    p.dataset.after = String(r.cost_after);
    const table = el("table", "moved");
    const head = el("tr");
    for (const h of ["weight", "before", "after", "change"]) head.append(el("th", "", h));
    table.append(head);
    for (const m of r.moved) {
      const tr = el("tr");
      tr.append(el("td", "", `w${sup(m.l)}${(m.index ?? [m.j, m.k]).map(sub).join(",")}`), el("td", "", fmt(m.before)),
        el("td", "", fmt(m.after)), el("td", "", fmt(m.change)));
      table.append(tr);
    }
    this.trialOut.replaceChildren(p, el("p", "hint", "The weights that moved most:"), table);
  }
}
