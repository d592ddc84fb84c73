// What the page keeps in this browser between visits (store.js, IndexedDB): the runs on the chart, the
// form's settings and the last trained network — saved after each epoch (coalesced), restored on a
// reload, forgotten by Start fresh; and leaving during a run asks first.

import * as store from "./store.js";
import { toQuery } from "./state.js";

export class Persistence {
  constructor(app) {
    this.app = app;
    this.restored = false; // has restore() finished (whatever it found)?
    document.getElementById("fresh-button").addEventListener("click", () => this.startFresh());
    window.addEventListener("beforeunload", (event) => {
      store.flush();
      if (app.mode === "training" || app.mode === "stopping") { // what was learned is kept, but the run would end
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  saveSoon() {
    const { curves, form } = this.app.views;
    store.saveSoon(() => ({
      runs: curves.runs.map(({ id, label, params, epochs, color, points, status }) => ({ id, label, params, epochs, color, points, status })),
      settings: form.params(),
      network: this.app.network,
    }));
  }

  /** What an earlier visit kept: the runs drawn again, the settings (unless the link has its own), the
   * network shown again once Python is ready (lifecycle.js gives it to the worker). */
  async restore() {
    try {
      await this.restoreKept();
    } finally {
      this.restored = true;
    }
  }

  get saving() {
    return store.busy();
  }

  async restoreKept() {
    const { app } = this;
    const kept = await store.load();
    if (!kept) return;
    const runs = Array.isArray(kept.runs) ? kept.runs : [];
    if (runs.length) app.views.curves.restore(runs);
    if (kept.settings && !location.search) { // a link's settings win over the stored ones
      history.replaceState(null, "", `${location.pathname}${toQuery(kept.settings)}${location.hash}`);
      app.views.form.initFromURL();
    }
    // a conv network comes with its layers (restore_network checks them as a model file's)
    if (kept.network?.bytes instanceof ArrayBuffer && (kept.network.layers == null || Array.isArray(kept.network.layers))) {
      app.network = kept.network;
      app.which = "trained";
    }
    if (runs.length || app.network) {
      const what = [runs.length && `${runs.length} run${runs.length > 1 ? "s" : ""} on the chart`,
        app.network && `the network of run #${app.network.runId} as of epoch ${app.network.epoch}`].filter(Boolean);
      document.getElementById("restored-text").textContent = `Restored from this browser: ${what.join(" and ")}.`;
      document.getElementById("restored").hidden = false;
    }
  }

  async startFresh() {
    const { app } = this;
    if (app.mode === "training" || app.mode === "stopping") return;
    // the page first, at once; then the browser's copy (an IndexedDB transaction may take a while)
    app.views.curves.reset();
    app.network = null;
    app.available.trained = false;
    if (app.which === "trained") app.choose("model");
    app.views.model.setChoices(app.available, app.which);
    document.getElementById("restored").hidden = true;
    app.views.progress.message("idle", "Started fresh: the runs and the network kept in this browser are gone.");
    await store.clear();
  }
}
