// The page's first script: it starts Python's worker at once, so that Pyodide's downloads and start-up
// overlap the loading of the page's own modules (main.js and the ~25 it imports: about 0.4 s of a cold
// load, during which the worker would otherwise not exist yet). Nothing is imported here, so nothing
// delays it. What the worker says before main.js takes it over is kept and handed over in order.

const TYPES = ["message", "error", "messageerror"];
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
const early = []; // events that came before takeWorker()
const keep = (event) => {
  if (event.type === "error") event.preventDefault?.(); // restartable.js reports it when replayed
  early.push(event);
};
for (const type of TYPES) worker.addEventListener(type, keep);
let taken = false;

/** The worker started here and the events it sent so far, once; null afterwards (a restart makes its own). */
export function takeWorker() {
  if (taken) return null;
  taken = true;
  for (const type of TYPES) worker.removeEventListener(type, keep);
  return { worker, early };
}
