// Value images: a grid of numbers (a conv kernel, a feature map) as a pixel canvas the CSS scales up, the
// number of the cell under the pointer shown in a tooltip — or, when the image (or the button holding it)
// has the keyboard's focus, the number of a cursor cell the arrow keys move — and the numbers kept on the
// canvas (data-values) so that what is drawn can be checked.

import { pixelCanvas } from "./canvas.js";

let tip = null;
function tooltip() {
  if (!tip) {
    tip = document.createElement("div");
    tip.className = "heat-tip value-tip";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    document.body.append(tip);
  }
  return tip;
}

/** The tooltip showing `text` beside page point (x, y); null hides it. Heat strips and images use it too. */
export function place(text, x, y) {
  const t = tooltip();
  if (text === null) {
    t.hidden = true;
    return;
  }
  t.textContent = text;
  t.hidden = false;
  // beside the pointer, but never past the window's right edge (a phone is narrow)
  const right = window.scrollX + document.documentElement.clientWidth - t.offsetWidth - 4;
  t.style.left = `${Math.max(window.scrollX + 4, Math.min(x + 12, right))}px`;
  t.style.top = `${y + 12}px`;
}

/**
 * Show `text(row, col)` (a string, or null for a cell that is not a number: a gap between tiles) for
 * the cell of `canvas` under the pointer, and for a cursor cell while `focusTarget` has the focus (the
 * arrow keys move it). The canvas's width × height are its cells.
 */
export function showValues(canvas, text, focusTarget = canvas) {
  canvas.addEventListener("pointermove", (e) => {
    const r = canvas.getBoundingClientRect();
    const col = Math.min(canvas.width - 1, Math.floor(((e.clientX - r.left) / r.width) * canvas.width));
    const row = Math.min(canvas.height - 1, Math.floor(((e.clientY - r.top) / r.height) * canvas.height));
    place(text(row, col), e.pageX, e.pageY);
  });
  canvas.addEventListener("pointerleave", () => place(null));
  let cursor = [0, 0];
  const atCursor = () => {
    const r = canvas.getBoundingClientRect();
    const [row, col] = cursor;
    place(text(row, col), r.left + window.scrollX + ((col + 0.5) / canvas.width) * r.width,
      r.top + window.scrollY + ((row + 0.5) / canvas.height) * r.height);
  };
  const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  focusTarget.addEventListener("focus", atCursor);
  focusTarget.addEventListener("blur", () => place(null));
  focusTarget.addEventListener("keydown", (e) => {
    const move = MOVES[e.key];
    if (!move) return;
    e.preventDefault();
    cursor = [Math.max(0, Math.min(canvas.height - 1, cursor[0] + move[0])),
      Math.max(0, Math.min(canvas.width - 1, cursor[1] + move[1]))];
    atCursor();
  });
}

/**
 * A rows × cols image of `values` (row-major), coloured by `colour(v)` -> [r, g, b], its numbers on
 * data-values, read out as `label`; `name(row, col)` names a cell for the tooltip. Focusable, so that
 * the keyboard reads the numbers too.
 */
export function valueImage(values, rows, cols, { colour, name, label, className = "value-image" }) {
  const c = pixelCanvas(cols, rows, (i) => colour(values[i]));
  c.className = className;
  c.dataset.values = JSON.stringify(Array.from(values));
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", label);
  c.tabIndex = 0;
  showValues(c, (row, col) => `${name(row, col)} = ${fmt(values[row * cols + col])}`);
  return c;
}

/** A weight or an activation for the tooltip: 4 significant digits, small ones in exponent form. */
export const fmt = (v) => (v === 0 ? "0" : Math.abs(v) >= 1e-3 ? v.toPrecision(4) : v.toExponential(2));

/**
 * The c_in kernels of output channel `o` of a conv layer side by side, one blank column between tiles:
 * a canvas of c_in·(k + 1) − 1 × k cells. `values` are the layer's weights (c_out, c_in, k, k) flat,
 * `colourOf(i)` the colour of weight i of that array; `name(c, p, q)` names a cell for the tooltip.
 */
export function kernelRow(values, [, cIn, k], o, colourOf, name, canvas = document.createElement("canvas")) {
  const width = cIn * (k + 1) - 1;
  const base = o * cIn * k * k;
  const at = (row, col) => (col % (k + 1) === k ? -1 : base + Math.floor(col / (k + 1)) * k * k + row * k + (col % (k + 1)));
  pixelCanvas(width, k, (i) => {
    const w = at(Math.floor(i / width), i % width);
    return w < 0 ? [255, 255, 255] : colourOf(w);
  }, canvas);
  canvas.dataset.values = JSON.stringify(Array.from(values.subarray(base, base + cIn * k * k)));
  canvas.dataset.shape = JSON.stringify([cIn, k, k]);
  canvas.style.aspectRatio = `${width} / ${k}`;
  canvas.textOf = (row, col) => {
    const w = at(row, col);
    return w < 0 ? null : `${name(Math.floor(col / (k + 1)), row, col % (k + 1))} = ${fmt(values[w])}`;
  };
  return canvas;
}
