// Hidden units: each first-layer unit's 784 incoming weights as a 28×28 tile on a diverging colour
// map symmetric around 0 (red pushes the unit on, blue off), one scale for the whole layer, shown on
// a colour bar. A tile (click or Enter) opens large, with the test digits that excite that unit most.
// Later layers are matrices: one row per unit, one column per input.

import { pixelCanvas } from "../render/canvas.js";
import { colourBar, divergingQ } from "../render/colormap.js";
import { decodeBase64, digitFigure } from "../render/digits.js";

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
    const tiles = [...this.grid.children];
    if (tiles.length !== first.n_out) { // a different network: new tiles; else repaint in place
      this.grid.replaceChildren(...Array.from({ length: first.n_out }, (_, j) => {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "tile";
        b.dataset.unit = String(j);
        b.setAttribute("aria-label", `${data.layers.length > 1 ? "hidden unit" : "output"} ${j}: show it large`);
        b.append(document.createElement("canvas"));
        return b;
      }));
    }
    [...this.grid.children].forEach((b, j) => {
      const canvas = b.firstChild;
      if (isPicture) pixelCanvas(28, 28, (i) => divergingQ(q[j * 784 + i], first.levels), canvas);
      b.classList.toggle("selected", j === this.selected);
    });
    this.grid.dataset.units = String(first.n_out);
    this.grid.dataset.which = data.which;
    this.scale.replaceChildren(colourBar(first.scale, 3));
    const kind = data.layers.length > 1 ? "units of the first hidden layer" : "output neurons (this network has no hidden layer)";
    this.caption.textContent = `${first.n_out} ${kind}, each drawn from ` +
      `its 784 incoming weights on one colour scale for the layer, ±${first.scale.toFixed(3)} (99.5 % of the ` +
      `weights; the few beyond, up to |w| = ${first.max.toFixed(3)}, take the end colours).` +
      (data.running ? " Updated after every epoch while it trains." : "");
    this.showLater(data.layers.slice(1));
    if (this.selected !== null && this.selected < first.n_out) this.open(this.selected);
    else this.closeDetail();
  }

  showLater(layers) {
    this.later.replaceChildren(...layers.map((layer) => {
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
    const big = pixelCanvas(28, 28, (i) => divergingQ(q[unit * 784 + i], first.levels));
    big.className = "tile-large";
    big.setAttribute("role", "img");
    big.setAttribute("aria-label", `the weights of unit ${unit}, large`);
    const head = document.createElement("h3");
    head.textContent = `Unit ${unit}`;
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
    text.textContent = `Red pixels push unit ${unit} on, blue ones off. The ${answer.labels.length} test digits that ` +
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
