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
