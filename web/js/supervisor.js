// The worker's life: start it, notice when it dies — an `error` event (an uncaught error, a module
// that does not load), a message it cannot send, or a fatal interpreter error it announces
// (EVENT.DEAD) — and start another; and the hard stop: a run that has not ended a grace period after
// Stop ends with the worker's termination. It offers protocol.js's Client API (`request`, `on`)
// across restarts, so that views never hold a dead worker: requests in flight when a worker goes
// fail with a WorkerGone error, listeners carry over to the next worker.
//
// What it leaves out: what to give back to a new worker (main.js replays the networks it keeps) and
// the lab's own worker (js/lab-worker.js), which has a life of its own.

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

export class Supervisor {
  /**
   * url: the worker module; onDeath(reason, message): a worker died on its own (not by restart()).
   * first: {worker, early} — a worker of `url` already started (early.js) and the events it has sent
   * so far, handed to the listeners once the current script has registered them.
   */
  constructor(url, { onDeath = () => {}, first = null } = {}) {
    this.url = url;
    this.onDeath = onDeath;
    this.listeners = new Map(); // event type -> [fn], given to every worker's client
    this.starts = 0; // workers started so far (1 = the first)
    this.start(first);
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
      // after the script that made this supervisor has registered its listeners (a microtask runs
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

  end(error) {
    this.worker.terminate();
    this.client.close(error);
  }

  /** Terminate the worker (its pending requests fail with WorkerGone(reason)) and start another. */
  restart(reason = "restart", message = "Python was restarted") {
    this.end(new WorkerGone(reason, message));
    this.start();
  }

  request(type, args, transfer) {
    return this.client.request(type, args, transfer);
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
    this.client.on(type, fn);
  }

  /**
   * The hard stop: wait up to `graceMs` for `running` (the run's promise) to settle after a
   * cooperative stop was asked for; if it has not, terminate the worker and start another. Resolves
   * "cooperative" or "terminated" — within graceMs either way.
   */
  async stopWithin(running, graceMs = STOP_GRACE_MS) {
    let timer;
    const settled = running.then(() => "cooperative", () => "cooperative");
    const late = new Promise((resolve) => (timer = setTimeout(() => resolve("late"), graceMs)));
    const how = await Promise.race([settled, late]);
    clearTimeout(timer);
    if (how === "cooperative") return how;
    this.restart("stop", "the run was stopped by restarting Python");
    return "terminated";
  }
}
