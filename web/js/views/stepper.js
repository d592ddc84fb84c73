// BP1–BP4 on one real digit: for the current network, layer by layer, the forward pass (z, a) and the
// backward pass (σ′(z), δ by BP1 or BP2, ∂C/∂b by BP3, ∂C/∂w by BP4) as heat strips whose numbers show
// under the pointer. The cost can be switched to see BP1's σ′(z^L) factor appear (quadratic) and vanish
// (cross-entropy). Then one SGD step on this digit, tried on a copy: cost before → after, and the
// weights that moved most. The numbers come from backprop.explain.trace (Python); this only draws them.

import { decodeBase64, digitCanvas } from "../render/digits.js";
import { heatImage, heatStrip } from "../render/heat.js";

const SUB = "₀₁₂₃₄₅₆₇₈₉", SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const sub = (n) => String(n).split("").map((d) => SUB[+d]).join("");
const sup = (n) => String(n).split("").map((d) => SUP[+d]).join("");
const fmt = (v) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3));

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** An equation from a tiny markup — <b>, <sup>, <sub>, <span class="note"> and &nbsp; only — built
 * as DOM nodes with textContent: the page never has the browser parse markup at run time. */
function equation(markup) {
  const p = el("p", "equation");
  const stack = [p];
  for (const part of markup.replace(/&nbsp;/g, "\u00a0").split(/(<\/?(?:b|sup|sub|span)(?: class="note")?>)/)) {
    if (!part) continue;
    const open = part.match(/^<(b|sup|sub|span)(?: class="(note)")?>$/);
    if (open) {
      const node = el(open[1], open[2]);
      stack[stack.length - 1].append(node);
      stack.push(node);
    } else if (/^<\//.test(part)) {
      stack.pop();
    } else {
      stack[stack.length - 1].append(part);
    }
  }
  return p;
}

const EQ = {
  z: (l) => `z<sup>${l}</sup> = w<sup>${l}</sup> a<sup>${l - 1}</sup> + b<sup>${l}</sup>`,
  a: (l) => `a<sup>${l}</sup> = σ(z<sup>${l}</sup>)`,
  sp: (l) => `σ′(z<sup>${l}</sup>) = a<sup>${l}</sup>(1 − a<sup>${l}</sup>)`,
  bp1ce: "<b>BP1</b> δ<sup>L</sup> = a<sup>L</sup> − y &nbsp;<span class=\"note\">(cross-entropy: the σ′(z<sup>L</sup>) factor cancels)</span>",
  bp1quad: "<b>BP1</b> δ<sup>L</sup> = (a<sup>L</sup> − y) ⊙ σ′(z<sup>L</sup>) &nbsp;<span class=\"note\">(quadratic: a saturated output learns slowly)</span>",
  bp2: (l) => `<b>BP2</b> δ<sup>${l}</sup> = ((w<sup>${l + 1}</sup>)<sup>T</sup> δ<sup>${l + 1}</sup>) ⊙ σ′(z<sup>${l}</sup>)`,
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
    this.useDrawing = false;
    this.shown = false;
    this.nTest = 2000;
    document.getElementById("trace-button").addEventListener("click", () => {
      this.useDrawing = false;
      this.show();
    });
    document.getElementById("trace-drawing").addEventListener("click", () => {
      this.useDrawing = true;
      this.show();
    });
    this.cost.addEventListener("change", () => this.shown && this.show());
    this.label.addEventListener("change", () => this.shown && this.show());
    document.getElementById("trial-button").addEventListener("click", () => this.trial());
  }

  /** The digit chosen: {index (-1: the drawing), label (null: its own)}. */
  selection() {
    const index = this.useDrawing ? -1 : Math.max(0, Math.min(this.nTest - 1, Math.floor(+this.index.value || 0)));
    if (!this.useDrawing) this.index.value = String(index);
    return { index, label: this.label.value === "" ? null : +this.label.value };
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
      t = await this.trace({ ...this.selection(), cost: this.cost.value || null });
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
    for (const layer of t.layers) {
      const l = layer.l;
      const name = (sym) => (i) => `${sym}${sup(l)}${sub(i)}`;
      const block = el("div", "trace-layer");
      block.dataset.l = String(l);
      block.append(el("h4", "", `Layer ${l}${l === L ? " (output, L)" : ""}: ${layer.n} neurons`));
      block.append(equation(EQ.z(l)), this.strip("z", layer.z, { name: name("z"), label: `z${sup(l)}` }));
      block.append(equation(EQ.a(l)), this.strip("a", layer.a, { signed: false, scale: 1, name: name("a"), label: `a${sup(l)}` }));
      forward.append(block);
    }
    const backward = el("div", "trace-part");
    backward.append(el("h3", "", "Backward: the error δ, from the output down, and the gradient"));
    for (const layer of [...t.layers].reverse()) {
      const l = layer.l;
      const name = (sym) => (i) => `${sym}${sup(l)}${sub(i)}`;
      const block = el("div", "trace-layer");
      block.dataset.l = String(l);
      block.append(el("h4", "", `Layer ${l}${l === L ? " (output)" : ""}`));
      block.append(equation(EQ.sp(l)), this.strip("f_prime", layer.f_prime,
        { signed: false, scale: 0.25, name: name("σ′"), label: `σ′(z${sup(l)})` }));
      const bp = layer.equation === "BP1" ? (t.cost === "quadratic" ? EQ.bp1quad : EQ.bp1ce) : EQ.bp2(l);
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

  strip(kind, values, options) {
    const c = heatStrip(values, options);
    c.dataset.kind = kind;
    return c;
  }

  async trial() {
    const eta = +document.getElementById("trial-eta").value;
    let r;
    try {
      r = await this.trialStep({ ...this.selection(), eta });
    } catch (e) {
      this.trialOut.replaceChildren(el("p", "error", e.message));
      return;
    }
    const p = el("p", "trial-result",
      `One step with η = ${r.eta} on ${r.what} (target ${r.label}): cost ${fmt(r.cost_before)} → ${fmt(r.cost_after)}. ` +
      "The network shown is not changed: the step was tried on a copy.");
    p.dataset.before = String(r.cost_before);
    p.dataset.after = String(r.cost_after);
    const table = el("table", "moved");
    const head = el("tr");
    for (const h of ["weight", "before", "after", "change"]) head.append(el("th", "", h));
    table.append(head);
    for (const m of r.moved) {
      const tr = el("tr");
      tr.append(el("td", "", `w${sup(m.l)}${sub(m.j)},${sub(m.k)}`), el("td", "", fmt(m.before)),
        el("td", "", fmt(m.after)), el("td", "", fmt(m.change)));
      table.append(tr);
    }
    this.trialOut.replaceChildren(p, el("p", "hint", "The weights that moved most:"), table);
  }
}
