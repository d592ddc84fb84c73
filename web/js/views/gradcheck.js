// The gradient check, in the page: backprop's ∂C/∂w and ∂C/∂b against central differences on a sample
// of every layer, for the current network and the digit chosen above, with a regulariser in the cost if
// one is chosen; a verdict per layer. A "break backprop" switch puts a known mistake into BP1, BP2 or the
// regulariser's gradient — the menu lists the mistakes that reach the network shown, as Python says —
// and the check fails in the layers it should. Entries on a ReLU kink are skipped, and counted.
// The numbers come from backprop.explain.gradcheck (Python); this only lays them out.

const fmt = (v) => (v === 0 ? "0" : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(6) : v.toExponential(3));

/** A sampled weight's index in its layer's own shape: (j, k) of a dense layer's (n_out, n_in), or
 * (o, c, p, q) of a convolution's kernels (c_out, c_in, k, k), sampled as (o, the rest flattened). */
export function weightIndex(shape, j, k) {
  if (!shape || shape.length !== 4) return [j, k];
  const [, , kh, kw] = shape;
  return [j, Math.floor(k / (kh * kw)), Math.floor(k / kw) % kh, k % kw];
}

export class GradcheckView {
  /** check({mistake, regularization, lmbda}) returns the worker's answer for the chosen digit. */
  constructor({ check }) {
    this.check = check;
    this.out = document.getElementById("gradcheck-out");
    this.mistake = document.getElementById("gradcheck-mistake");
    this.reg = document.getElementById("gradcheck-reg");
    this.lmbda = document.getElementById("gradcheck-lmbda");
    this.button = document.getElementById("gradcheck-button");
    this.shown = false;
    this.button.addEventListener("click", () => this.run());
    for (const input of [this.mistake, this.reg, this.lmbda]) input.addEventListener("change", () => this.shown && this.run());
  }

  /** The mistakes that reach this network ([key, what it does], from Python), the chosen one kept. */
  setMistakes(mistakes) {
    const keep = this.mistake.value;
    this.mistake.replaceChildren(...mistakes.map(([key, text]) => {
      const o = document.createElement("option");
      o.value = key;
      o.textContent = key === "none" ? `no: ${text}` : text;
      return o;
    }));
    this.mistake.value = mistakes.some(([key]) => key === keep) ? keep : "none";
  }

  setEnabled(enabled) {
    this.button.disabled = !enabled;
  }

  refresh() {
    if (this.shown) this.run();
  }

  async run() {
    // a change of menu while a check runs starts another: only the latest answer is shown
    const seq = (this.seq = (this.seq ?? 0) + 1);
    this.out.dataset.busy = "true";
    let r;
    try {
      const lmbda = Number(this.lmbda.value);
      r = await this.check({ mistake: this.mistake.value, regularization: this.reg.value,
        lmbda: Number.isFinite(lmbda) && lmbda >= 0 ? lmbda : 0 });
    } catch (e) {
      if (seq !== this.seq) return;
      delete this.out.dataset.busy;
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = e.message;
      this.out.replaceChildren(p);
      return;
    }
    if (seq !== this.seq) return;
    delete this.out.dataset.busy;
    this.shown = true;
    this.setMistakes(r.mistakes);
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
        const name = kind === "w" ? `w[${layer.l}][${weightIndex(layer.w_shape, j, k).join(", ")}]` : `b[${layer.l}][${j}]`;
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
    const cost = r.regularization === "none" || !r.lmbda ? "C = C_x"
      : `C = C_x + ${r.regularization === "l2" ? "(λ/2n)Σw²" : "(λ/n)Σ|w|"} with λ = ${r.lmbda}, n = ${r.n}`;
    const skipped = r.skipped ? ` ${r.skipped} sampled entr${r.skipped === 1 ? "y" : "ies"} sat on a kink ` +
      "(moving it by ±2ε switched a ReLU unit on or off, changed which entry of a max-pooling window is its " +
      "maximum, or took a weight across 0 where L1’s |w| bends, so " +
      "the differences measure a corner, not a slope) and " +
      `w${r.skipped === 1 ? "as" : "ere"} skipped.` : "";
    note.textContent = `${r.what}, target ${r.label}; ${cost}. Central differences: [8(C(p+ε) − C(p−ε)) − ` +
      `(C(p+2ε) − C(p−2ε))] / 12ε with ε = ${r.eps}, on up to ${Math.max(...r.layers.map((l) => l.rows.length))} ` +
      `sampled parameters per layer.${skipped}`;
    note.dataset.skipped = String(r.skipped);
    this.out.replaceChildren(verdict, note, ...tables);
  }
}
