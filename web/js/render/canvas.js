// High-DPI canvas set-up shared by every view that draws: the backing store in device pixels, drawing
// in CSS pixels through a scale transform, so lines and text stay crisp on phones and retina screens.

/** Size `canvas`'s backing store to its CSS box × devicePixelRatio; returns {ctx, width, height} in CSS
 * pixels, or null when the canvas is not laid out (hidden). */
export function setupHiDPI(canvas, size = null) {
  const dpr = window.devicePixelRatio || 1;
  // `size` ({width, height}, e.g. from a ResizeObserver) spares reading clientWidth, which forces a
  // layout of the whole page when anything changed since the last frame
  const { width, height } = size ?? { width: canvas.clientWidth, height: canvas.clientHeight };
  if (!width || !height) return null;
  const w = Math.round(width * dpr), h = Math.round(height * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

/** A canvas of exactly `width`×`height` pixels whose pixels come from `rgba(i) -> [r, g, b]` per
 * pixel, for images the CSS scales up (image-rendering: pixelated). */
export function pixelCanvas(width, height, rgb, canvas = document.createElement("canvas")) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = rgb(i);
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}
