// The learning curves: one panel per metric (cost, accuracy), every run's per-epoch points, training
// digits solid and test digits dashed (render/line-chart.js draws them), with the legend, Clear, and
// the chart as PNG and the runs as CSV. A text summary of the latest values stands in for the canvases
// for screen readers. The runs themselves are runs.js's.
//
// A redraw costs about the same however many runs and epochs are on the chart: each series is read
// once per new point (kept per run, appended to) and drawn thinned to the pixel columns, at most once a
// frame at sizes kept from a ResizeObserver (render/frame.js).

import { CanvasSizes, frameScheduler } from "../render/frame.js";
import { drawLineChart } from "../render/line-chart.js";
import { Runs } from "../runs.js";
import { saveFile } from "../save.js";

/**
 * A panel for one metric, "cost" or "accuracy": it reads run.points[i][`train_${metric}`] and
 * [`eval_${metric}`] (the cost's data term where there is one). Accuracy is a fraction in the data and
 * shown in percent.
 */
class MetricPanel {
  constructor(canvas, { metric, title }) {
    this.canvas = canvas;
    this.metric = metric;
    this.title = title;
    this.cache = new WeakMap(); // run -> {read, train, eval, lo, hi}: its series so far, and their y range
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
    lo = Math.max(0, lo - pad);
    hi += pad;
    if (this.metric === "accuracy") hi = Math.min(100, hi);
    return [lo, hi];
  }

  draw(runs, size) {
    const cached = runs.map((r) => ({ run: r, ...this.series(r) }));
    const ys = cached.filter((s) => s.lo <= s.hi).flatMap((s) => [s.lo, s.hi]); // every series' extremes
    const xMax = Math.max(1, ...runs.map((r) => Math.max(r.epochs || 1, r.points.length)));
    const series = cached.flatMap((s) => [{ points: s.train, color: s.run.color, dashed: false },
      { points: s.eval, color: s.run.color, dashed: true }]);
    drawLineChart(this.canvas, size, { title: this.title, series, xMax, yDomain: this.yDomain(ys),
      empty: "no runs yet: press Train" });
  }
}

const pct = (x) => `${(100 * x).toFixed(1)} %`;

/** The chart, its legend and its Clear button. */
export class CurvesView {
  /** onChange(runs): the runs or their points changed (other views that read runs follow). */
  constructor({ onChange = () => {} } = {}) {
    this.onChange = onChange;
    this.list = new Runs();
    this.panels = [
      new MetricPanel(document.getElementById("chart-cost"), { metric: "cost", title: "Cost, data term without ½(λ/n)Σw² (lower is better)" }),
      new MetricPanel(document.getElementById("chart-accuracy"), { metric: "accuracy", title: "Accuracy, % (higher is better)" }),
    ];
    this.drawSoon = frameScheduler(() => this.draw());
    this.sizes = new CanvasSizes(this.drawSoon);
    for (const p of this.panels) this.sizes.observe(p.canvas);
    this.legend = document.getElementById("legend");
    this.clearButton = document.getElementById("clear-button");
    this.pngButton = document.getElementById("export-png");
    this.csvButton = document.getElementById("export-csv");
    this.pngButton.addEventListener("click", async () => saveFile(await this.png(), "backprop-curves.png"));
    this.csvButton.addEventListener("click", () => saveFile(new Blob([this.csv()], { type: "text/csv" }), "backprop-runs.csv"));
    this.summary = document.getElementById("chart-summary"); // the charts in words, for screen readers
    this.clearButton.addEventListener("click", () => {
      this.list.clear();
      this.refresh();
      this.onChange(this.list.runs);
    });
  }

  get runs() {
    return this.list.runs;
  }

  addRun(label, params, color) {
    const run = this.list.add(label, params, color);
    this.refresh();
    return run;
  }

  pairColours() {
    return this.list.pairColours();
  }

  /** Both panels, at the next frame: many points arriving in one frame cost one drawing. */
  redraw() {
    this.drawSoon();
    for (const p of this.panels) p.canvas.dataset.points = String(this.list.points());
  }

  draw() {
    const t0 = performance.now();
    for (const p of this.panels) p.draw(this.list.runs, this.sizes.get(p.canvas));
    this.panels[0].canvas.dataset.drawMs = (performance.now() - t0).toFixed(2); // both panels (the bench reads it)
  }

  /** Every point of every run as CSV: epoch, set, cost (data term and network2's total), accuracy, settings. */
  csv() {
    const settings = ["convolutions", "hidden", "cost", "eta", "lmbda", "batch_size", "train_size", "weight_init", "seed"];
    const quote = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const rows = [["run", "label", "epoch", "set", "cost", "cost_with_l2", "accuracy", ...settings.map((k) => `setting_${k}`)]];
    for (const r of this.list.runs) {
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
    const [a, b] = this.panels.map((p) => p.canvas);
    const dpr = window.devicePixelRatio || 1;
    const lineHeight = 18 * dpr;
    const out = document.createElement("canvas");
    out.width = a.width + b.width + 16 * dpr;
    out.height = Math.max(a.height, b.height) + (this.list.runs.length + 1) * lineHeight;
    const ctx = out.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(a, 0, 0);
    ctx.drawImage(b, a.width + 16 * dpr, 0);
    ctx.font = `${12 * dpr}px system-ui, sans-serif`;
    this.list.runs.forEach((r, i) => {
      const y = Math.max(a.height, b.height) + (i + 1) * lineHeight;
      ctx.fillStyle = r.color;
      ctx.fillRect(8 * dpr, y - 10 * dpr, 12 * dpr, 12 * dpr);
      ctx.fillStyle = "#111827";
      ctx.fillText(r.label, 26 * dpr, y);
    });
    return new Promise((resolve) => out.toBlob(resolve, "image/png"));
  }

  addPoint(runId, point) {
    if (this.list.addPoint(runId, point)) this.redraw();
    this.showLegend();
    this.onChange(this.list.runs);
  }

  restore(runs) {
    this.list.restore(runs);
    this.refresh();
  }

  reset() {
    this.list.reset();
    this.refresh();
  }

  setStatus(runId, status) {
    this.list.setStatus(runId, status);
    this.refresh();
  }

  refresh() {
    this.redraw();
    this.showLegend();
    this.clearButton.disabled = this.pngButton.disabled = this.csvButton.disabled = this.list.runs.length === 0;
    this.onChange(this.list.runs);
  }

  showLegend() {
    const items = this.list.runs.map((r) => {
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
    const lines = this.list.runs.map((r) => {
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
    return this.list.data();
  }
}
