// A Web Worker that can be stopped hard and started again, for the page's Python (worker.js) and the
// lab's (lab-worker.js). It offers protocol.js's Client API (`request`, `on`) across restarts, so that
// no view ever holds a dead worker: listeners carry over to the next worker, and requests in flight
// when a worker goes fail with one error, WorkerGone (its `reason` says why).
//
// A worker is gone when it dies on its own — an `error` event (an uncaught error, a module that does
// not load), a message it cannot send, or a fatal interpreter error it announces (EVENT.DEAD) — and
// `onDeath(reason, message)` is told; or when the page ends it: `restart()`, or the hard stop,
// `stopWithin()`, which terminates a run that has not ended STOP_GRACE_MS after a cooperative stop.
// A lazy worker starts with its first request (the lab's, on first use) and again after it went.
// What it leaves out: the restart policy and what a new worker is given back (lifecycle.js).

import { Client, EVENT } from "./protocol.js";

export const STOP_GRACE_MS = 700; // after Stop: the cooperative stop's chance, then terminate()

/** Why a request failed: its worker is gone. reason: "stop" | "error" | "fatal" | "restart". */
export class WorkerGone extends Error {
  constructor(reason, message) {
    super(message);
    this.name = "WorkerGone";
    this.reason = reason;
  }
}

export class RestartableWorker {
  /**
   * url: the worker module. onDeath(reason, message): a worker died on its own (not by restart()).
   * first: {worker, early} — a worker of `url` already started (early.js) and the events it has sent
   * so far, handed to the listeners once the current script has registered them. lazy: start at the
   * first request rather than now.
   */
  constructor(url, { onDeath = () => {}, first = null, lazy = false } = {}) {
    this.url = url;
    this.onDeath = onDeath;
    this.listeners = new Map(); // event type -> [fn], given to every worker's client
    this.starts = 0; // workers started so far (1 = the first)
    this.worker = this.client = null;
    if (!lazy) this.start(first);
  }

  get started() {
    return this.worker !== null;
  }

  start(first = null) {
    const worker = first?.worker ?? new Worker(this.url, { type: "module" });
    const client = new Client(worker);
    for (const [type, fns] of this.listeners) for (const fn of fns) client.on(type, fn);
    const failed = (event) => {
      event.preventDefault?.();
      this.died(worker, "error", event.message || "the worker failed to start or stopped with an error");
    };
    const unreadable = () => this.died(worker, "error", "a message from the worker could not be read");
    worker.addEventListener("error", failed);
    worker.addEventListener("messageerror", unreadable);
    client.on(EVENT.DEAD, (msg) => this.died(worker, "fatal", msg.message));
    this.worker = worker;
    this.client = client;
    this.starts += 1;
    if (first?.early.length) {
      // after the script that made this worker has registered its listeners (a microtask runs
      // before any later event of the worker, so the order is kept)
      queueMicrotask(() => {
        for (const event of first.early) {
          if (event.type === "message") client.receive(event.data);
          else if (event.type === "error") failed(event);
          else unreadable();
        }
      });
    }
  }

  died(worker, reason, message) {
    if (worker !== this.worker || this.client.closed) return; // an old worker, or already handled
    this.end(new WorkerGone(reason, message));
    this.onDeath(reason, message);
  }

  /** Terminate the worker; its pending requests fail with `error`. */
  end(error) {
    this.worker?.terminate();
    this.client?.close(error);
    this.worker = this.client = null;
  }

  /** Terminate the worker (its pending requests fail with WorkerGone(reason)) and start another. */
  restart(reason = "restart", message = "Python was restarted") {
    this.end(new WorkerGone(reason, message));
    this.start();
  }

  request(type, args, transfer) {
    if (!this.client) this.start();
    return this.client.request(type, args, transfer);
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
    this.client?.on(type, fn);
  }

  /**
   * The hard stop: wait up to `graceMs` for `running` (the run's promise) to settle after a
   * cooperative stop was asked for; if it has not, terminate the worker and start another (a lazy
   * one: at its next request). Resolves "cooperative" or "terminated" — within graceMs either way.
   */
  async stopWithin(running, { graceMs = STOP_GRACE_MS, message = "the run was stopped by restarting Python" } = {}) {
    let timer;
    const settled = running.then(() => "cooperative", () => "cooperative");
    const late = new Promise((resolve) => (timer = setTimeout(() => resolve("late"), graceMs)));
    const how = await Promise.race([settled, late]);
    clearTimeout(timer);
    if (how === "cooperative") return how;
    this.end(new WorkerGone("stop", message));
    this.start();
    return "terminated";
  }
}
