// A strip of test digits with the current network's guesses; wrong ones marked (border, colour and
// the struck-through true label), paged with ◀ ▶.

import { decodeBase64, digitFigure } from "../render/digits.js";

export const STRIP_COUNT = 24;

export class StripView {
  constructor({ onPage }) {
    this.box = document.getElementById("strip");
    this.prev = document.getElementById("strip-prev");
    this.next = document.getElementById("strip-next");
    this.start = 0;
    this.nTest = 2000;
    const span = () => this.nTest - (this.nTest % STRIP_COUNT) || this.nTest;
    this.next.addEventListener("click", () => {
      this.start = (this.start + STRIP_COUNT) % span();
      onPage(this.start);
    });
    this.prev.addEventListener("click", () => {
      this.start = (this.start - STRIP_COUNT + span()) % span();
      onPage(this.start);
    });
  }

  setEnabled(enabled) {
    this.prev.disabled = this.next.disabled = !enabled;
  }

  show(strip) {
    const pixels = decodeBase64(strip.pixels);
    const items = strip.labels.map((label, i) => {
      const pred = strip.predictions[i];
      const ok = pred === label;
      const guess = document.createElement("b");
      guess.textContent = String(pred);
      const caption = [guess];
      if (!ok) {
        const truth = document.createElement("s");
        truth.title = "true label";
        truth.textContent = String(label);
        caption.push(truth);
      }
      const fig = digitFigure(pixels, i, {
        className: ok ? "digit" : "digit wrong", data: { label, prediction: pred }, caption,
        label: `test digit ${strip.start + i}: a ${label}, read as ${pred}${ok ? "" : " (wrong)"}`,
      });
      fig.lastChild.title = `${ok ? "right" : "wrong"}: predicted ${pred} (confidence ${(strip.confidence[i] ?? NaN).toFixed(2)}), true label ${label}`;
      return fig;
    });
    this.box.replaceChildren(...items);
    this.box.dataset.which = strip.which;
    this.box.dataset.start = strip.start;
    const wrong = items.filter((f) => f.classList.contains("wrong")).length;
    const whose = { model: "The shipped model's", trained: "Your network's", file: "Your file's network's" }[strip.which];
    document.getElementById("strip-title").textContent =
      `${whose} guesses on test digits ${strip.start + 1}–${strip.start + items.length}`;
    document.getElementById("strip-caption").textContent = `${items.length - wrong} of ${items.length} right. ` +
      "Big number: the network's guess; red, struck-through: the true label of a wrong guess.";
  }
}
