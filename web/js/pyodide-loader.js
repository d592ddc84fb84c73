// Loading Pyodide, shared by the page's worker (worker.js) and the lab's (lab-worker.js): fetches that
// fail with the URL, a HEAD preflight of Pyodide's core files, loadPyodide under our own timeout (it
// never settles when WebAssembly is blocked), numpy with its download errors collected, the backprop
// archive unpacked onto sys.path, and a next-task promise that lets a queued "stop" message in.

export class StageError extends Error {
  constructor(stage, message) {
    super(message);
    this.stage = stage;
  }
}

/** Run `fn`, turning any failure into a StageError that says what was being loaded. */
export async function stage(name, what, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StageError) throw e;
    throw new StageError(name, `${what} failed: ${shortError(e)}`);
  }
}

/** The last line of a Python traceback is the message a person needs; keep JS messages whole. */
export function shortError(e) {
  const text = String(e && e.message ? e.message : e).trim();
  if (text.startsWith("Traceback")) {
    const lines = text.split("\n").filter((l) => l.trim());
    return lines[lines.length - 1];
  }
  return text;
}

export function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function fetchOk(url, as) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch ${url} (${shortError(e)})`);
  }
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status} ${response.statusText}`.trim());
  return as === "text" ? response.text() : as === "json" ? response.json() : response.arrayBuffer();
}

// A promise that resolves on the next event-loop task (not a microtask), so that a "stop" message
// already queued for this worker is delivered before Python continues. MessageChannel avoids the
// 4 ms clamp of nested setTimeout(0).
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
export function nextTask() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

// Pyodide's core files, asked for with HEAD first: a missing pyodide.asm.wasm otherwise makes
// loadPyodide hang until our timeout instead of failing with a clear message.
const PYODIDE_CORE = ["pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"];

export async function preflight(indexURL) {
  await Promise.all(PYODIDE_CORE.map(async (name) => {
    const href = new URL(name, indexURL).href;
    let response;
    try {
      response = await fetch(href, { method: "HEAD" });
    } catch (e) {
      throw new Error(`could not reach ${href} (${shortError(e)})`);
    }
    if (!response.ok) throw new Error(`${href} answered HTTP ${response.status}`);
  }));
}

/**
 * loadPyodide with our own timeout (it never settles when WebAssembly is blocked); `onStatus(text)` hears
 * every 5 s that it is still working; `stdout(line)` gets what Python prints.
 */
export async function startPyodide(indexURL, { timeoutMs = 60_000, onStatus = () => {}, stdout = () => {} } = {}) {
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  const started = performance.now();
  const ticker = setInterval(() => {
    const s = Math.round((performance.now() - started) / 1000);
    onStatus(`loading Python (Pyodide)… still working after ${s} s`);
  }, 5000);
  try {
    return await withTimeout(
      loadPyodide({ indexURL, stdout, stderr: (line) => console.warn(line) }),
      timeoutMs,
      `no answer after ${timeoutMs / 1000} s (is WebAssembly blocked here, e.g. by a Content-Security-Policy?)`,
    );
  } finally {
    clearInterval(ticker);
  }
}

/** numpy, checked: loadPackage resolves even when a download failed, so collect its errors and import. */
export async function loadNumpy(pyodide) {
  const problems = [];
  await pyodide.loadPackage("numpy", { messageCallback: () => {}, errorCallback: (m) => problems.push(m) });
  if (problems.length) throw new Error(problems.join("; "));
  pyodide.runPython("import numpy");
}

/** The backprop package's archive (bytes) unpacked into `dir`, which goes first on sys.path. */
export function installPackage(pyodide, zip, dir) {
  pyodide.unpackArchive(zip, "zip", { extractDir: dir });
  pyodide.runPython(`import sys\nif ${JSON.stringify(dir)} not in sys.path: sys.path.insert(0, ${JSON.stringify(dir)})`);
}
