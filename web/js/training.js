// Training from the page: a run (Train), a paired run (A then B, one setting apart), one mini-batch
// (Step), Stop (cooperative, then the hard stop), and the switch between the subset and full MNIST.
// Each run is drawn on the chart from the worker's progress and epoch events.

import { pairSentence } from "./compare.js";
import { EVENT, REQUEST } from "./protocol.js";
import { runLabel } from "./state.js";

export class Training {
  /** app: app.js's App; onSave(): the runs or the network changed (persist.js keeps them);
   * onRestarting(reason): the run's worker is gone and another is starting (lifecycle.js). */
  constructor(app, { onSave, onRestarting }) {
    this.app = app;
    this.onSave = onSave;
    this.onRestarting = onRestarting;
    app.client.on(EVENT.PROGRESS, (msg) => this.progress(msg));
    app.client.on(EVENT.EPOCH, (msg) => this.epoch(msg));
  }

  /** One run, from the request to its summary, drawn on the chart; the summary if it ran to the end,
   * else null. */
  async runOne(params, label, colour) {
    const { app } = this;
    const { curves, status, progress, presets } = app.views;
    const run = (app.run = curves.addRun(label, params, colour));
    app.runShown = false;
    status.set("training", `Training ${run.label}…`);
    progress.message("running", "Starting…");
    const started = performance.now();
    this.onSave();
    const summary = (app.running = app.ask(REQUEST.TRAIN, { runId: run.id, params }));
    try {
      const s = await summary;
      app.available.trained = true; // kept whatever the end, even when it came before the first progress report
      curves.setStatus(run.id, s.diverged ? "diverged" : s.stopped ? "stopped" : "done");
      progress.summary(s, run.label);
      presets.runFinished(s).catch((e) => progress.message("failed", `Could not compare with the book: ${e.message}`));
      return s.stopped || s.diverged ? null : s;
    } catch (e) {
      if (e.name === "WorkerGone") {
        // Stop terminated the worker, or it died: the run ends with what the page kept
        const kept = app.network?.runId === run.id ? `the network as of epoch ${app.network.epoch} is kept` : "no epoch had finished";
        this.onRestarting(e.reason); // a new worker has been started already
        curves.setStatus(run.id, e.reason === "stop" ? "stopped" : "failed");
        progress.message(e.reason === "stop" ? "stopped" : "failed", e.reason === "stop"
          ? `Stopped at once by restarting Python (the mini-batch was too slow to wait for); ${kept}, and the curves.`
          : `Python stopped working during the run (${e.message}); ${kept}, and the curves. It is starting again.`);
      } else {
        curves.setStatus(run.id, "failed");
        progress.message("failed", `Training failed: ${e.message}`);
      }
      return null;
    } finally {
      app.lastRunSeconds = (performance.now() - started) / 1000; // wall clock, views' work included
      app.run = app.running = null;
      this.onSave();
    }
  }

  begin(params) {
    const { app } = this;
    if (app.mode !== "ready") return false;
    if (!params) {
      app.views.progress.message("invalid", "Fix the highlighted fields first.");
      return false;
    }
    app.setMode("training");
    return true;
  }

  end(ok, text) {
    const { app } = this;
    if (app.mode === "restarting") return; // a new worker is loading; READY makes the page usable again
    app.views.status.set("ready", ok ? text : "Ready. The last run stopped, diverged or failed; see below.");
    app.setMode("ready");
    if (app.which === "trained") app.refreshViews();
  }

  async train(params) {
    if (!this.begin(params)) return;
    this.end(Boolean(await this.runOne(params, (n) => runLabel(params, n))), "Ready for another run.");
  }

  /** Two runs differing in one setting, from the same seed: A, then B, in matching colours. */
  async trainPair(params, vary, value) {
    if (!this.begin(params)) return;
    const { app } = this;
    let pair;
    try {
      pair = await app.ask(REQUEST.PAIR, { params, vary, value });
    } catch (e) {
      app.views.progress.message("invalid", `Paired run: ${e.message}`);
      app.setMode("ready");
      return;
    }
    const colours = app.views.curves.pairColours();
    const done = [];
    for (const [i, p] of pair.entries()) {
      const s = await this.runOne(p, (n) => `${i ? "B" : "A"}: ${runLabel(p, n)}`, colours[i]);
      if (!s) break;
      done.push(s);
    }
    if (done.length === 2) app.views.progress.message("done", pairSentence(done[0], done[1], vary));
    this.end(done.length === 2, `Pair done: A and B differ in ${vary} only.`);
  }

  /** One mini-batch (the Step button): the views follow the network it changes. */
  async step(params) {
    const { app } = this;
    if (app.mode !== "ready" || !params) {
      if (!params) app.views.progress.message("invalid", "Fix the highlighted fields first.");
      return;
    }
    try {
      const r = await app.ask(REQUEST.STEP, { params });
      app.views.progress.showStep(r);
      app.available.trained = true;
      if (app.which !== "trained") app.choose("trained");
      else app.refreshViews();
    } catch (e) {
      app.views.progress.message("failed", `Step failed: ${e.message}`);
    }
  }

  stop() {
    const { app } = this;
    if (app.mode !== "training") return;
    app.setMode("stopping");
    app.views.progress.message("stopping", "Stopping after the current mini-batch…");
    app.ask(REQUEST.STOP).catch(() => {});
    // the hard stop: a run still going after the grace period ends with the worker (restartable.js)
    app.client.stopWithin(app.running); // "terminated": runOne's catch takes it from there
  }

  /** Train and test on the subset or full MNIST (the worker fetches the full file the first time). */
  async switchData(name) {
    const { app } = this;
    if (app.mode !== "ready") throw new Error("wait for the current run to end");
    app.setMode("data"); // Train and Step wait while the digits change
    try {
      const info = await app.ask(REQUEST.USE_DATA, { name });
      app.nTrain = info.n_train;
      app.setTestDigits(info.n_test);
      app.views.form.setTrainingDigits(app.nTrain, name === "full" ? "full MNIST's" : "the subset's");
      app.generation += 1; // answers about the old test digits are dropped
      app.refreshViews();
      return info;
    } finally {
      app.setMode("ready");
    }
  }

  progress(msg) {
    const { app } = this;
    if (!app.run || msg.runId !== app.run.id) return;
    if (app.mode === "training") app.views.progress.show(msg);
    if (!app.runShown) { // the run's network exists now: every view follows it while it learns
      app.runShown = true;
      app.available.trained = true;
      app.choose("trained");
    }
  }

  epoch(msg) {
    const { app } = this;
    const { type, runId, network, layers, sizes, ...point } = msg; // layers, sizes: a conv network's
    const run = app.views.curves.runs.find((r) => r.id === runId);
    if (network && run) { // the network as of this epoch: kept for a restart and in the browser
      app.network = { runId, epoch: point.epoch, sizes: sizes ?? [784, ...run.params.hidden, 10], cost: run.params.cost,
        activation: run.params.activation ?? "sigmoid", output: run.params.output ?? null, layers: layers ?? null,
        bytes: network };
    }
    if (app.mode === "training") app.views.progress.say(`Epoch ${point.epoch} done` +
      (typeof point.eval_accuracy === "number" ? `: test accuracy ${(100 * point.eval_accuracy).toFixed(1)} %.` : "."));
    app.views.curves.addPoint(runId, point);
    this.onSave();
    app.refreshLive();
  }
}
