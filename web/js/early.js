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

const worker = pagePythonNeeded(location.search) ? new Worker(new URL("./worker.js", import.meta.url), { type: "module" }) : null;
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
