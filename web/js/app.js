// The page's state, the mode machine and the views' refresh: which network every view shows
// (`which`, one choice for the whole page), what the page is doing (`mode`), and one refresh of every
// view that shows the current network at a time, older answers dropped.

import { REQUEST } from "./protocol.js";
import { STRIP_COUNT } from "./views/strip.js";

const LIVE_VIEWS_MS = 500; // while a run trains, the views follow it at most this often

export class App {
  /** client: the worker (restartable.js); views: the page's views by name (main.js makes them). */
  constructor(client, views) {
    this.client = client;
    this.views = views;
    // loading | digits (a drawing can be read; the MNIST digits are arriving) | ready | training | stopping | data |
    // restarting | failed | unloaded (the lab alone: no Python)
    this.mode = "loading";
    this.which = "model"; // the network every view shows: model | conv | trained | file
    this.available = { model: true, conv: false, trained: false, file: false };
    this.loaded = new Set(); // the site's other networks (conv) this worker has fetched; a new worker has none
    this.nTrain = 10000;
    this.nTest = 2000;
    this.maxFileBytes = Infinity;
    this.run = null; // the chart's record of the current run
    this.running = null; // its summary's promise, while it trains
    this.runShown = false; // have the views switched to the current run's network yet?
    this.lastRunSeconds = null; // wall-clock seconds of the last run (the bench's live-views figure)
    this.readyMs = null; // performance.now() when the page became ready: the cold-load figure of the bench
    this.digitsMs = null; // ... when the MNIST digits were in (they come after ready: issue 19)
    this.digitsIn = new Promise((resolve) => (this.digitsArrived = resolve)); // ... and the page took them in
    this.fullData = null; // config.json's full MNIST entry, as the worker read it
    this.viewsMs = null; // ... and when the views first showed the model, right after
    this.timings = null; // the worker's seconds at the end of each loading stage
    // -- kept across worker restarts and reloads (lifecycle.js, persist.js) --
    this.network = null; // the last trained network: {runId, epoch, sizes, cost, activation, output, layers, bytes}, as of its last epoch
    this.fileText = null; // the model file's text, given again to a new worker
    this.restart = null; // why the current worker was started again: null | "stop" | "error" | "fatal" | "retry"
    this.generation = 0; // answers for an older choice are dropped
    this.refreshing = null; // the refresh in flight; another one waits for it rather than piling up
    this.refreshAgain = false;
    this.viewsDone = 0; // refreshes completed (tests wait on it)
    this.lastLiveRefresh = -Infinity;
    this.shows = () => true; // is section `id` on the page? (a lesson link or an embed may leave some out)
  }

  ask(type, args, transfer) {
    return this.client.request(type, args, transfer);
  }

  setMode(mode) {
    const v = this.views;
    this.mode = mode;
    document.body.dataset.mode = mode;
    v.form.setMode(mode);
    const usable = ["ready", "training", "stopping", "data"].includes(mode);
    for (const view of [v.model, v.strip, v.stepper, v.gradcheck, v.featureMaps]) view.setEnabled(usable);
    v.draw.setEnabled(usable || mode === "digits", usable); // the first view needs only the model
    v.presets.setEnabled(mode === "ready");
    v.model.setChoices(this.available, this.which);
  }

  /** How many test digits there are (the subset's or full MNIST's): the views that pick one by index. */
  setTestDigits(nTest) {
    const v = this.views;
    this.nTest = nTest;
    v.strip.nTest = v.draw.nTest = v.stepper.nTest = v.featureMaps.nTest = nTest;
    if (v.strip.start >= nTest) v.strip.start = 0;
  }

  /** Every view that shows the current network, filled again; one refresh in flight at a time. */
  async refreshViews() {
    if (this.digitsMs === null) return; // before the digits, only the drawing is shown (EVENT.DIGITS refreshes)
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const gen = ++this.generation;
    const which = this.which;
    const v = this.views;
    this.refreshing = (async () => {
      try {
        // a section left out of the page is not asked for
        const ifShown = (id, type, args) => (this.shows(id) ? this.ask(type, args) : null);
        const [facts, digits, units, matrix] = await Promise.all([
          this.ask(REQUEST.EVALUATE, { which }),
          ifShown("model", REQUEST.STRIP, { which, start: v.strip.start, count: STRIP_COUNT }),
          ifShown("hidden-units", REQUEST.HIDDEN_UNITS, { which }),
          ifShown("confusion", REQUEST.CONFUSION, { which }),
        ]);
        if (gen !== this.generation) return;
        v.model.showFacts(facts);
        if (digits) v.strip.show(digits);
        if (units) v.hidden.show(units);
        if (matrix) v.confusion.show(matrix);
        v.draw.refresh();
        v.stepper.refresh();
        v.gradcheck.refresh();
        if (this.shows("feature-maps")) v.featureMaps.refresh(facts);
        this.viewsDone += 1;
        this.viewsMs ??= performance.now(); // the first time every view was filled (the bench reports it)
      } catch (e) {
        if (e.name === "WorkerGone") return; // a new worker is coming; READY refreshes the views
        v.progress.message("failed", `Could not show the network: ${e.message}`);
      }
    })();
    await this.refreshing;
    this.refreshing = null;
    if (this.refreshAgain) {
      this.refreshAgain = false;
      await this.refreshViews();
    }
  }

  /** While a run trains: the views follow its network, at most every LIVE_VIEWS_MS (short epochs would
   * otherwise redraw every digit and tile many times a second). */
  refreshLive() {
    if (this.which !== "trained" || performance.now() - this.lastLiveRefresh < LIVE_VIEWS_MS) return;
    this.lastLiveRefresh = performance.now();
    this.refreshViews();
  }

  /** Show network `which` in every view; one of the site's other networks is fetched the first time. */
  async choose(which) {
    if (!this.available[which]) return;
    if (which === "conv" && !this.loaded.has(which)) {
      const model = this.views.model;
      model.showLoading(which);
      try {
        const { meta } = await this.ask(REQUEST.LOAD_SHIPPED, { which });
        model.metas[which] = meta;
        this.loaded.add(which);
        model.showFileError("");
      } catch (e) {
        model.showFileError(`Could not load the convolutional network: ${e.message}`);
        model.setChoices(this.available, this.which); // the choice goes back to what is shown
        return;
      }
    }
    this.which = which;
    this.views.model.setChoices(this.available, which);
    this.generation += 1; // whatever is in flight is for the old choice
    this.refreshViews();
  }

  async showStrip(start) {
    try {
      this.views.strip.show(await this.ask(REQUEST.STRIP, { which: this.which, start, count: STRIP_COUNT }));
    } catch (e) {
      this.views.progress.message("failed", `Could not show the digits: ${e.message}`);
    }
  }
}
