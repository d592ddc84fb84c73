// The runs on the chart: the page's record of every run — its label, settings, colour, status and
// per-epoch points — kept until cleared, saved in this browser (persist.js) and drawn by the curves
// and saturation views. No drawing here.

export const PALETTE = ["#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2", "#4b5563"];
// A paired run's A and B: one hue, dark and light, so the pair reads as one comparison.
export const PAIR_PALETTE = [["#1e3a8a", "#60a5fa"], ["#9a3412", "#fb923c"], ["#14532d", "#4ade80"], ["#581c87", "#c084fc"]];

export class Runs {
  constructor() {
    this.runs = [];
    this.count = 0;
    this.pairs = -1;
  }

  /** A new run, numbered on; `label(n)` makes its label from its number. */
  add(label, params, color) {
    this.count += 1;
    const run = {
      id: this.count, label: label(this.count), params, epochs: params.epochs,
      color: color ?? PALETTE[(this.count - 1) % PALETTE.length], points: [], status: "running",
    };
    this.runs.push(run);
    return run;
  }

  /** Runs kept from an earlier visit: numbered on from the highest id; a run that was going is "interrupted". */
  restore(runs) {
    for (const r of runs) {
      this.runs.push({ ...r, status: r.status === "running" ? "interrupted" : r.status });
      this.count = Math.max(this.count, r.id);
    }
  }

  find(runId) {
    return this.runs.find((r) => r.id === runId);
  }

  /** An epoch's point; false when the run is gone (cleared while it ran). */
  addPoint(runId, point) {
    const run = this.find(runId);
    if (run) run.points.push(point);
    return Boolean(run);
  }

  setStatus(runId, status) {
    const run = this.find(runId);
    if (run) run.status = status;
  }

  /** Forget the finished runs; a live run keeps drawing. */
  clear() {
    this.runs = this.runs.filter((r) => r.status === "running");
  }

  /** Forget every run, the live one too ("start fresh"). */
  reset() {
    this.runs = [];
  }

  /** Two colours of one hue for a paired run, a new hue each pair. */
  pairColours() {
    this.pairs += 1;
    return PAIR_PALETTE[this.pairs % PAIR_PALETTE.length];
  }

  points() {
    return this.runs.reduce((n, r) => n + r.points.length, 0);
  }

  /** A plain copy of every run (window.__chart). */
  data() {
    return JSON.parse(JSON.stringify({ runs: this.runs }));
  }
}
