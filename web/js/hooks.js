// For tests and the curious: what the page is doing and what it shows, as plain read-only values on
// window (__app, __chart, __presets, __draw, __lab). Nothing here changes the page.

export function exposeHooks({ app, lab, lifecycle, persistence }) {
  const { curves, presets, draw } = app.views;
  const define = (name, get) => Object.defineProperty(window, name, { get });
  define("__chart", () => curves.data());
  define("__app", () => ({
    mode: app.mode, which: app.which, available: { ...app.available }, hasTrained: app.available.trained,
    readyMs: app.readyMs, digitsMs: app.digitsMs, viewsMs: app.viewsMs, timings: app.timings, views: app.viewsDone,
    viewsBusy: app.refreshing !== null, lastRunSeconds: app.lastRunSeconds, workers: app.client.starts,
    restart: app.restart, network: app.network && { runId: app.network.runId, epoch: app.network.epoch },
    lateStatus: lifecycle.lateStatus, saving: persistence.saving, restored: persistence.restored,
  }));
  define("__presets", () => ({ progress: [...presets.progressLog], data: presets.info?.data ?? null,
    nTrain: app.nTrain, nTest: app.nTest }));
  define("__draw", () => ({ latencies: [...draw.latencies], idle: draw.idle, answered: draw.answered }));
  define("__lab", () => lab.facts());
}
