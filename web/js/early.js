// The page's first script: it starts Python's worker at once, so that Pyodide's downloads and start-up
// overlap the loading of the page's own modules (main.js and the ~25 it imports: about 0.4 s of a cold
// load, during which the worker would otherwise not exist yet). Nothing is imported here, so nothing
// delays it. What the worker says before main.js takes it over is kept and handed over in order.
// An embed of the lab alone (?embed=lab) does not start it: the lab runs in a Python of its own.

const TYPES = ["message", "error", "messageerror"];

/**
 * Does the page need its own Python (worker.js: Pyodide, numpy, backprop, the MNIST subset, the model)?
 * Every section does but the lab, whose checks and runs go to the lab's worker (lab-controller.js): an
 * embed of the lab alone goes without — unless its link also asks for what only the page's Python does:
 * a guided lesson (its link may add anything), one of the book's runs, a model file. `embed=` is read as
 * link.js's parseLink reads it (the first one, trimmed).
 */
export function pagePythonNeeded(search) {
  const q = new URLSearchParams(search);
  return q.get("embed")?.trim() !== "lab" || ["lesson", "preset", "model"].some((key) => q.has(key));
}

/**
 * A first visit's biggest downloads, begun now into the HTTP cache (issue 19): what Python's start needs
 * first (config.json's "first" preloads: its WebAssembly and standard library; its JavaScript). The
 * worker's own requests for them come only once its modules have loaded, and those queue behind the
 * page's ~45 on an HTTP/1.1 host: about 1 s of an idle line at 20 Mbit/s. The worker then reads them
 * from the cache (or joins the download under way), checks them as ever, and nothing is fetched twice.
 * Not on later visits: the service worker has them, and the start-up snapshot needs no WebAssembly.
 */
export async function warmFirstDownloads(site, fetchFn = globalThis.fetch) {
  const config = await fetchFn(new URL("config.json", site)).then((r) => (r.ok ? r.json() : null));
  const urls = [config?.asmJs?.url, ...(config?.preload ?? []).filter((e) => e.first).map((e) => e.url)];
  return Promise.all(urls.filter(Boolean).map((url) => fetchFn(new URL(url, site), { priority: "high" })
    .then((r) => r.body?.pipeTo(new WritableStream())))); // read to the end, kept by the cache alone
}

const worker = pagePythonNeeded(location.search) ? new Worker(new URL("./worker.js", import.meta.url), { type: "module" }) : null;
if (worker && !globalThis.navigator?.serviceWorker?.controller) {
  warmFirstDownloads(new URL("../", import.meta.url)).catch(() => {}); // a failure is the worker's to name
}
const early = []; // events that came before takeWorker()
const keep = (event) => {
  if (event.type === "error") event.preventDefault?.(); // restartable.js reports it when replayed
  early.push(event);
};
for (const type of TYPES) worker?.addEventListener(type, keep);
let taken = worker === null;

/** The worker started here and the events it sent so far, once; null afterwards (a restart makes its
 * own), and null when the page does not need Python's worker. */
export function takeWorker() {
  if (taken) return null;
  taken = true;
  for (const type of TYPES) worker.removeEventListener(type, keep);
  return { worker, early };
}
