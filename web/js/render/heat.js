// Heat strips and heat images: a vector or a matrix of numbers as coloured cells, with the number of
// the cell under the pointer shown in a shared tooltip, and the numbers themselves kept on the element
// (data-values) so that what is drawn can be checked.

import { pixelCanvas } from "./canvas.js";
import { diverging, sequential } from "./colormap.js";
import { place } from "./values.js";

/** The number of the cell under the pointer, in the page's one value tooltip (values.js's). */
function hover(canvas, text) {
  canvas.addEventListener("pointermove", (e) => {
    const r = canvas.getBoundingClientRect();
    const col = Math.floor(((e.clientX - r.left) / r.width) * canvas.width);
    const row = Math.floor(((e.clientY - r.top) / r.height) * canvas.height);
    place(text(row, col), e.pageX, e.pageY); // null: a gap between tiles says nothing
  });
  canvas.addEventListener("pointerleave", () => place(null));
}

/** The colour of value v: "signed" values on the diverging map, ±scale; else sequential on [0, scale]. */
export function colourOf(v, scale, signed) {
  if (!Number.isFinite(v)) return [0, 0, 0];
  if (scale <= 0) return signed ? diverging(0) : sequential(0);
  return signed ? diverging(v / scale) : sequential(v / scale);
}

/**
 * A strip of cells for `values`; `name(i)` names cell i for the tooltip (e.g. "δ³₇").
 * `scale` defaults to max |v| (signed) or max v.
 */
export function heatStrip(values, { signed = true, scale, name = (i) => `[${i}]`, label = "" } = {}) {
  const s = scale ?? Math.max(0, ...values.map((v) => (signed ? Math.abs(v) : v)).filter(Number.isFinite));
  const c = pixelCanvas(values.length, 1, (i) => colourOf(values[i], s, signed));
  c.className = "heat-strip";
  c.dataset.values = JSON.stringify(values);
  c.setAttribute("role", "img");
  const finite = values.filter(Number.isFinite);
  c.setAttribute("aria-label", `${label}: ${values.length} values from ${Math.min(...finite).toPrecision(3)} ` +
    `to ${Math.max(...finite).toPrecision(3)}`);
  hover(c, (_, col) => `${name(col)} = ${values[col]}`);
  return c;
}

/** A matrix (rows × cols, row-major Float32Array or array) as an image; `name(j, k)` for the tooltip,
 * or `describe(j, k)` for its whole text (a tiled image names its cells itself, and its gaps nothing). */
export function heatImage(values, rows, cols, { scale, name = (j, k) => `[${j}, ${k}]`, label = "", describe, gap } = {}) {
  let s = scale;
  if (s === undefined) {
    s = 0;
    for (const v of values) if (Math.abs(v) > s) s = Math.abs(v);
  }
  // `gap`: the colour of NaN cells, the 1-cell lines between a tiled image's tiles
  const c = pixelCanvas(cols, rows, (i) => (gap && Number.isNaN(values[i]) ? gap : colourOf(values[i], s, true)));
  c.className = "heat-image";
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", `${label}: ${rows} × ${cols} values, largest magnitude ${s.toPrecision(3)}`);
  hover(c, describe ?? ((j, k) => `${name(j, k)} = ${values[j * cols + k]}`));
  return c;
}
