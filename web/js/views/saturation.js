// Saturation, epoch by epoch: why the quadratic cost learns slowly. For a run on the chart, each
// layer's f′(z) over a probe of 500 training digits — its median and the 10–90 % and 25–75 % bands
// (σ′ ≤ 0.25, tanh′ ≤ 1; near 0 the neuron is saturated and BP1/BP2 pass almost no error through it;
// a ReLU's f′ is 0 or 1, its band the share of units firing) — and each layer's mean |δ| on a log scale.
// A softmax output has no f′ of its own. The numbers come with each epoch (backprop.explain.saturation).
//
// Drawn at most once per frame, at canvas sizes kept from ResizeObservers (reading a canvas's size
// after the page changed forces a layout), and thinned to the pixel columns a long run covers, so an
// epoch of a 1,000-epoch run costs a few milliseconds, not a hundred.

import { setupHiDPI } from "../render/canvas.js";
import { CanvasSizes, frameScheduler } from "../render/frame.js";
import { decimate, envelope } from "../render/line-chart.js";
import { fillRunSelect } from "../render/run-select.js";

const LAYER_COLOURS = ["#2563eb", "#d97706", "#059669", "#7c3aed", "#dc2626"];
const FP_NAME = { sigmoid: "σ′", tanh: "tanh′", relu: "relu′", identity: "f′" };
const AXIS = "#6b7280";

export class SaturationView {
  constructor() {
    this.select = document.getElementById("saturation-run");
    this.bands = document.getElementById("saturation-bands");
    this.deltas = document.getElementById("saturation-delta");
    this.note = document.getElementById("saturation-note");
    this.runs = [];
    this.drawSoon = frameScheduler(() => this.draw()); // one drawing a frame, however many epochs arrived
    this.sizes = new CanvasSizes(this.drawSoon);
    this.sizes.observe(this.deltas);
    this.select.addEventListener("change", () => this.draw());
  }

  /** The chart's runs changed (a point, a new run, a clear). */
  update(runs) {
    this.runs = runs.filter((r) => r.points.some((p) => p.saturation));
    this.followed = fillRunSelect(this.select, this.runs, this.followed);
    this.drawSoon();
  }

  draw() {
    const run = this.runs.find((r) => String(r.id) === this.select.value);
    const points = run ? run.points.filter((p) => p.saturation) : [];
    this.bands.dataset.points = String(points.length);
    if (!points.length) {
      this.bands.replaceChildren();
      this.note.textContent = "Train a run (with the monitors on) to see how saturated each layer gets.";
      const frame = setupHiDPI(this.deltas, this.sizes.get(this.deltas));
      if (frame) frame.ctx.clearRect(0, 0, frame.width, frame.height);
      return;
    }
    const layers = points[0].saturation.map((s) => s.l);
    if (this.bands.children.length !== layers.length) {
      this.bands.replaceChildren(...layers.map((l) => {
        const fig = document.createElement("figure");
        const c = document.createElement("canvas");
        c.className = "sat-chart";
        c.setAttribute("role", "img");
        this.sizes.observe(c);
        const cap = document.createElement("figcaption");
        fig.append(c, cap);
        return fig;
      }));
    }
    layers.forEach((l, i) => {
      const fig = this.bands.children[i];
      const series = points.map((p) => [p.epoch, p.saturation[i]]);
      const last = series[series.length - 1][1];
      const name = FP_NAME[last.activation] ?? "f′";
      const epoch = series[series.length - 1][0];
      fig.dataset.activation = last.activation ?? "sigmoid";
      fig.firstChild.hidden = !last.f_prime; // nothing to draw for softmax: only its caption stays
      if (!last.f_prime) { // softmax: its δ^L = a − y needs no f′
        const frame = setupHiDPI(fig.firstChild, this.sizes.get(fig.firstChild));
        if (frame) frame.ctx.clearRect(0, 0, frame.width, frame.height);
        fig.lastChild.textContent = `Layer ${l} (softmax output): no f′ of its own — with the log-likelihood ` +
          "cost, δ^L = a − y, so it never saturates the way a sigmoid output does.";
      } else {
        const colour = LAYER_COLOURS[i % LAYER_COLOURS.length];
        if (last.activation === "relu") this.drawFiring(fig.firstChild, series, colour);
        else this.drawBand(fig.firstChild, series, colour, last.activation === "sigmoid" ? 0.25 : 1);
        fig.lastChild.textContent = last.activation === "relu"
          ? `Layer ${l} (ReLU, f′ = 0 or 1): ${(100 * (1 - last.saturated)).toFixed(0)} % of its units fire on a ` +
            `digit, on average, after epoch ${epoch}; the others pass no error back for that digit`
          : `Layer ${l}: median ${name}(z) ${last.f_prime[2].toFixed(3)}, ` +
            `${(100 * last.saturated).toFixed(0)} % saturated (${name} < 0.01) after epoch ${epoch}`;
      }
      fig.firstChild.setAttribute("aria-label", fig.lastChild.textContent);
      fig.firstChild.dataset.values = JSON.stringify(series.map(([, s]) => s.f_prime));
    });
    this.drawDeltas(points, layers);
    this.note.textContent = `${run.label}: f′(z) of every neuron over 500 training digits, per epoch. ` +
      "Where the band hugs 0, the neurons are saturated and learn slowly (in the output layer only under the " +
      "quadratic cost: cross-entropy's and the log-likelihood's BP1 have no f′(z^L) factor); a ReLU unit that " +
      "fires never saturates, one that does not passes nothing back.";
  }

  frame(canvas, xMax, y0, y1, log) {
    const f = setupHiDPI(canvas, this.sizes.get(canvas));
    if (!f) return null;
    const box = { left: 44, right: f.width - 8, top: 8, bottom: f.height - 22 };
    const sx = (x) => box.left + ((x - 1) / Math.max(1, xMax - 1)) * (box.right - box.left);
    const ty = (y) => (log ? Math.log10(y) : y);
    const sy = (y) => box.bottom - ((ty(y) - ty(y0)) / (ty(y1) - ty(y0))) * (box.bottom - box.top);
    const ctx = f.ctx;
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = AXIS;
    ctx.strokeStyle = "#e5e7eb";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const ticks = log ? [y0, Math.sqrt(y0 * y1), y1] : [y0, (y0 + y1) / 2, y1];
    for (const v of ticks) {
      ctx.beginPath();
      ctx.moveTo(box.left, sy(v));
      ctx.lineTo(box.right, sy(v));
      ctx.stroke();
      ctx.fillText(log ? v.toExponential(0) : v.toFixed(3), box.left - 4, sy(v));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText(`epoch 1–${xMax}`, (box.left + box.right) / 2, box.bottom + 6);
    return { ctx, sx, sy, pixels: Math.max(1, Math.round(box.right - box.left)) };
  }

  drawBand(canvas, series, colour, top) { // series: [epoch, {f_prime: [p10, p25, p50, p75, p90]}]
    const xMax = series[series.length - 1][0];
    const f = this.frame(canvas, xMax, 0, top, false);
    if (!f) return;
    const { ctx, sx, sy, pixels } = f;
    const median = decimate(series.map(([x, s]) => [x, s.f_prime[2]]), xMax, pixels);
    series = envelope(series, xMax, pixels);
    const area = (lo, hi, alpha) => {
      ctx.globalAlpha = alpha;
      ctx.fillStyle = colour;
      ctx.beginPath();
      series.forEach(([x, s], i) => (i ? ctx.lineTo(sx(x), sy(s.f_prime[hi])) : ctx.moveTo(sx(x), sy(s.f_prime[hi]))));
      for (const [x, s] of [...series].reverse()) ctx.lineTo(sx(x), sy(s.f_prime[lo]));
      ctx.closePath();
      if (series.length === 1) ctx.fillRect(sx(1) - 3, sy(series[0][1].f_prime[hi]), 6,
        sy(series[0][1].f_prime[lo]) - sy(series[0][1].f_prime[hi]));
      else ctx.fill();
      ctx.globalAlpha = 1;
    };
    area(0, 4, 0.18);
    area(1, 3, 0.35);
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    median.forEach(([x, y], i) => (i ? ctx.lineTo(sx(x), sy(y)) : ctx.moveTo(sx(x), sy(y))));
    ctx.stroke();
  }

  /** A ReLU layer: the share of its units that fire on a digit (f′ = 1), epoch by epoch. */
  drawFiring(canvas, series, colour) {
    const xMax = series[series.length - 1][0];
    const f = this.frame(canvas, xMax, 0, 1, false);
    if (!f) return;
    const { ctx, sx, sy, pixels } = f;
    const line = decimate(series.map(([x, s]) => [x, 1 - s.saturated]), xMax, pixels);
    ctx.strokeStyle = ctx.fillStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    line.forEach(([x, y], i) => (i ? ctx.lineTo(sx(x), sy(y)) : ctx.moveTo(sx(x), sy(y))));
    ctx.stroke();
    if (line.length === 1) ctx.fillRect(sx(line[0][0]) - 3, sy(line[0][1]) - 3, 6, 6);
  }

  drawDeltas(points, layers) {
    const values = points.flatMap((p) => p.saturation.map((s) => s.mean_abs_delta)).filter((v) => v > 0);
    if (!values.length) return;
    const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
    const xMax = points[points.length - 1].epoch;
    const f = this.frame(this.deltas, xMax, lo, hi === lo ? lo * 10 : hi, true);
    if (!f) return;
    const { ctx, sx, sy, pixels } = f;
    layers.forEach((l, i) => {
      ctx.strokeStyle = ctx.fillStyle = LAYER_COLOURS[i % LAYER_COLOURS.length];
      ctx.lineWidth = 2;
      ctx.beginPath();
      // thinned on the log scale the line is drawn on
      const line = decimate(points.map((p) => [p.epoch, Math.log10(Math.max(lo, p.saturation[i].mean_abs_delta))]), xMax, pixels);
      line.forEach(([epoch, logDelta], k) => {
        const [x, y] = [sx(epoch), sy(10 ** logDelta)];
        if (k) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
      });
      ctx.stroke();
      ctx.textAlign = "left";
      ctx.fillText(`layer ${l}`, sx(xMax) - 40, sy(Math.max(lo, points[points.length - 1].saturation[i].mean_abs_delta)) - 10);
    });
    this.deltas.dataset.values = JSON.stringify(points.map((p) => p.saturation.map((s) => s.mean_abs_delta)));
  }
}
