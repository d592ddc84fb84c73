// Hidden units: each first-layer unit's 784 incoming weights as a 28×28 tile on a diverging colour
// map symmetric around 0 (red pushes the unit on, blue off), one scale for the whole layer, shown on
// a colour bar. A tile (click or Enter) opens large, with the test digits that excite that unit most.
// Later layers are matrices: one row per unit, one column per input. In a convolutional network the
// first layer's units are its kernels (k×k tiles, one per feature map, a unit's digits those on which its
// map fires most) and a later convolution's kernels are rows of c_in tiles, one row per feature map; the
// number of a cell shows under the pointer, or under the arrow keys' cursor when a tile has the focus.

import { pixelCanvas } from "../render/canvas.js";
import { colourBar, divergingQ } from "../render/colormap.js";
import { decodeBase64, digitFigure } from "../render/digits.js";
import { kernelRow, showValues } from "../render/values.js";

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const sup = (n) => String(n).split("").map((d) => SUPERSCRIPT[+d]).join("");

export class HiddenUnitsView {
  /** unitDetail(unit) returns the worker's answer: the digits exciting that unit most. */
  constructor({ unitDetail }) {
    this.unitDetail = unitDetail;
    this.grid = document.getElementById("hidden-grid");
    this.scale = document.getElementById("hidden-scale");
    this.caption = document.getElementById("hidden-caption");
    this.detail = document.getElementById("unit-detail");
    this.later = document.getElementById("hidden-later");
    this.data = null;
    this.selected = null;
    this.grid.addEventListener("click", (e) => {
      const tile = e.target.closest(".tile");
      if (tile) this.open(+tile.dataset.unit);
    });
  }

  show(data) {
    this.data = data;
    const first = data.layers[0];
    const q = new Int8Array(decodeBase64(first.q).buffer);
    const isPicture = first.n_in === 784;
    const conv = first.kind === "conv2d";
    const tiles = [...this.grid.children];
    if (tiles.length !== first.n_out || this.grid.dataset.kind !== first.kind) { // a different network: new tiles
      const what = conv ? "kernel" : data.layers.length > 1 ? "hidden unit" : "output";
      this.grid.replaceChildren(...Array.from({ length: first.n_out }, (_, j) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "tile";
        b.dataset.unit = String(j);
        b.setAttribute("aria-label", `${what} ${j}: show it large${conv ? "; arrow keys read its weights" : ""}`);
        const canvas = document.createElement("canvas");
        if (conv) showValues(canvas, (row, col) => canvas.textOf?.(row, col) ?? null, b);
        b.append(canvas);
        return b;
      }));
    }
    const values = conv ? new Float32Array(decodeBase64(first.values).buffer) : null;
    [...this.grid.children].forEach((b, j) => {
      const canvas = b.firstChild;
      if (conv) kernelRow(values, first.shape, j, (i) => divergingQ(q[i], first.levels), this.weightName(first, j), canvas);
      else if (isPicture) pixelCanvas(28, 28, (i) => divergingQ(q[j * 784 + i], first.levels), canvas);
      b.classList.toggle("selected", j === this.selected);
    });
    this.grid.dataset.units = String(first.n_out);
    this.grid.dataset.kind = first.kind ?? "dense";
    this.grid.dataset.which = data.which;
    this.grid.classList.toggle("kernels", conv);
    this.scale.replaceChildren(colourBar(first.scale, 3));
    const kind = data.layers.length > 1 ? "units of the first hidden layer" : "output neurons (this network has no hidden layer)";
    const scale = `on one colour scale for the layer, ±${first.scale.toFixed(3)} (99.5 % of the weights; the few ` +
      `beyond, up to |w| = ${first.max.toFixed(3)}, take the end colours).`;
    const k = conv ? first.shape[3] : 0;
    this.caption.textContent = (conv
      ? `${first.n_out} kernels of the first convolution, each ${k}×${k} weights slid over the whole image to ` +
        `make one feature map (a unit here), ${scale} Point at a weight to read it; click a kernel for the ` +
        "digits on which its feature map fires most."
      : `${first.n_out} ${kind}, each drawn from its 784 incoming weights ${scale}`) +
      (data.running ? " Updated after every epoch while it trains." : "");
    this.showLater(data.layers.slice(1));
    if (this.selected !== null && this.selected < first.n_out) this.open(this.selected);
    else this.closeDetail();
  }

  /** The tooltip's name of weight (c, p, q) of kernel o: w²₀[c, p, q] reads "w² kernel 0, input 0, row p, column q". */
  weightName(layer, o) {
    return (c, p, q) => `w${sup(layer.layer)} kernel ${o}${layer.shape[1] > 1 ? `, input map ${c}` : ""}, row ${p}, column ${q}`;
  }

  /** A later convolution's kernels: one row of c_in tiles per feature map, numbers under the pointer. */
  kernelFigure(layer) {
    const q = new Int8Array(decodeBase64(layer.q).buffer);
    const values = new Float32Array(decodeBase64(layer.values).buffer);
    const fig = document.createElement("figure");
    fig.className = "kernel-rows";
    fig.dataset.layer = String(layer.layer);
    const rows = document.createElement("div");
    rows.className = "kernel-rows-grid";
    for (let o = 0; o < layer.n_out; o++) {
      const c = kernelRow(values, layer.shape, o, (i) => divergingQ(q[i], layer.levels), this.weightName(layer, o));
      c.dataset.row = String(o);
      c.tabIndex = 0;
      c.setAttribute("role", "img");
      c.setAttribute("aria-label", `kernel ${o} of layer ${layer.layer}: ${layer.shape[1]} tiles; arrow keys read its weights`);
      c.style.width = `${Math.min(100, layer.shape[1] * 8)}%`;
      showValues(c, (row, col) => c.textOf(row, col));
      rows.append(c);
    }
    const [cOut, cIn, k] = layer.shape;
    const cap = document.createElement("figcaption");
    cap.textContent = `Kernels w${sup(layer.layer)}, layer ${layer.layer - 1} → ${layer.layer}: ${cOut} feature maps ` +
      `(rows) × ${cIn} input maps (tiles of ${k}×${k}); colour scale ±${layer.scale.toFixed(3)}, largest |w| = ` +
      `${layer.max.toFixed(3)}`;
    fig.append(rows, cap);
    return fig;
  }

  showLater(layers) {
    this.later.replaceChildren(...layers.map((layer) => {
      if (layer.kind === "conv2d") return this.kernelFigure(layer);
      const q = new Int8Array(decodeBase64(layer.q).buffer);
      const fig = document.createElement("figure");
      fig.className = "matrix";
      const c = pixelCanvas(layer.n_in, layer.n_out, (i) => divergingQ(q[i], layer.levels));
      c.setAttribute("role", "img");
      c.setAttribute("aria-label", `the weights into layer ${layer.layer}: ${layer.n_out} rows by ${layer.n_in} columns`);
      c.style.aspectRatio = `${layer.n_in} / ${layer.n_out}`;
      const cap = document.createElement("figcaption");
      cap.textContent = `Weights w${sup(layer.layer)}, layer ${layer.layer - 1} → ${layer.layer}: ${layer.n_out} units (rows) × ${layer.n_in} ` +
        `inputs (columns); colour scale ±${layer.scale.toFixed(3)}, largest |w| = ${layer.max.toFixed(3)}`;
      fig.append(c, cap);
      return fig;
    }));
  }

  closeDetail() {
    this.detail.hidden = true;
    this.detail.replaceChildren();
  }

  async open(unit) {
    this.selected = unit;
    for (const b of this.grid.children) b.classList.toggle("selected", +b.dataset.unit === unit);
    let answer;
    try {
      answer = await this.unitDetail(unit);
    } catch (e) {
      this.detail.hidden = false;
      this.detail.textContent = e.message;
      return;
    }
    if (this.selected !== unit) return;
    const first = this.data.layers[0];
    const q = new Int8Array(decodeBase64(first.q).buffer);
    const conv = answer.kind === "feature-map";
    const big = conv
      ? kernelRow(new Float32Array(decodeBase64(first.values).buffer), first.shape, unit,
        (i) => divergingQ(q[i], first.levels), this.weightName(first, unit))
      : pixelCanvas(28, 28, (i) => divergingQ(q[unit * 784 + i], first.levels));
    big.className = "tile-large";
    big.setAttribute("role", "img");
    big.setAttribute("aria-label", `the weights of ${conv ? "kernel" : "unit"} ${unit}, large`);
    if (conv) {
      big.tabIndex = 0;
      showValues(big, (row, col) => big.textOf(row, col));
    }
    const head = document.createElement("h3");
    head.textContent = `${conv ? "Feature map" : "Unit"} ${unit}`;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "secondary small";
    close.textContent = "Close";
    close.addEventListener("click", () => {
      this.selected = null;
      for (const b of this.grid.children) b.classList.remove("selected");
      this.closeDetail();
    });
    const text = document.createElement("p");
    text.className = "hint";
    text.textContent = conv
      ? `Kernel ${unit} slides over the image: where the ink matches its red weights and avoids its blue ones, ` +
        `feature map ${unit} is high. The ${answer.labels.length} test digits on which it fires most, with the ` +
        "map's largest activation on each:"
      : `Red pixels push unit ${unit} on, blue ones off. The ${answer.labels.length} test digits that ` +
        "excite it most, with its activation σ(z) on each:";
    const pixels = decodeBase64(answer.pixels);
    const digits = document.createElement("div");
    digits.className = "strip exciting";
    digits.dataset.unit = String(unit);
    digits.append(...answer.labels.map((label, i) => digitFigure(pixels, i, {
      data: { index: answer.indices[i] }, label: `test digit ${answer.indices[i]}, a ${label}`,
      caption: (answer.activations[i] ?? NaN).toFixed(2),
    })));
    const side = document.createElement("div");
    side.append(head, text, digits, close);
    this.detail.replaceChildren(big, side);
    this.detail.hidden = false;
  }
}
