// The page worker's life as the page sees it: loading (the status line), ready (a drawing can be read;
// the offline copy but in an embed), the digits in (the page's facts, the URL's settings, every view),
// a start that failed (Retry), and the restart
// policy: a worker that dies is started again unless it keeps dying (more than 3 times in a minute), and
// every new worker is given back what the page keeps: the last trained network and the model file. An
// embed of the lab alone starts no worker (early.js): the page says so, and its Python is never loaded.

import { EVENT, REQUEST } from "./protocol.js";

const MAX_DEATHS = 3; // a minute's worth, then the page stops restarting and offers Retry

export class Lifecycle {
  constructor(app) {
    this.app = app;
    this.deaths = []; // when workers died on their own
    this.lateStatus = 0; // loading stages reported after loading failed: counted, never shown
    this.retryButton = document.getElementById("retry-button");
    this.retryButton.addEventListener("click", () => {
      this.showRetry(false);
      app.client.restart("restart");
      this.restarting("retry");
    });
    let settle;
    this.settled = new Promise((resolve) => (settle = resolve)); // ready, failed, or not started at all
    this.settle = settle;
    const { client, views } = app;
    client.on(EVENT.STATUS, (msg) => { // a stage still under way when loading failed says nothing
      if (app.mode === "loading" || app.mode === "restarting" || app.mode === "digits") {
        views.status.set("loading", msg.text, msg.stage);
        views.status.progress(msg.done, msg.total);
      }
      else this.lateStatus += 1;
    });
    let readying = Promise.resolve();
    client.on(EVENT.READY, (msg) => (readying = this.ready(msg)));
    client.on(EVENT.DIGITS, (msg) => readying.then(() => { // the kept networks are back first
      this.digits(msg);
      settle();
    }));
    client.on(EVENT.FATAL, (msg) => {
      settle();
      views.status.set("error", `Could not start: ${msg.message.replace(/\.$/, "")}.`, msg.stage);
      this.showRetry(true);
      app.setMode("failed");
    });
  }

  /** The page's start: Python's worker loading — or, when the page does not need it (`needed` false: the
   * lab alone), not started, and the status line says what runs instead. */
  begin(needed) {
    const { app } = this;
    if (needed) {
      app.setMode("loading");
      app.views.status.set("loading", "Loading Python…", "python");
      return;
    }
    app.setMode("unloaded");
    app.views.status.set("ready", "Only the lab is loaded here: its Python starts when you first use it, and " +
      "Train with my backprop fetches the digits it trains on.");
    this.settle();
  }

  /** Python, numpy and the model are in: a drawing can be read. The digits come next (EVENT.DIGITS). */
  async ready(msg) {
    const { app } = this;
    const v = app.views;
    app.loaded.clear(); // a new worker holds only the shipped model
    app.available.conv = (msg.shipped ?? []).includes("conv");
    const again = app.readyMs !== null; // a restarted worker: the page keeps its settings and views
    if (!again) {
      app.readyMs = performance.now();
      app.timings = msg.timings;
      app.maxFileBytes = msg.info.max_file_bytes;
      app.fullData = msg.fullData;
      v.model.metas.model = msg.meta;
      document.getElementById("version").textContent = msg.version ? `backprop ${msg.version}.` : "";
    }
    app.setMode("digits");
    if (!again && !v.layout.link?.embed) registerServiceWorker(); // its install downloads the whole site: not for one section
    if (again || app.network) await this.restoreNetworks(); // a network kept from an earlier visit (persist.js)
  }

  /** The MNIST digits are in: every view is filled, the form and the book's runs take their sizes. */
  digits(msg) {
    const { app } = this;
    const v = app.views;
    if (app.digitsMs !== null) { // a restarted worker
      v.status.set("ready", `Ready again — Python restarted in ${msg.seconds.toFixed(1)} s; your runs and network are kept.`, "ready");
      app.setMode("ready");
      app.refreshViews();
      return;
    }
    app.digitsMs = performance.now();
    app.timings = msg.timings;
    app.nTrain = msg.info.n_train;
    app.setTestDigits(msg.info.n_test);
    v.form.initFromURL(app.nTrain);
    v.presets.setInfo(msg.info, app.fullData);
    v.speed.setBook(msg.info.book_speeds);
    v.status.set("ready", `Ready — Python, numpy, the network and the digits loaded in ${msg.seconds.toFixed(1)} s.`, "ready");
    app.setMode("ready");
    app.refreshViews(); // the model's facts, the digits, hidden units, the matrix
    app.digitsArrived(); // a lesson link's preset and model file follow (teach.js)
  }

  showRetry(shown) {
    this.retryButton.hidden = !shown;
  }

  /** The worker died on its own (restartable.js): say so, and start another unless it keeps dying. */
  died(reason, message) {
    const { app } = this;
    const v = app.views;
    if (app.readyMs === null && app.restart === null) {
      // it never got going (a module that does not load, say): starting it again would fail again
      v.status.set("error", `Could not start Python's worker: ${message}.`, "python");
      this.showRetry(true);
      app.setMode("failed");
      return;
    }
    const now = performance.now();
    this.deaths = [...this.deaths.filter((t) => now - t < 60_000), now];
    if (this.deaths.length > MAX_DEATHS) {
      v.status.set("error", `Python stopped working again (${message}); your runs and network are kept.`, "python");
      this.showRetry(true);
      app.setMode("failed");
      return;
    }
    v.progress.message("failed", `Python stopped working (${message}). It is starting again; your runs, your network ` +
      "and the settings are kept.");
    app.client.start();
    this.restarting(reason);
  }

  /** A new worker is (being) started: the page waits for its READY, views and settings kept. */
  restarting(reason) {
    const { app } = this;
    app.restart = reason;
    if (app.readyMs === null) {
      app.views.status.set("loading", "Loading Python…", "python");
      app.setMode("loading");
    } else {
      app.views.status.set("loading", "Restarting Python… your runs and network are kept.", "python");
      app.setMode("restarting");
    }
  }

  /** Give a new worker the networks the page keeps: the last trained one, and the model file. */
  async restoreNetworks() {
    const { app } = this;
    const n = app.network;
    app.available.trained = false;
    if (n) {
      try {
        await app.ask(REQUEST.RESTORE_NETWORK, { which: "trained", sizes: n.sizes, cost: n.cost, data: n.bytes.slice(0),
          activation: n.activation ?? "sigmoid", output: n.output ?? null, layers: n.layers ?? null });
        app.available.trained = true;
      } catch (e) {
        app.views.progress.message("failed", `Your last network could not be restored: ${e.message}`);
      }
    }
    if (app.fileText !== null) {
      try {
        await app.ask(REQUEST.LOAD_FILE, { text: app.fileText });
      } catch {
        app.available.file = false;
      }
    }
    if (app.which === "conv" && app.available.conv) {
      await app.choose("conv"); // fetched again (from the HTTP cache) for the new worker
      if (!app.loaded.has("conv")) app.which = "model";
    }
    if (!app.available[app.which]) app.which = "model";
    app.views.model.setChoices(app.available, app.which);
  }
}

// Offline after the first visit: sw.js keeps the site's files. Registered once the page is ready, so
// that its downloads (from the HTTP cache by then) do not compete with the first load's; never in an
// embed, which loads only what its section needs (and, in another site's iframe, has storage of its own).
function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(new URL("../sw.js", import.meta.url))
    .catch((e) => console.warn(`no offline copy of the page: ${e.message ?? e}`));
}
