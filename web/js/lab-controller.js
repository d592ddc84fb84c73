// Section 8, your own backprop: the lab's view (views/lab.js, with its 350 kB editor imported once the
// page has started, so that it can never keep the rest from loading) and the lab's own worker. The
// learner's code never runs in the page's worker: an endless loop is ended by terminating the lab's
// worker (restartable.js), and the network, the run and the charts above are not touched. One check or
// run at a time.

import { EVENT, LAB_REQUEST } from "./protocol.js";
import { RestartableWorker, STOP_GRACE_MS } from "./restartable.js";
import { runLabel } from "./state.js";

const fmt = new Intl.NumberFormat("en-US");

export class LabController {
  /** curves: the chart (a run with the learner's backprop is drawn there); form: section 3's settings;
   * shows(id): is section `id` on the page (an embed of the lab alone has no chart)? */
  constructor({ curves, form, shows = () => true }) {
    this.curves = curves;
    this.form = form;
    this.shows = shows;
    this.view = null;
    this.run = null; // the chart's record of the run with the learner's backprop
    this.current = null; // the check or run in flight
    this.loaded = false; // has the current lab worker's Python finished loading?
    this.asked = null; // the worker asked for READY (a new one is asked again)
    this.restarts = 0;
    this.stopMs = null; // how long the last Stop took, click to done (the e2e test reads it)
    this.worker = new RestartableWorker(new URL("./lab-worker.js", import.meta.url), {
      lazy: true,
      onDeath: (reason, message) => {
        this.restarts += 1;
        this.loaded = false;
        this.view?.say("error", `The lab's Python stopped (${message}); a fresh one starts with the next Check. ` +
          "Your code is kept.");
      },
    });
    this.worker.on(EVENT.STATUS, (msg) => {
      if (this.view?.busy) this.view.say("working", msg.text[0].toUpperCase() + msg.text.slice(1));
    });
    this.worker.on(EVENT.PROGRESS, (msg) => { if (this.run && msg.runId === this.run.id) this.view.showProgress(msg); });
    this.worker.on(EVENT.EPOCH, ({ type, runId, ...point }) => curves.addPoint(runId, point));
  }

  /** The editor and the lab's texts (the skeleton, the "find the bug" versions), once the page has started. */
  async open() {
    try {
      const { LabView } = await import("./views/lab.js");
      this.view = new LabView({ onCheck: (code, ex) => this.check(code, ex), onTrain: (code, ex) => this.train(code, ex),
        onStop: () => this.stop(), onFirstUse: () => this.start() });
    } catch (e) {
      document.getElementById("lab-status").textContent = `The editor could not load: ${e.message}`;
      return;
    }
    try {
      const response = await fetch(new URL("./lab.json", import.meta.url));
      if (!response.ok) throw new Error(`js/lab.json answered HTTP ${response.status}`);
      this.view.setTexts(await response.json());
    } catch (e) {
      this.view.say("error", `Could not load the lab's skeleton and bugs: ${e.message}`);
    }
  }

  /**
   * Open the lab when the page wants it: once the page is laid out (`laidOut`; a link that leaves the lab
   * out is told to `leftOut()`) and the page's Python has settled (`settled`: ready, failed or not started
   * at all — on a first visit the editor would otherwise share the line with Python), or sooner when the
   * learner scrolls to it. `opened()` once its texts are in.
   */
  openWhenWanted({ laidOut, settled, opened, leftOut }) {
    let opening = null;
    const openNow = () => laidOut.then(() => {
      if (opening || !this.shows("lab")) return;
      opening = this.open().then(opened);
    });
    settled.then(openNow);
    laidOut.then(() => {
      if (!this.shows("lab")) {
        leftOut();
        return;
      }
      new IntersectionObserver((seen, observer) => {
        if (seen.some((e) => e.isIntersecting)) {
          observer.disconnect();
          openNow();
        }
      }, { rootMargin: "200px" }).observe(document.getElementById("lab"));
    });
  }

  /** The lab's worker, started (and its Python loading) before the first Check needs it. */
  start() {
    if (this.worker.started && this.asked === this.worker.worker) return; // this worker is loading already
    this.loaded = false;
    const ready = this.worker.request(LAB_REQUEST.READY); // starts a worker if there is none
    const asked = (this.asked = this.worker.worker);
    ready.then((answer) => {
      if (this.worker.worker !== asked) return;
      this.loaded = true;
      this.snapshot = answer?.snapshot ?? null; // how its Python started (snapshot.js): for tests and the curious
    }, () => {});
  }

  /** The one check or run at a time. */
  exclusive(type, args) {
    if (this.current) return Promise.reject(new Error("the lab is busy; press Stop first"));
    this.start();
    const done = this.worker.request(type, args);
    this.current = done;
    const clear = () => { if (this.current === done) this.current = null; };
    done.then(clear, clear);
    return done;
  }

  async check(code, exercise) {
    const view = this.view;
    view.setBusy(true);
    view.say("working", this.loaded ? "Checking…" : "Loading Python for the lab (the first time takes a few seconds)…");
    try {
      view.showReport(await this.exclusive(LAB_REQUEST.CHECK, { code, exercise: exercise.key }));
    } catch (e) {
      if (e.name !== "WorkerGone") view.say("error", `The check could not run: ${e.message}`);
    } finally {
      view.setBusy(false);
    }
  }

  async train(code, exercise) {
    const view = this.view;
    const form = this.form.params();
    if (!form) {
      view.say("error", "Fix the training settings in section 3 first: the lab trains with them.");
      return;
    }
    const params = { ...form, ...exercise.trains }; // the exercise's network: softmax outputs, ReLU layers
    view.setBusy(true);
    view.say("working", "Starting a run with your backprop…");
    const run = (this.run = this.curves.addRun((n) => `yours: ${runLabel(params, n)}`, params));
    try {
      const s = await this.exclusive(LAB_REQUEST.TRAIN, { runId: run.id, code, params: form, exercise: exercise.key });
      if (s.speed) {
        run.label += ` · ${fmt.format(Math.round(s.speed.yours))} ex/s (library ${fmt.format(Math.round(s.speed.library))})`;
      }
      this.curves.setStatus(run.id, s.error ? "failed" : s.stopped ? "stopped" : "done");
      view.showRunEnd(s, run.label, this.shows("curves"));
    } catch (e) {
      this.curves.setStatus(run.id, e.name === "WorkerGone" ? "stopped" : "failed");
      if (e.name !== "WorkerGone") view.say("error", `The run could not go on: ${e.message}`);
    } finally {
      this.run = null;
      view.setBusy(false);
    }
  }

  /** Stop: asked nicely first (the Python loop reads a flag between steps); when the code has not
   * returned after the grace period, its worker is terminated and a fresh one started. */
  async stop() {
    const view = this.view;
    const t0 = performance.now();
    const loaded = this.loaded;
    const current = this.current;
    if (!current) return;
    view.say("working", "Asking your code to stop…");
    this.worker.request(LAB_REQUEST.STOP).catch(() => {}); // answered only if Python gets a chance
    const how = await this.worker.stopWithin(current, { message: "the lab's Python was restarted" });
    this.stopMs = performance.now() - t0;
    if (how !== "terminated") return;
    this.restarts += 1;
    this.current = null;
    this.loaded = false;
    this.start();
    if (!loaded) {
      view.say("stopped", "Stopped while the lab's Python was still loading; it loads again for the next Check.");
    } else {
      view.say("stopped", `Your code did not stop within ${STOP_GRACE_MS / 1000} s, so the lab's Python was ` +
        "restarted (a fresh one is loading). Your code and the results shown are kept; the rest of the page " +
        "was not touched.");
    }
  }

  /** For tests and the curious (window.__lab). */
  facts() {
    return { ready: this.view !== null && this.view.texts.skeleton !== "", exercise: this.view?.exercise?.key ?? null,
      busy: this.current !== null,
      started: this.worker.started, restarts: this.restarts, stopMs: this.stopMs, snapshot: this.snapshot ?? null };
  }
}
