// Chapter 5, why deep networks learn slowly: for a run on the chart, the speed at which each hidden layer
// learns — ‖∂C/∂b^l‖, the length of the layer's bias gradient averaged over the first 1,000 training
// digits — at the start (epoch 0) and after every epoch, one line per hidden layer on a log scale. In a
// deep sigmoid network the early layers start ten or a hundred times slower than the late ones: BP2
// multiplies δ by σ′(z) ≤ ¼ at every layer it crosses. For ReLU layers, the share of units that never
// fire on those digits ("dead": they pass no gradient back at all). The numbers come with each epoch
// (backprop.explain.speed); the book's figures at initialisation come from Python too (info.book_speeds).

import { CanvasSizes, frameScheduler } from "../render/frame.js";
import { drawLineChart } from "../render/line-chart.js";
import { fillRunSelect } from "../render/run-select.js";

const LAYER_COLOURS = ["#2563eb", "#d97706", "#059669", "#7c3aed", "#dc2626"];
const fmt = (v) => (v >= 0.01 ? v.toFixed(3) : v.toExponential(1));

export class SpeedView {
  constructor() {
    this.select = document.getElementById("speed-run");
    this.canvas = document.getElementById("speed-chart");
    this.layers = document.getElementById("speed-layers");
    this.note = document.getElementById("speed-note");
    this.runs = [];
    this.book = {}; // "784-30-30-10" -> the book's speeds at initialisation
    this.drawSoon = frameScheduler(() => this.draw());
    this.sizes = new CanvasSizes(this.drawSoon);
    this.sizes.observe(this.canvas);
    this.select.addEventListener("change", () => this.draw());
  }

  /** The book's figures at initialisation, by layer sizes (Python's explain.speed.BOOK_INITIAL). */
  setBook(book) {
    this.book = book ?? {};
    this.drawSoon();
  }

  /** The chart's runs changed: the runs with a hidden layer's speed measured. */
  update(runs) {
    this.runs = runs.filter((r) => r.points.some((p) => p.speed?.length));
    this.followed = fillRunSelect(this.select, this.runs, this.followed);
    this.drawSoon();
  }

  /** One [epoch, speed] series per hidden layer: the start (epoch 0) and each epoch's measure. */
  static series(points) {
    const measured = points.filter((p) => p.speed?.length);
    if (!measured.length) return [];
    const start = measured.find((p) => p.speed_start)?.speed_start;
    return measured[0].speed.map((_, i) => [
      ...(start ? [[0, start[i]]] : []),
      ...measured.map((p) => [p.epoch, p.speed[i]]),
    ]);
  }

  draw() {
    const run = this.runs.find((r) => String(r.id) === this.select.value);
    const lines = run ? SpeedView.series(run.points) : [];
    const values = lines.flat().map(([, v]) => v).filter((v) => v > 0);
    const xMax = Math.max(1, ...lines.flat().map(([x]) => x));
    const lo = values.length ? 10 ** Math.floor(Math.log10(Math.min(...values))) : 1e-3;
    const hi = values.length ? 10 ** Math.ceil(Math.log10(Math.max(...values))) : 1;
    drawLineChart(this.canvas, this.sizes.get(this.canvas), {
      title: "‖∂C/∂b^l‖ of each hidden layer (log scale)",
      series: lines.map((points, i) => ({ points: points.map(([x, v]) => [x, Math.max(lo, v)]), color: LAYER_COLOURS[i % LAYER_COLOURS.length] })),
      xMax, yDomain: [lo, hi === lo ? lo * 10 : hi], log: true,
      empty: "Train a run with hidden layers to see how fast each one learns",
    });
    this.canvas.dataset.lines = String(lines.length);
    this.canvas.dataset.values = JSON.stringify(lines);
    if (!run || !lines.length) {
      this.layers.replaceChildren();
      this.note.textContent = "Train a network with two or more hidden layers (the chapter 5 presets do) to see the early layers learn slowest.";
      return;
    }
    const last = run.points.filter((p) => p.speed?.length).at(-1);
    const sizes = [784, ...run.params.hidden, 10].join("-");
    const p = run.params;
    const books = (p.activation ?? "sigmoid") === "sigmoid" && p.weight_init === "default" && p.cost === "cross-entropy";
    const book = books ? this.book[sizes] : null; // the book's figures are for its own network only
    this.layers.replaceChildren(...lines.map((points, i) => {
      const li = document.createElement("li");
      li.style.setProperty("--layer", LAYER_COLOURS[i % LAYER_COLOURS.length]);
      li.dataset.layer = String(i + 2);
      const dead = last.dead?.[i];
      li.textContent = `layer ${i + 2}: ${fmt(points[0][1])} at ${points[0][0] === 0 ? "the start" : `epoch ${points[0][0]}`}` +
        ` → ${fmt(points.at(-1)[1])} after epoch ${points.at(-1)[0]}` +
        (book ? ` (the book's at the start: ${book[i]})` : "") +
        (dead !== null && dead !== undefined ? `; ${(100 * dead).toFixed(0)} % of its ReLU units dead` : "");
      return li;
    }));
    const start = lines.map((points) => points[0][1]);
    const ratio = start.length > 1 && start[0] > 0 ? start.at(-1) / start[0] : null;
    this.note.textContent = `${run.label}: ` + (ratio
      ? `at the start the last hidden layer learns ${ratio.toFixed(ratio < 10 ? 1 : 0)}× as fast as the first. `
      : "") + "Each step of BP2 multiplies δ by wᵀ and by f′(z): for sigmoids f′ ≤ ¼, so the gradient shrinks " +
      "layer by layer towards the input (the vanishing gradient); a ReLU's f′ is 1 where it fires.";
  }
}
