// The status line and the loading steps (Python, numpy, backprop, data, ready).

const STAGES = ["python", "numpy", "backprop", "data", "ready"];

export class StatusView {
  constructor(box = document.getElementById("status")) {
    this.box = box;
    this.text = box.querySelector("#status-text");
    this.steps = document.getElementById("load-steps");
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
  }
}
