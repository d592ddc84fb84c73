// Draw a digit: a pad for mouse, pen and touch, and what the current network reads in it — the ten
// outputs as bars, the guess as a big digit, and a 28×28 preview of the input the network actually
// gets (the drawing made MNIST-like in Python: backprop.data.preprocess). Keyboard users get "random test
// digit" instead of drawing.
//
// At most one prediction is in flight: strokes that arrive meanwhile mark the pad dirty and are sent
// together when the answer comes, so the bars follow the pen without a queue building up.

import { outputBars } from "../render/bars.js";
import { decodeBase64, digitCanvas } from "../render/digits.js";

export const PAD = 280; // backing-store pixels, whatever the CSS size: what Python preprocesses
export const LINE_WIDTH = 22; // about an MNIST stroke (2–3 of 28 pixels) at this scale

export class DrawView {
  /** predict({ink, width, height}) and predictTestDigit(index) return the worker's answer. */
  constructor({ predict, predictTestDigit }) {
    this.predictDrawing = predict;
    this.predictTestDigit = predictTestDigit;
    this.pad = document.getElementById("draw-pad");
    this.pad.width = this.pad.height = PAD;
    this.ctx = this.pad.getContext("2d", { willReadFrequently: true });
    this.guess = document.getElementById("draw-guess");
    this.bars = document.getElementById("draw-bars");
    this.preview = document.getElementById("draw-preview");
    this.note = document.getElementById("draw-note");
    this.clearButton = document.getElementById("draw-clear");
    this.randomButton = document.getElementById("draw-random");
    this.nTest = 2000;
    this.enabled = false;
    this.inked = false; // anything on the pad?
    this.source = null; // "drawing" | {index}: what the last answer was about
    this.busy = false;
    this.dirtySince = null; // performance.now() of the first stroke not yet predicted
    this.latencies = []; // ms from a stroke segment to the bars showing it (window.__draw)
    this.answered = 0; // answers shown (tests wait on it)
    this.last = null;
    this.clearPad();
    this.listen();
  }

  listen() {
    const at = (e) => {
      const r = this.pad.getBoundingClientRect();
      return [(e.clientX - r.left) * (PAD / r.width), (e.clientY - r.top) * (PAD / r.height)];
    };
    this.pad.addEventListener("pointerdown", (e) => {
      if (!this.enabled || (e.pointerType === "mouse" && e.button !== 0)) return;
      e.preventDefault();
      this.pad.setPointerCapture(e.pointerId);
      this.last = at(e);
      this.segment(this.last, this.last); // a click is a dot
    });
    this.pad.addEventListener("pointermove", (e) => {
      if (!this.last) return;
      // Coalesced events keep fast pen strokes smooth where the browser batches them.
      for (const ev of e.getCoalescedEvents?.() ?? [e]) {
        const p = at(ev);
        this.segment(this.last, p);
        this.last = p;
      }
    });
    const end = () => (this.last = null);
    this.pad.addEventListener("pointerup", end);
    this.pad.addEventListener("pointercancel", end);
    this.clearButton.addEventListener("click", () => this.clear());
    this.randomButton.addEventListener("click", () => this.randomDigit());
  }

  /** `digits`: the test digits are in too (a random one can be shown); before them, drawing only. */
  setEnabled(enabled, digits = enabled) {
    this.enabled = enabled;
    this.clearButton.disabled = !enabled;
    this.randomButton.disabled = !(enabled && digits);
  }

  clearPad() {
    this.ctx.clearRect(0, 0, PAD, PAD);
    this.inked = false;
  }

  clear() {
    this.clearPad();
    this.source = null;
    this.showAnswer(null);
  }

  segment([x0, y0], [x1, y1]) {
    const ctx = this.ctx;
    ctx.strokeStyle = "#000";
    ctx.lineWidth = LINE_WIDTH;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1 + (x0 === x1 && y0 === y1 ? 0.01 : 0), y1); // a zero-length line draws no cap
    ctx.stroke();
    this.inked = true;
    this.source = "drawing";
    this.dirtySince ??= performance.now();
    this.send();
  }

  /** The pad's ink (its alpha channel), one byte a pixel, row by row. */
  ink() {
    const rgba = this.ctx.getImageData(0, 0, PAD, PAD).data;
    const ink = new Uint8Array(PAD * PAD);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i + 3];
    return ink;
  }

  async send() {
    if (this.busy || this.dirtySince === null) return;
    this.busy = true;
    const since = this.dirtySince;
    this.dirtySince = null;
    try {
      const answer = await this.predictDrawing({ ink: this.ink(), width: PAD, height: PAD });
      if (this.source === "drawing") {
        this.showAnswer(answer);
        this.latencies.push(performance.now() - since);
      }
    } catch (e) {
      this.showAnswer(null, e.message);
    } finally {
      this.busy = false;
    }
    if (this.dirtySince !== null) this.send();
  }

  /** Ask again for whatever is shown (the current network changed). */
  async refresh() {
    if (this.source === "drawing" && this.inked) {
      this.dirtySince ??= performance.now();
      this.send();
    } else if (this.source && this.source.index !== undefined) {
      await this.showTestDigit(this.source.index);
    }
  }

  async randomDigit() {
    const index = Math.floor(Math.random() * this.nTest);
    await this.showTestDigit(index);
  }

  async showTestDigit(index) {
    this.source = { index };
    try {
      const answer = await this.predictTestDigit(index);
      if (this.source?.index !== index) return;
      // Put the digit on the pad, so drawing over it is possible too.
      this.clearPad();
      const small = digitCanvas(decodeBase64(answer.input));
      const img = small.getContext("2d").getImageData(0, 0, 28, 28);
      for (let i = 0; i < 784; i++) { // ink as alpha, as the pad holds it
        img.data[4 * i + 3] = 255 - img.data[4 * i];
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = 0;
      }
      small.getContext("2d").putImageData(img, 0, 0);
      this.ctx.imageSmoothingEnabled = true;
      this.ctx.drawImage(small, 0, 0, PAD, PAD);
      this.inked = true;
      this.showAnswer(answer, "", `test digit #${index}, a ${answer.label}`);
    } catch (e) {
      this.showAnswer(null, e.message);
    }
  }

  /** Nothing drawn is waiting for an answer. */
  get idle() {
    return !this.busy && this.dirtySince === null;
  }

  showAnswer(answer, error = "", what = "your drawing") {
    this.answered += 1;
    if (!answer) {
      this.guess.textContent = "?";
      delete this.guess.dataset.digit;
      delete this.guess.dataset.outputs;
      this.guess.setAttribute("aria-label", "no guess yet");
      this.bars.replaceChildren();
      digitCanvas(new Uint8Array(784), 0, this.preview);
      this.note.textContent = error && !/empty/.test(error) ? error : "Draw a digit from 0 to 9 in the box.";
      return;
    }
    this.guess.textContent = String(answer.digit);
    this.guess.dataset.digit = String(answer.digit);
    this.guess.dataset.outputs = JSON.stringify(answer.outputs);
    this.guess.setAttribute("aria-label", `the network reads ${what} as ${answer.digit}`);
    this.bars.replaceChildren(outputBars(answer.outputs));
    digitCanvas(decodeBase64(answer.input), 0, this.preview);
    const sure = answer.outputs[answer.digit];
    this.note.textContent = typeof sure === "number"
      ? `It reads ${what} as ${answer.digit} (output ${sure.toFixed(2)}).`
      : `Its outputs are not numbers (NaN): this network's weights are not finite.`;
  }
}
