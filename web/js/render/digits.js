// Digit images: the worker sends pixels as base64 of uint8 rows (784 bytes a digit); these decode
// them and draw 28×28 canvases, dark ink on white as on paper.

import { pixelCanvas } from "./canvas.js";

export function decodeBase64(b64, Type = Uint8Array) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Type(bytes.buffer);
}

/** One 28×28 digit from `pixels` (uint8, 255 = ink) starting at `offset`; CSS scales it up. */
export function digitCanvas(pixels, offset = 0, canvas) {
  return pixelCanvas(28, 28, (i) => {
    const v = 255 - pixels[offset + i];
    return [v, v, v];
  }, canvas);
}

/**
 * A <figure> of digit `i` of `pixels` (uint8 rows of 784): its canvas, read out as `label`, then any
 * `extra` nodes (a digit's output bars, say) and a caption (text or nodes); `data` goes to dataset.
 */
export function digitFigure(pixels, i, { label, caption = "", className = "digit", data = {}, extra = [] }) {
  const fig = document.createElement("figure");
  fig.className = className;
  for (const [key, value] of Object.entries(data)) fig.dataset[key] = String(value);
  const canvas = digitCanvas(pixels, i * 784);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  const cap = document.createElement("figcaption");
  if (typeof caption === "string") cap.textContent = caption;
  else cap.append(...caption);
  fig.append(canvas, ...extra, cap);
  return fig;
}
