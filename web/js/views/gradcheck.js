// The gradient check, in the page: backprop's ∂C/∂w and ∂C/∂b against central differences on a sample
// of every layer, for the current network and the digit chosen above; a verdict per layer. A "break
// backprop" switch puts a known mistake into BP1 or BP2 and the check fails in the layers it should.
// The numbers come from backprop.explain.gradcheck (Python); this only lays them out.

const fmt = (v) => (v === 0 ? "0" : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(6) : v.toExponential(3));

export class GradcheckView {
  /** check(mistake) returns the worker's answer for the chosen digit. */
  constructor({ check }) {
    this.check = check;
    this.out = document.getElementById("gradcheck-out");
    this.mistake = document.getElementById("gradcheck-mistake");
    this.button = document.getElementById("gradcheck-button");
    this.shown = false;
    this.button.addEventListener("click", () => this.run());
    this.mistake.addEventListener("change", () => this.shown && this.run());
  }

  setEnabled(enabled) {
    this.button.disabled = !enabled;
  }

  refresh() {
    if (this.shown) this.run();
  }

  async run() {
    let r;
    try {
      r = await this.check(this.mistake.value);
    } catch (e) {
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = e.message;
      this.out.replaceChildren(p);
      return;
    }
    this.shown = true;
    const verdict = document.createElement("p");
    verdict.className = `verdict ${r.ok ? "pass" : "fail"}`;
    verdict.id = "gradcheck-verdict";
    verdict.dataset.ok = String(r.ok);
    verdict.textContent = r.ok
      ? `Pass: backprop agrees with central differences in every layer (relative error ≤ ${r.tolerance}).`
      : `Fail in layer${r.layers.filter((l) => !l.ok).length > 1 ? "s" : ""} ${r.layers.filter((l) => !l.ok).map((l) => l.l).join(", ")}: ` +
        "backprop and central differences disagree there.";
    const tables = r.layers.map((layer) => {
      const box = document.createElement("div");
      box.className = `gc-layer ${layer.ok ? "pass" : "fail"}`;
      box.dataset.l = String(layer.l);
      box.dataset.ok = String(layer.ok);
      const h = document.createElement("h4");
      h.textContent = `Layer ${layer.l}: ${layer.ok ? "✓ pass" : "✗ fail"} — largest relative error ${fmt(layer.max_error)}`;
      const table = document.createElement("table");
      table.className = "gc-table";
      const head = document.createElement("tr");
      for (const t of ["parameter", "backprop", "central difference", "relative error"]) {
        const th = document.createElement("th");
        th.textContent = t;
        head.append(th);
      }
      table.append(head);
      for (const [kind, j, k, b, n, e] of layer.rows) {
        const tr = document.createElement("tr");
        tr.className = e <= r.tolerance ? "ok" : "bad";
        const name = kind === "w" ? `w[${layer.l}][${j}, ${k}]` : `b[${layer.l}][${j}]`;
        for (const text of [name, fmt(b), fmt(n), fmt(e)]) {
          const td = document.createElement("td");
          td.textContent = text;
          tr.append(td);
        }
        table.append(tr);
      }
      box.append(h, table);
      return box;
    });
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = `${r.what}, target ${r.label}. Central differences: [8(C(p+ε) − C(p−ε)) − (C(p+2ε) − C(p−2ε))] / 12ε ` +
      `with ε = ${r.eps}, on ${r.layers[0].rows.length} sampled parameters per layer.`;
    this.out.replaceChildren(verdict, note, ...tables);
  }
}
