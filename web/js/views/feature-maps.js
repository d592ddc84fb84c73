// Feature maps (chapter 6): what a convolutional network sees in one digit — a test digit by index, or
// the last drawing — each convolution's output (its activation, one map per kernel) and each pooling's,
// as small images per channel on one colour scale per layer; the number of the pixel under the pointer
// (or under the arrow keys' cursor) shows in a tooltip. The numbers come from
// backprop.explain.feature_maps (Python); this only draws them. A network without convolutions: a note.

import { colourOf } from "../render/heat.js";
import { decodeBase64, digitCanvas } from "../render/digits.js";
import { fmt, valueImage } from "../render/values.js";

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const ACTIVATION = { relu: "ReLU", sigmoid: "σ", tanh: "tanh", identity: "no activation" };
const NOT_CONV = "Feature maps belong to convolutional networks: choose the shipped convolutional network in " +
  "“Network shown” (section 2), or load a model file with convolutions, to see what its kernels pick out of a digit.";

export class FeatureMapsView {
  /** featureMaps({index}) returns the worker's answer for the network shown (index -1: the drawing). */
  constructor({ featureMaps }) {
    this.featureMaps = featureMaps;
    this.out = document.getElementById("fmaps-out");
    this.note = document.getElementById("fmaps-note");
    this.index = document.getElementById("fmaps-index");
    this.useDrawing = false;
    this.conv = false;
    this.nTest = 2000;
    this.asked = 0; // answers to an older request are dropped
    document.getElementById("fmaps-button").addEventListener("click", () => {
      this.useDrawing = false;
      this.show();
    });
    document.getElementById("fmaps-drawing").addEventListener("click", () => {
      this.useDrawing = true;
      this.show();
    });
    this.index.addEventListener("change", () => {
      this.useDrawing = false;
      if (this.conv) this.show();
    });
  }

  setEnabled(enabled) {
    for (const id of ["fmaps-button", "fmaps-drawing"]) document.getElementById(id).disabled = !enabled;
  }

  /** The digit chosen: a test digit's index, or -1 for the drawing. */
  selection() {
    if (this.useDrawing) return -1;
    const index = Math.max(0, Math.min(this.nTest - 1, Math.floor(+this.index.value || 0)));
    this.index.value = String(index);
    return index;
  }

  /** The network shown changed (`facts`: evaluate's answer): its maps for the digit chosen, or the note. */
  refresh(facts) {
    this.conv = (facts.layers ?? []).some((l) => l.kind === "conv2d");
    if (this.conv) this.show();
    else this.say(NOT_CONV, "not-conv");
  }

  say(text, state) {
    this.asked += 1;
    this.note.textContent = text;
    this.note.hidden = !text;
    this.out.replaceChildren();
    this.out.dataset.state = state;
  }

  async show() {
    const asked = ++this.asked;
    let r;
    try {
      r = await this.featureMaps({ index: this.selection() });
    } catch (e) {
      if (asked === this.asked) this.say(e.message, "error");
      return;
    }
    if (asked !== this.asked) return;
    if (!r.applies) {
      this.say(NOT_CONV, "not-conv");
      return;
    }
    this.note.hidden = true;
    this.out.replaceChildren(this.head(r), ...r.stages.map((s, i) => this.stage(s, r.stages[i - 1])));
    Object.assign(this.out.dataset, { state: "shown", which: r.which, index: String(r.index), stages: String(r.stages.length) });
  }

  head(r) {
    const head = el("div", "fmaps-head");
    const digit = digitCanvas(decodeBase64(r.input));
    digit.className = "fmaps-digit";
    digit.setAttribute("role", "img");
    digit.setAttribute("aria-label", `${r.what}, the input`);
    const label = r.label === null ? "" : ` (a ${r.label})`;
    const what = r.what[0].toUpperCase() + r.what.slice(1);
    head.append(digit, el("p", "fmaps-summary", `${what}${label}: the network reads a ${r.guess}. ` +
      "Each small image is one channel; dark is a large value. Point at a pixel (or focus an image and use " +
      "the arrow keys) to read its number."));
    return head;
  }

  /** One layer's maps; `before` is the stage before it (a pooling's window size is their ratio). */
  stage(s, before) {
    const [c, h, w] = s.shape;
    const size = before ? before.shape[1] / h : 2;
    const values = new Float32Array(decodeBase64(s.values).buffer);
    const signed = s.min < 0;
    const scale = Math.max(Math.abs(s.min), Math.abs(s.max));
    const box = el("div", "fmaps-stage");
    Object.assign(box.dataset, { l: String(s.l), kind: s.kind, shape: JSON.stringify(s.shape) });
    const what = s.kind === "conv2d"
      ? `Layer ${s.l}: convolution, ${c} feature maps of ${h}×${w} after ${ACTIVATION[s.activation] ?? s.activation}`
      : `Layer ${s.l}: max-pooling, each map's ${size}×${size} windows down to their largest value, ${c} maps of ${h}×${w}`;
    const range = signed ? `blue negative, red positive, ±${fmt(scale)}` : `white 0 to dark ${fmt(scale)}`;
    box.append(el("h4", "", what), el("p", "hint", `One colour scale for the layer: ${range}.`));
    const row = el("div", "fmaps-row");
    for (let ch = 0; ch < c; ch++) {
      const fig = el("figure", "fmap");
      const img = valueImage(values.subarray(ch * h * w, (ch + 1) * h * w), h, w, {
        colour: (v) => colourOf(v, scale, signed),
        name: (i, j) => `layer ${s.l}, map ${ch}, row ${i}, column ${j}`,
        label: `layer ${s.l}, feature map ${ch}: ${h}×${w}; arrow keys read its values`,
      });
      img.dataset.channel = String(ch);
      fig.append(img, el("figcaption", "", `map ${ch}`));
      row.append(fig);
    }
    box.append(row);
    return box;
  }
}
