// The lab's worker as seen from the page: started on first use, one check or run at a time, and a Stop
// that asks nicely first (the Python loop reads a flag between steps) and, when the learner's code has
// not returned after a grace period, terminates the worker and starts a fresh one. Requests in flight
// on a terminated worker reject with RESTARTED; the page keeps the editor's code and what it showed.

import { Client, EVENT, LAB_REQUEST } from "./protocol.js";

export const GRACE_MS = 600; // asked to stop, the code gets this long before its worker is replaced
export const RESTARTED = "the lab's Python was restarted";

export class LabHost {
  /** `on[event](msg)` for the lab worker's events (EVENT.STATUS, PROGRESS, EPOCH); `onCrash(message)`
   * when the worker dies by itself (out of memory, say). */
  constructor({ on = {}, onCrash = () => {} } = {}) {
    this.on = on;
    this.onCrash = onCrash;
    this.worker = null;
    this.client = null;
    this.rejects = new Set(); // reject functions of the requests in flight
    this.current = null; // the check or run in flight
    this.restarts = 0;
    this.loaded = false; // has this worker's Python finished loading?
  }

  get started() {
    return this.worker !== null;
  }

  get busy() {
    return this.current !== null;
  }

  start() {
    if (this.worker) return;
    this.worker = new Worker(new URL("./lab-worker.js", import.meta.url), { type: "module" });
    this.client = new Client(this.worker);
    for (const type of [EVENT.STATUS, EVENT.PROGRESS, EVENT.EPOCH]) {
      this.client.on(type, (msg) => this.on[type]?.(msg));
    }
    const worker = this.worker;
    this.loaded = false;
    this.request(LAB_REQUEST.READY).then(() => { if (worker === this.worker) this.loaded = true; }, () => {});
    worker.addEventListener("error", (event) => {
      if (worker !== this.worker) return;
      this.replace(`the lab's Python stopped: ${event.message || "it crashed"}`);
      this.onCrash(event.message || "it crashed");
    });
  }

  request(type, args = {}) {
    this.start();
    return new Promise((resolve, reject) => {
      this.rejects.add(reject);
      this.client.request(type, args).then(resolve, reject).finally(() => this.rejects.delete(reject));
    });
  }

  /** A check or a run: the one thing the lab does at a time. */
  run(type, args) {
    if (this.current) return Promise.reject(new Error("the lab is busy; press Stop first"));
    const done = this.request(type, args);
    this.current = done;
    const clear = () => { if (this.current === done) this.current = null; };
    done.then(clear, clear);
    return done;
  }

  ready() {
    return this.request(LAB_REQUEST.READY);
  }

  /** Stop the check or run: "idle" (nothing ran), "stopped" (it ended by itself within the grace
   * period) or "restarted" (its worker was terminated and a fresh one is loading). */
  async stop(graceMs = GRACE_MS) {
    const current = this.current;
    if (!current) return "idle";
    this.client.request(LAB_REQUEST.STOP).catch(() => {}); // answered only if Python gets a chance
    const ended = current.then(() => true, () => true);
    const late = new Promise((resolve) => setTimeout(() => resolve(false), graceMs));
    if (await Promise.race([ended, late])) return "stopped";
    this.replace(RESTARTED);
    this.start();
    return "restarted";
  }

  /** Terminate the worker; whatever was asked of it rejects with `message`. */
  replace(message) {
    this.worker?.terminate();
    this.worker = this.client = null;
    this.current = null;
    this.loaded = false;
    this.restarts += 1;
    for (const reject of this.rejects) reject(new Error(message));
    this.rejects.clear();
  }
}
