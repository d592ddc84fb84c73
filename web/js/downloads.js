// What the page's worker downloads while Python starts (issue 19), in one place: Pyodide's own files
// (preload.js: started at once, answered to Pyodide from the checked bytes), the package and the
// trained model, each at most once, only when wanted and in the order they are needed. With a
// start-up snapshot stored (Pyodide's WebAssembly, numpy, the package and the model's session inside
// it) only Python's JavaScript and standard library are wanted; the rest is fetched if the snapshot
// cannot be used. A failed download ends loading at once with its own message (`anyFailure`) instead
// of after Python and numpy have loaded.

import { fetchOk, stage } from "./pyodide-loader.js";
import { firstArrived, interceptFetch, startLoadPreload } from "./preload.js";

/**
 * Start the downloads of config.json's files (`url(key)`: a config key's absolute URL) for a load
 * that is `warm` (a snapshot is stored) or not. Returns {archive(), modelText()} (each starts its
 * download on the first call and returns its promise), needCold() (a normal load after all: lets
 * Pyodide's WebAssembly and numpy's wheel start), anyFailure
 * (rejects with the first failure), failed() and restoreFetch() (Pyodide has asked for all it needs).
 */
export function startDownloads({ config, site, url, indexURL, progress, warm }) {
  const sums = config.sha256 ?? {};
  const sizes = config.downloadBytes ?? {};
  const { files: preloaded, needCold } = startLoadPreload(config.preload, site, progress, warm);
  const restore = interceptFetch(preloaded);
  let failed = false;
  let failure;
  const anyFailure = new Promise((_, reject) => (failure = reject));
  anyFailure.catch(() => {}); // the caller races it
  const watch = (promise) => {
    promise.catch((e) => {
      failed = true;
      failure(e);
    });
    return promise;
  };
  const isWheel = (f) => f.url.endsWith(".whl");
  // each preload's failure named as its stage's: the wheel's is numpy's, the others Python's
  for (const f of preloaded.values()) {
    watch(isWheel(f) ? stage("numpy", "Loading numpy", () => f.bytes)
      : stage("python", `Loading Python (Pyodide) from ${indexURL}`, () => f.bytes));
  }
  // the site's own files once Python's WebAssembly and standard library are in, and on a normal load
  // numpy's wheel too: they share one line, and numpy then loads while the package and the model arrive
  const wheel = [...preloaded.values()].filter(isWheel).map((f) => f.arrived);
  const later = firstArrived(preloaded).then(() => (warm ? null : Promise.all(wheel)));
  const download = (name, what, key, as, gzip = false) => {
    let started = null;
    return () => (started ??= watch(stage(name, `Loading ${what}`, () => {
      progress.expect(sizes[key]);
      return later.then(() => fetchOk(url(key), as, sums[key], "default", { gzip, onBytes: (n) => progress.add(n) }));
    })));
  };
  const archive = download("backprop", "the backprop package", "packageURL", "buffer");
  const modelText = download("data", "the trained model", "modelURL", "text", !!config.modelGzip);
  if (!warm) { // both are wanted: overlapping Python's start-up
    archive();
    modelText();
  }
  return {
    archive, modelText, needCold, anyFailure,
    failed: () => failed,
    restoreFetch() {
      restore();
      preloaded.clear();
    },
  };
}
