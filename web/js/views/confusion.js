// The confusion matrix of the current network on the test digits: rows are true labels, columns the
// network's guesses; the diagonal (right) is green, the rest (wrong) red, darker for more digits.
// A cell (click or Enter) lists its digits, the most confidently wrong first, each with its outputs.

import { outputBars } from "../render/bars.js";
import { decodeBase64, digitFigure } from "../render/digits.js";

const fmt = new Intl.NumberFormat("en-US");

/** Background and text colour of a cell: share of its row, on a light-to-dark scale. */
function cellColours(count, rowTotal, diagonal) {
  if (count === 0) return ["#ffffff", "#9ca3af"];
  const t = Math.sqrt(count / Math.max(1, rowTotal)); // sqrt: a few errors still show
  const [hue, sat] = diagonal ? [152, 60] : [0, 72];
  const light = 96 - 62 * t;
  return [`hsl(${hue} ${sat}% ${light}%)`, light < 58 ? "#ffffff" : "#111827"];
}

export class ConfusionView {
  /** cell(trueLabel, predicted) returns the worker's answer: that cell's digits. */
  constructor({ cell }) {
    this.cell = cell;
    this.table = document.getElementById("confusion-table");
    this.caption = this.table.querySelector("caption");
    this.summary = document.getElementById("confusion-summary");
    this.list = document.getElementById("confusion-cell");
    this.selected = null; // [true, predicted]
    this.table.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-true]");
      if (b) this.open(+b.dataset.true, +b.dataset.predicted);
    });
  }

  show(data) {
    this.data = data;
    const m = data.matrix;
    const head = document.createElement("tr");
    head.append(document.createElement("th"));
    for (let p = 0; p < 10; p++) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = String(p);
      head.append(th);
    }
    const rows = m.map((row, t) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = String(t);
      tr.append(th);
      const rowTotal = row.reduce((a, b) => a + b, 0);
      row.forEach((count, p) => {
        const td = document.createElement("td");
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.true = String(t);
        b.dataset.predicted = String(p);
        b.dataset.count = String(count);
        b.textContent = String(count);
        b.className = t === p ? "diagonal" : "off";
        const [bg, ink] = cellColours(count, rowTotal, t === p);
        b.style.background = bg;
        b.style.color = ink;
        b.setAttribute("aria-label", `${count} digit${count === 1 ? "" : "s"} labelled ${t} read as ${p}`);
        b.disabled = count === 0;
        td.append(b);
        tr.append(td);
      });
      return tr;
    });
    const thead = document.createElement("thead");
    thead.append(head);
    const tbody = document.createElement("tbody");
    tbody.append(...rows);
    this.table.replaceChildren(this.caption, thead, tbody);
    this.table.dataset.which = data.which;
    this.table.dataset.total = String(data.total);
    this.summary.dataset.correct = String(data.correct);
    this.summary.dataset.total = String(data.total);
    this.summary.textContent = `${fmt.format(data.correct)} of ${fmt.format(data.total)} test digits on the diagonal: ` +
      `accuracy ${(100 * data.accuracy).toFixed(2)} %.${data.running ? " (Training: updated every epoch.)" : ""}`;
    if (this.selected) this.open(...this.selected);
  }

  async open(t, p) {
    this.selected = [t, p];
    for (const b of this.table.querySelectorAll("button[data-true]")) {
      b.classList.toggle("selected", +b.dataset.true === t && +b.dataset.predicted === p);
    }
    let answer;
    try {
      answer = await this.cell(t, p);
    } catch (e) {
      this.list.textContent = e.message;
      return;
    }
    if (this.selected[0] !== t || this.selected[1] !== p) return;
    const pixels = decodeBase64(answer.pixels);
    const head = document.createElement("p");
    head.className = "cell-head";
    const shown = answer.labels.length < answer.count ? ` (the first ${answer.labels.length})` : "";
    head.textContent = t === p
      ? `${fmt.format(answer.count)} digits labelled ${t} and read as ${p}, most confident first${shown}:`
      : `${fmt.format(answer.count)} digits labelled ${t} but read as ${p}, most confidently wrong first${shown}:`;
    const items = answer.labels.map((label, i) => digitFigure(pixels, i, {
      className: t === p ? "digit cell-digit" : "digit cell-digit wrong", data: { index: answer.indices[i], label },
      label: `test digit ${answer.indices[i]}, labelled ${label}, read as ${p}`, caption: `#${answer.indices[i]}`,
      extra: [outputBars(answer.outputs[i], { compact: true })],
    }));
    const grid = document.createElement("div");
    grid.className = "cell-digits";
    grid.append(...items);
    this.list.replaceChildren(head, grid);
    this.list.dataset.true = String(t);
    this.list.dataset.predicted = String(p);
    this.list.dataset.count = String(answer.count);
  }
}
