// The learning curves: one canvas panel per metric (cost, accuracy), per-epoch points of every run,
// training set solid and evaluation (test digits) dashed, with the legend and the Clear button.
// Crisp on high-DPI screens (render/canvas.js). No chart library; ~300 lines that a reader can follow.
//
// A redraw costs about the same however many runs and epochs are on the chart: each series is read
// once per new point (kept per run, appended to), and drawn decimated to at most four points per
// pixel column (first, lowest, highest, last: the line looks the same). A text summary of the latest
// values stands in for the canvases for screen readers.

import { setupHiDPI } from "../render/canvas.js";
import { saveFile } from "../save.js";

export const PALETTE = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#4b5563"];
// A paired run's A and B: one hue, dark and light, so the pair reads as one comparison.
export const PAIR_PALETTE = [["#1e3a8a", "#60a5fa"], ["#9a3412", "#fb923c"], ["#14532d", "#4ade80"], ["#581c87", "#c084fc"]];

const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const AXIS = "#6b7280";
const GRID = "#e5e7eb";
const TEXT = "#374151";

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

/**
 * A panel for one metric. `metric` is "cost" or "accuracy"; it reads run.points[i][`train_${metric}`]
 * and [`eval_${metric}`]. Accuracy is a fraction in the data and shown in percent.
 */
export class CurvePanel {
  constructor(canvas, { metric, title }) {
    this.canvas = canvas;
    this.metric = metric;
    this.title = title;
    this.runs = [];
    this.cache = new WeakMap(); // run -> {read, train, eval, lo, hi}: its series so far, and their y range
    this.size = null; // the canvas's CSS size, from the ResizeObserver (no layout forced per draw)
    new ResizeObserver(([entry]) => {
      this.size = { width: entry.contentRect.width, height: entry.contentRect.height };
      this.draw();
    }).observe(canvas);
  }

  setRuns(runs) {
    this.runs = runs;
    this.draw();
  }

  /** The run's train and eval series, [epoch, value] with accuracy in %; only new points are read. */
  series(run) {
    let c = this.cache.get(run);
    if (!c || c.read > run.points.length) this.cache.set(run, (c = { read: 0, train: [], eval: [], lo: Infinity, hi: -Infinity }));
    const scale = this.metric === "accuracy" ? 100 : 1;
    for (; c.read < run.points.length; c.read++) {
      const p = run.points[c.read];
      for (const part of ["train", "eval"]) {
        // the cost panel draws the data term (without ½(λ/n)Σw²), the same measure on both sets
        const v = p[`${part}_${this.metric}_data`] ?? p[`${part}_${this.metric}`];
        if (typeof v !== "number" || !Number.isFinite(v)) continue;
        c[part].push([p.epoch, v * scale]);
        c.lo = Math.min(c.lo, v * scale);
        c.hi = Math.max(c.hi, v * scale);
      }
    }
    return c;
  }

  /** The y range of every point on the panel, padded; accuracy is capped at 100 %. */
  yDomain(all) {
    if (!all.length) return this.metric === "accuracy" ? [0, 100] : [0, 1];
    let lo = Math.min(...all), hi = Math.max(...all);
    if (this.metric === "cost") lo = Math.min(0, lo);
    const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
    lo -= pad;
    hi += pad;
    if (this.metric === "accuracy") {
      lo = Math.max(0, lo);
      hi = Math.min(100, hi);
    } else {
      lo = Math.max(0, lo);
    }
    return [lo, hi];
  }

  draw() {
    const frame = setupHiDPI(this.canvas, this.size);
    if (!frame) return;
    const { ctx, width, height } = frame;
    ctx.font = FONT;

    const series = this.runs.map((r) => ({ run: r, ...this.series(r) }));
    const ys = series.filter((s) => s.lo <= s.hi).flatMap((s) => [s.lo, s.hi]); // every series' extremes
    const [y0, y1] = this.yDomain(ys);
    const xMax = Math.max(1, ...this.runs.map((r) => Math.max(r.epochs || 1, r.points.length)));
    const { ticks: yTicks, step: yStep } = niceTicks(y0, y1, height < 220 ? 4 : 5);
    const xTicks = niceTicks(0, xMax, Math.min(xMax, width < 400 ? 4 : 8)).ticks.filter((v) => Number.isInteger(v));

    // Plot area: room on the left for the y labels, at the bottom for the x labels.
    const yLabelWidth = Math.max(...yTicks.map((v) => ctx.measureText(formatTick(v, yStep)).width));
    const box = { left: Math.ceil(yLabelWidth) + 14, right: width - 14, top: 34, bottom: height - 40 };
    const sx = (x) => box.left + (x / xMax) * (box.right - box.left);
    const sy = (y) => box.bottom - ((y - y0) / (y1 - y0)) * (box.bottom - box.top);

    // Title
    ctx.fillStyle = TEXT;
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.font = `600 ${FONT}`;
    ctx.fillText(this.title, box.left, 18);
    ctx.font = FONT;

    // Grid and y ticks; +0.5 puts 1-px lines on pixel centres.
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const v of yTicks) {
      if (v < y0 - 1e-9 || v > y1 + 1e-9) continue;
      const y = Math.round(sy(v)) + 0.5;
      ctx.strokeStyle = GRID;
      ctx.beginPath();
      ctx.moveTo(box.left, y);
      ctx.lineTo(box.right, y);
      ctx.stroke();
      ctx.fillStyle = AXIS;
      ctx.fillText(formatTick(v, yStep), box.left - 6, y);
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
    ctx.textAlign = "center";
    ctx.fillText("epoch", (box.left + box.right) / 2, box.bottom + 22);
    // Axes
    ctx.strokeStyle = AXIS;
    ctx.beginPath();
    ctx.moveTo(box.left + 0.5, box.top);
    ctx.lineTo(box.left + 0.5, box.bottom + 0.5);
    ctx.lineTo(box.right, box.bottom + 0.5);
    ctx.stroke();

    if (!ys.length) {
      ctx.fillStyle = AXIS;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText("no runs yet: press Train", (box.left + box.right) / 2, (box.top + box.bottom) / 2);
      return;
    }

    // Curves, clipped to the plot area.
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top - 4, box.right - box.left + 4, box.bottom - box.top + 8);
    ctx.clip();
    const pixels = Math.max(1, Math.round(box.right - box.left));
    for (const s of series) {
      for (const [all, dash] of [[s.train, []], [s.eval, [6, 4]]]) {
        if (!all.length) continue;
        const points = decimate(all, xMax, pixels);
        ctx.strokeStyle = ctx.fillStyle = s.run.color;
        ctx.lineWidth = 2;
        ctx.setLineDash(dash);
        ctx.beginPath();
        points.forEach(([x, y], i) => (i ? ctx.lineTo(sx(x), sy(y)) : ctx.moveTo(sx(x), sy(y))));
        ctx.stroke();
        ctx.setLineDash([]);
        if (all.length <= 40) {
          for (const [x, y] of points) {
            ctx.beginPath();
            if (dash.length) { // hollow markers for evaluation, filled for training
              ctx.fillStyle = "#fff";
              ctx.arc(sx(x), sy(y), 3, 0, 2 * Math.PI);
              ctx.fill();
              ctx.stroke();
            } else {
              ctx.fillStyle = s.run.color;
              ctx.arc(sx(x), sy(y), 3, 0, 2 * Math.PI);
              ctx.fill();
            }
          }
        }
      }
    }
    ctx.restore();
  }
}

/**
 * The runs shown on the chart and the two panels drawing them. Runs stay until clear().
 * `data()` is a plain copy of what is drawn, exposed to tests as window.__chart.
 */
export class Curves {
  constructor(costCanvas, accuracyCanvas) {
    this.panels = [
      new CurvePanel(costCanvas, { metric: "cost", title: "Cost, data term without ½(λ/n)Σw² (lower is better)" }),
      new CurvePanel(accuracyCanvas, { metric: "accuracy", title: "Accuracy, % (higher is better)" }),
    ];
    this.runs = [];
    this.count = 0;
  }

  addRun(label, params, color) {
    this.count += 1;
    const run = {
      id: this.count, label: label(this.count), params, epochs: params.epochs,
      color: color ?? PALETTE[(this.count - 1) % PALETTE.length], points: [], status: "running",
    };
    this.runs.push(run);
    this.redraw();
    return run;
  }

  /** Runs kept from an earlier visit (store.js): drawn again, numbered on from the highest id. */
  restore(runs) {
    for (const r of runs) {
      this.runs.push({ ...r, status: r.status === "running" ? "interrupted" : r.status });
      this.count = Math.max(this.count, r.id);
    }
    this.redraw();
  }

  /** Forget every run, the live one too ("start fresh"). */
  reset() {
    this.runs = [];
    this.redraw();
  }

  addPoint(runId, point) {
    const run = this.runs.find((r) => r.id === runId);
    if (!run) return; // cleared while running
    run.points.push(point);
    this.redraw();
  }

  setStatus(runId, status) {
    const run = this.runs.find((r) => r.id === runId);
    if (run) run.status = status;
  }

  clear() {
    this.runs = this.runs.filter((r) => r.status === "running"); // a live run keeps drawing
    this.redraw();
  }

  /** Draw both panels at the next frame: many points arriving in one frame cost one drawing. */
  redraw() {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = null;
        const t0 = performance.now();
        for (const p of this.panels) p.setRuns(this.runs);
        this.panels[0].canvas.dataset.drawMs = (performance.now() - t0).toFixed(2); // both panels (the bench reads it)
      });
    }
    for (const p of this.panels) p.canvas.dataset.points = String(this.runs.reduce((n, r) => n + r.points.length, 0));
  }

  data() {
    return JSON.parse(JSON.stringify({ runs: this.runs }));
  }
}

const pct = (x) => `${(100 * x).toFixed(1)} %`;

/** The chart, its legend and its Clear button. */
export class CurvesView {
  /** onChange(runs): the runs or their points changed (other views that read runs follow). */
  constructor({ onChange = () => {} } = {}) {
    this.onChange = onChange;
    this.curves = new Curves(document.getElementById("chart-cost"), document.getElementById("chart-accuracy"));
    this.legend = document.getElementById("legend");
    this.clearButton = document.getElementById("clear-button");
    this.pngButton = document.getElementById("export-png");
    this.csvButton = document.getElementById("export-csv");
    this.pngButton.addEventListener("click", async () => saveFile(await this.png(), "backprop-curves.png"));
    this.csvButton.addEventListener("click", () => saveFile(new Blob([this.csv()], { type: "text/csv" }), "backprop-runs.csv"));
    this.summary = document.getElementById("chart-summary"); // the charts in words, for screen readers
    this.clearButton.addEventListener("click", () => {
      this.curves.clear();
      this.refresh();
      this.onChange(this.curves.runs);
    });
  }

  get runs() {
    return this.curves.runs;
  }

  addRun(label, params, color) {
    const run = this.curves.addRun(label, params, color);
    this.refresh();
    return run;
  }

  /** Two colours of one hue for a paired run, a new hue each pair. */
  pairColours() {
    this.pairs = (this.pairs ?? -1) + 1;
    return PAIR_PALETTE[this.pairs % PAIR_PALETTE.length];
  }

  /** Every point of every run as CSV: epoch, set, cost (data term and network2's total), accuracy, settings. */
  csv() {
    const settings = ["hidden", "cost", "eta", "lmbda", "batch_size", "train_size", "weight_init", "seed"];
    const quote = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const rows = [["run", "label", "epoch", "set", "cost", "cost_with_l2", "accuracy", ...settings.map((k) => `setting_${k}`)]];
    for (const r of this.curves.runs) {
      const set = settings.map((k) => (Array.isArray(r.params[k]) ? r.params[k].join("-") : r.params[k] ?? ""));
      for (const p of r.points) {
        for (const name of ["train", "eval"]) {
          const value = (v) => (v === null || v === undefined ? "" : v);
          rows.push([r.id, r.label, p.epoch, name === "eval" ? "test" : "train", value(p[`${name}_cost_data`]),
            value(p[`${name}_cost`]), value(p[`${name}_accuracy`]), ...set]);
        }
      }
    }
    return rows.map((row) => row.map(quote).join(",")).join("\n") + "\n";
  }

  /** Both panels and the legend in one PNG (a Blob). */
  png() {
    const [a, b] = this.curves.panels.map((p) => p.canvas);
    const dpr = window.devicePixelRatio || 1;
    const lineHeight = 18 * dpr;
    const out = document.createElement("canvas");
    out.width = a.width + b.width + 16 * dpr;
    out.height = Math.max(a.height, b.height) + (this.curves.runs.length + 1) * lineHeight;
    const ctx = out.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(a, 0, 0);
    ctx.drawImage(b, a.width + 16 * dpr, 0);
    ctx.font = `${12 * dpr}px system-ui, sans-serif`;
    this.curves.runs.forEach((r, i) => {
      const y = Math.max(a.height, b.height) + (i + 1) * lineHeight;
      ctx.fillStyle = r.color;
      ctx.fillRect(8 * dpr, y - 10 * dpr, 12 * dpr, 12 * dpr);
      ctx.fillStyle = "#111827";
      ctx.fillText(r.label, 26 * dpr, y);
    });
    return new Promise((resolve) => out.toBlob(resolve, "image/png"));
  }

  addPoint(runId, point) {
    this.curves.addPoint(runId, point);
    this.showLegend();
    this.onChange(this.curves.runs);
  }

  restore(runs) {
    this.curves.restore(runs);
    this.refresh();
  }

  reset() {
    this.curves.reset();
    this.refresh();
  }

  setStatus(runId, status) {
    this.curves.setStatus(runId, status);
    this.refresh();
  }

  refresh() {
    this.curves.redraw();
    this.showLegend();
    this.clearButton.disabled = this.pngButton.disabled = this.csvButton.disabled = this.curves.runs.length === 0;
    this.onChange(this.curves.runs);
  }

  showLegend() {
    const items = this.curves.runs.map((r) => {
      const li = document.createElement("li");
      li.dataset.runId = r.id;
      li.dataset.status = r.status;
      const last = r.points[r.points.length - 1];
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = r.color;
      const text = document.createElement("span");
      const tail = last && typeof last.eval_accuracy === "number" ? ` — test ${pct(last.eval_accuracy)}` : "";
      const status = { stopped: " (stopped)", failed: " (failed)", diverged: " (diverged)", interrupted: " (interrupted)",
        running: " …" }[r.status] ?? "";
      text.textContent = `${r.label}${tail}${status}`;
      li.append(swatch, text);
      return li;
    });
    this.legend.replaceChildren(...items);
    this.describe();
  }

  /** The latest values of every run, in words (the canvases' text alternative). */
  describe() {
    if (!this.summary) return;
    const num = (v, f) => (typeof v === "number" ? f(v) : "not measured");
    const lines = this.curves.runs.map((r) => {
      const last = r.points[r.points.length - 1];
      if (!last) return `${r.label}: no epoch finished yet.`;
      return `${r.label}: after epoch ${last.epoch}, training cost ${num(last.train_cost, (v) => v.toFixed(4))}, ` +
        `test cost ${num(last.eval_cost, (v) => v.toFixed(4))}, training accuracy ${num(last.train_accuracy, pct)}, ` +
        `test accuracy ${num(last.eval_accuracy, pct)}.`;
    });
    this.summary.textContent = lines.length ? `${lines.length} run${lines.length > 1 ? "s" : ""} on the charts. ${lines.join(" ")}`
      : "No runs on the charts yet.";
  }

  data() {
    return this.curves.data();
  }
}
