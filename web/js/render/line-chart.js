// A line chart on a canvas, crisp on high-DPI screens (canvas.js): a title, y ticks with a grid, integer
// x ticks labelled "epoch", and series drawn solid or dashed, each thinned to at most four points per
// pixel column (decimate: the line covers the same pixels), with markers while a series is short.
// Nothing here knows what is plotted: the views hand in series.

import { setupHiDPI } from "./canvas.js";

const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const AXIS = "#6b7280";
const GRID = "#e5e7eb";
const TEXT = "#374151";
const MARKERS_UP_TO = 40; // points per series that still get a marker each

/**
 * [x, y] points (x increasing) reduced to at most four per pixel column of a plot `pixels` wide over
 * x in [0, xMax]: the column's first, lowest, highest and last point, in x order. A line through
 * them covers the same pixels as the line through all of them.
 */
export function decimate(points, xMax, pixels) {
  if (points.length <= 4 * pixels) return points;
  const out = [];
  let column = -1, first, lo, hi, last;
  const flush = () => {
    const keep = [first, lo, hi, last].filter((p, i, a) => a.indexOf(p) === i).sort((a, b) => a[0] - b[0]);
    out.push(...keep);
  };
  for (const p of points) {
    const c = Math.floor((p[0] / xMax) * pixels);
    if (c !== column) {
      if (column >= 0) flush();
      column = c;
      first = lo = hi = last = p;
    } else {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
      last = p;
    }
  }
  if (column >= 0) flush();
  return out;
}

/**
 * A band's series ([epoch, {f_prime: [p10, p25, p50, p75, p90]}], epochs increasing) reduced to
 * two points per pixel column of a plot `pixels` wide over epochs 1..xMax when it has more than that:
 * the column's first and last epoch, each with the column's lowest p10/p25 and highest p75/p90, so the
 * filled bands cover every pixel the full series would. Short series are returned as they are.
 */
export function envelope(series, xMax, pixels) {
  if (series.length <= 2 * pixels) return series;
  const out = [];
  let column = -1, first, last, lo, hi;
  const flush = () => {
    const f_prime = [lo[0], lo[1], NaN, hi[0], hi[1]];
    out.push([first, { f_prime }]);
    if (last !== first) out.push([last, { f_prime }]);
  };
  for (const [x, s] of series) {
    const c = Math.floor(((x - 1) / Math.max(1, xMax - 1)) * pixels);
    const p = s.f_prime;
    if (c !== column) {
      if (column >= 0) flush();
      column = c;
      first = last = x;
      lo = [p[0], p[1]];
      hi = [p[3], p[4]];
    } else {
      last = x;
      lo = [Math.min(lo[0], p[0]), Math.min(lo[1], p[1])];
      hi = [Math.max(hi[0], p[3]), Math.max(hi[1], p[4])];
    }
  }
  flush();
  return out;
}


/** Round numbers for ticks between lo and hi, about `count` of them. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toFixed(10));
  return { ticks, step };
}

function formatTick(v, step) {
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(digits, 4));
}

/** Powers of ten from lo to hi (both > 0), for a log scale's ticks: {ticks, step} as niceTicks gives. */
export function logTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo) + 1e-9); e <= Math.ceil(Math.log10(hi) - 1e-9); e++) ticks.push(10 ** e);
  return { ticks, step: ticks[0] };
}

/**
 * Draw on `canvas` (at `size`, its CSS size, when known): `series` [{points: [[x, y]], color, dashed}]
 * over x in [0, xMax] and y in `yDomain` [y0, y1], under `title`; `empty` is the text shown without
 * any points. `log`: y on a log scale (y0 > 0), ticks at powers of ten.
 */
export function drawLineChart(canvas, size, { title, series, xMax, yDomain, empty, log = false }) {
  const frame = setupHiDPI(canvas, size);
  if (!frame) return;
  const { ctx, width, height } = frame;
  ctx.font = FONT;
  const [y0, y1] = log ? yDomain.map(Math.log10) : yDomain;
  const { ticks: yTicks, step: yStep } = log ? logTicks(yDomain[0], yDomain[1]) : niceTicks(y0, y1, height < 220 ? 4 : 5);
  const tickText = log ? (v) => (v >= 0.001 && v < 1e4 ? String(+v.toPrecision(1)) : v.toExponential(0)) : (v) => formatTick(v, yStep);
  const ty = log ? (y) => Math.log10(y) : (y) => y;
  const xTicks = niceTicks(0, xMax, Math.min(xMax, width < 400 ? 4 : 8)).ticks.filter((v) => Number.isInteger(v));

  // Plot area: room on the left for the y labels, at the bottom for the x labels.
  const yLabelWidth = Math.max(...yTicks.map((v) => ctx.measureText(tickText(v)).width));
  const box = { left: Math.ceil(yLabelWidth) + 14, right: width - 14, top: 34, bottom: height - 40 };
  const sx = (x) => box.left + (x / xMax) * (box.right - box.left);
  const sy = (y) => box.bottom - ((ty(y) - y0) / (y1 - y0)) * (box.bottom - box.top);

  ctx.fillStyle = TEXT;
  ctx.textAlign = "left";
  ctx.textBaseline = "alphabetic";
  ctx.font = `600 ${FONT}`;
  ctx.fillText(title, box.left, 18);
  ctx.font = FONT;

  // Grid and y ticks; +0.5 puts 1-px lines on pixel centres.
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of yTicks) {
    if (ty(v) < y0 - 1e-9 || ty(v) > y1 + 1e-9) continue;
    const y = Math.round(sy(v)) + 0.5;
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(box.left, y);
    ctx.lineTo(box.right, y);
    ctx.stroke();
    ctx.fillStyle = AXIS;
    ctx.fillText(tickText(v), box.left - 6, y);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of xTicks) {
    const x = Math.round(sx(v)) + 0.5;
    ctx.strokeStyle = AXIS;
    ctx.beginPath();
    ctx.moveTo(x, box.bottom);
    ctx.lineTo(x, box.bottom + 4);
    ctx.stroke();
    ctx.fillStyle = AXIS;
    ctx.fillText(String(v), x, box.bottom + 6);
  }
  ctx.fillText("epoch", (box.left + box.right) / 2, box.bottom + 22);
  ctx.strokeStyle = AXIS;
  ctx.beginPath();
  ctx.moveTo(box.left + 0.5, box.top);
  ctx.lineTo(box.left + 0.5, box.bottom + 0.5);
  ctx.lineTo(box.right, box.bottom + 0.5);
  ctx.stroke();

  if (!series.some((s) => s.points.length)) {
    ctx.fillStyle = AXIS;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(empty, (box.left + box.right) / 2, (box.top + box.bottom) / 2);
    return;
  }

  // Curves, clipped to the plot area.
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left, box.top - 4, box.right - box.left + 4, box.bottom - box.top + 8);
  ctx.clip();
  const pixels = Math.max(1, Math.round(box.right - box.left));
  for (const { points: all, color, dashed } of series) {
    if (!all.length) continue;
    const points = decimate(all, xMax, pixels);
    ctx.strokeStyle = ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(dashed ? [6, 4] : []);
    ctx.beginPath();
    points.forEach(([x, y], i) => (i ? ctx.lineTo(sx(x), sy(y)) : ctx.moveTo(sx(x), sy(y))));
    ctx.stroke();
    ctx.setLineDash([]);
    if (all.length > MARKERS_UP_TO) continue;
    for (const [x, y] of points) {
      ctx.beginPath();
      ctx.fillStyle = dashed ? "#fff" : color; // hollow markers for dashed series, filled for solid
      ctx.arc(sx(x), sy(y), 3, 0, 2 * Math.PI);
      ctx.fill();
      if (dashed) ctx.stroke();
    }
  }
  ctx.restore();
}
