// The status line, the loading steps (Python, numpy, backprop, data, ready) and, on a first visit, a
// bar of the downloads' bytes done and to go (the worker's status events carry them).

const STAGES = ["python", "numpy", "backprop", "data", "ready"];

export class StatusView {
  constructor(box = document.getElementById("status")) {
    this.box = box;
    this.text = box.querySelector("#status-text");
    this.steps = document.getElementById("load-steps");
    this.bar = document.createElement("progress"); // made here: index.html is left as it was
    this.bar.id = "load-progress";
    this.bar.className = "load-progress";
    this.bar.max = 1;
    this.bar.value = 0;
    this.bar.hidden = true;
    this.bar.setAttribute("aria-label", "downloaded so far");
    this.text.after(this.bar);
  }

  /** The downloads' bytes: a bar while some are still to come (none on a visit that has them all). */
  progress(done, total) {
    const going = Number(total) > 0 && done < total && this.box.dataset.state === "loading";
    this.bar.hidden = !going;
    if (going) {
      this.bar.max = total;
      this.bar.value = done;
      this.bar.dataset.done = String(done);
      this.bar.dataset.total = String(total);
    }
  }

  /** state: "loading" | "ready" | "training" | "error"; stage marks the loading steps done so far. */
  set(state, text, stage) {
    this.box.dataset.state = state;
    this.text.textContent = text;
    if (stage && state === "error") {
      // Only the stage that failed is marked: a failed download can end loading before Python is up.
      for (const li of this.steps.children) {
        if (li.dataset.stage === stage) li.dataset.state = "failed";
        else if (li.dataset.state === "active") li.dataset.state = "";
      }
    } else if (stage) {
      const at = STAGES.indexOf(stage);
      for (const li of this.steps.children) {
        const i = STAGES.indexOf(li.dataset.stage);
        li.dataset.state = i < at || stage === "ready" ? "done" : i === at ? "active" : "";
      }
    }
    this.steps.hidden = state !== "loading" && state !== "error";
    if (state !== "loading") this.bar.hidden = true;
  }
}
