// The lab: the exercises (write backprop; softmax's BP1; a ReLU layer's BP2; dropout's backward pass;
// the momentum update; a convolution's and max-pooling's backward pass), a CodeMirror editor for the learner's code (kept in localStorage per exercise,
// reset to the skeleton, downloaded as a .py file), each exercise's "find the bug" versions, and what
// the check says — a verdict per layer, the hint, the per-layer table of relative errors, the failing
// line marked in the editor (a layer exercise's report has a row and a verdict per quantity — ∂C/∂b,
// ∂C/∂w, δ below — instead of per layer). It knows nothing of workers: main.js hands it onCheck / onTrain / onStop /
// onFirstUse.

import {
  Decoration, EditorState, EditorView, StateEffect, StateField, bracketMatching, defaultHighlightStyle,
  defaultKeymap, drawSelection, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars, history,
  historyKeymap, indentOnInput, indentUnit, indentWithTab, keymap, lineNumbers, pythonLanguage, syntaxHighlighting,
} from "../../vendor/codemirror.js";

export const STORAGE_KEY = "backprop-lab-code"; // the first exercise's, as before there were more
const EXERCISE_KEY = "backprop-lab-exercise";
const codeKey = (exercise) => (exercise === "backprop" ? STORAGE_KEY : `${STORAGE_KEY}-${exercise}`);
const fmt = new Intl.NumberFormat("en-US");

// The line where the learner's code failed, marked until the text changes.
const setErrorLine = StateEffect.define();
const errorLine = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    if (tr.docChanged) marks = Decoration.none;
    for (const e of tr.effects) {
      if (!e.is(setErrorLine)) continue;
      const n = e.value;
      marks = n && n <= tr.state.doc.lines
        ? Decoration.set([Decoration.line({ class: "cm-error-line" }).range(tr.state.doc.line(n).from)])
        : Decoration.none;
    }
    return marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked (a privacy setting): the lab still works, without memory
  }
}

const err = (x) => (x === 0 ? "0" : x.toExponential(1));

// The page's stylesheet does not reach into the editor's shadow root: its look is set here.
const labTheme = EditorView.theme({
  "&": { maxHeight: "min(720px, 75vh)", fontSize: "0.9rem", backgroundColor: "#fff" },
  "&.cm-focused": { outline: "2px solid #2563eb", outlineOffset: "-1px" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", lineHeight: "1.45" },
  ".cm-error-line": { backgroundColor: "#fee2e2" },
});

// A layer exercise's table: a row per quantity of each case (its error against differences, the library).
function quantityHead() {
  const head = document.createElement("thead");
  const tr = head.insertRow();
  for (const text of ["case", "quantity", "vs differences", "vs library", "verdict"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = text;
    tr.append(th);
  }
  return head;
}

function quantityRow(c, row, i) {
  const tr = document.createElement("tr");
  tr.dataset.ok = row.ok;
  tr.dataset.quantity = row.layer;
  const cells = [i === 0 ? c.name : "", `${row.quantity} (${row.shape.join("×")})`, err(row.numeric), err(row.library),
    row.ok ? "pass" : "fail"];
  for (const [j, text] of cells.entries()) {
    const td = document.createElement(j === 0 ? "th" : "td");
    if (j === 0) td.scope = "row";
    td.textContent = text;
    if (j === 2) td.dataset.bad = String(!row.numeric_ok);
    if (j === 3) td.dataset.bad = String(!row.library_ok);
    if (j === 4) td.className = row.ok ? "pass" : "fail";
    tr.append(td);
  }
  return tr;
}

export class LabView {
  constructor({ onCheck, onTrain, onStop, onFirstUse }) {
    this.el = (id) => document.getElementById(id);
    this.texts = { skeleton: "", bugs: [], exercises: [] };
    this.exercise = null; // the exercise shown: {key, title, intro, signature, trains, skeleton, bugs}
    this.exerciseSelect = this.el("lab-exercise");
    this.intro = this.el("lab-intro");
    this.checkButton = this.el("lab-check");
    this.trainButton = this.el("lab-train");
    this.stopButton = this.el("lab-stop");
    this.bugSelect = this.el("lab-bug");
    this.statusText = this.el("lab-status");
    this.story = this.el("lab-story");
    this.result = this.el("lab-result");
    this.firstUse = onFirstUse;
    this.busy = false;
    this.layerHead = this.el("lab-table").tHead.cloneNode(true); // index.html's per-layer columns

    // The editor lives in a shadow root: CodeMirror then styles it with constructed style sheets
    // instead of inserting <style> elements, which the page's Content-Security-Policy forbids.
    const shadow = this.el("lab-editor").attachShadow({ mode: "open" });
    this.editor = new EditorView({
      parent: shadow,
      root: shadow,
      state: this.state(storage()?.getItem(codeKey(storage()?.getItem(EXERCISE_KEY) ?? "backprop")) ?? ""),
    });
    this.exerciseSelect.addEventListener("change", () => this.selectExercise(this.exerciseSelect.value));
    this.el("lab-editor").addEventListener("focusin", () => this.firstUse(), { once: true });

    this.checkButton.addEventListener("click", () => { this.firstUse(); onCheck(this.code, this.exercise); });
    this.trainButton.addEventListener("click", () => { this.firstUse(); onTrain(this.code, this.exercise); });
    this.stopButton.addEventListener("click", () => onStop());
    this.el("lab-load-bug").addEventListener("click", () => this.loadBug(this.bugSelect.value));
    this.el("lab-reset").addEventListener("click", () => {
      this.setCode(this.exercise?.skeleton ?? this.texts.skeleton);
      this.story.textContent = "";
      this.clearResult();
      this.say("idle", "Back to the skeleton. Your previous code is gone (download it first to keep it).");
    });
    this.el("lab-download").addEventListener("click", () => this.download());
    this.setBusy(false);
  }

  state(doc) {
    return EditorState.create({
      doc,
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), drawSelection(),
        indentUnit.of("    "), EditorState.tabSize.of(4), pythonLanguage.extension, indentOnInput(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }), bracketMatching(), highlightActiveLine(),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]), errorLine, labTheme,
        EditorView.contentAttributes.of({ "aria-label": "your backprop, in Python" }),
        EditorView.updateListener.of((u) => { if (u.docChanged) this.save(); }),
      ],
    });
  }

  /** The exercises with their skeletons and bugs (js/lab.json, written by build.py); a first visit opens
   * the first exercise on its skeleton, a later one the exercise and the code it left. */
  setTexts(texts) {
    const exercises = texts.exercises ?? [{ key: "backprop", title: "Write backprop", intro: "", trains: {}, ...texts }];
    this.texts = { ...texts, exercises };
    this.exerciseSelect.replaceChildren(...exercises.map((e) => new Option(e.title, e.key)));
    const kept = storage()?.getItem(EXERCISE_KEY);
    this.selectExercise(exercises.some((e) => e.key === kept) ? kept : exercises[0].key, { keepCode: true });
  }

  /** Show one exercise: its intro, its bugs, the code kept for it (or its skeleton). */
  selectExercise(key, { keepCode = false } = {}) {
    const ex = this.texts.exercises.find((e) => e.key === key);
    if (!ex) return;
    this.exercise = ex;
    this.exerciseSelect.value = key;
    try {
      storage()?.setItem(EXERCISE_KEY, key);
    } catch { /* storage blocked: the choice lasts for this visit */ }
    this.intro.textContent = `${ex.intro} You write ${ex.signature}.` +
      (ex.trains ? "" : " This one is checked, not trained.");
    this.intro.dataset.exercise = key;
    this.bugSelect.replaceChildren(...ex.bugs.map((b) => new Option(b.title, b.id)));
    this.el("lab-load-bug").disabled = ex.bugs.length === 0;
    this.story.textContent = "";
    if (!keepCode || !this.code.trim()) {
      const kept = storage()?.getItem(codeKey(key));
      this.setCode(kept && kept.trim() ? kept : ex.skeleton);
    }
    this.clearResult();
    this.setBusy(this.busy);
  }

  get code() {
    return this.editor.state.doc.toString();
  }

  setCode(text) {
    this.editor.dispatch({ changes: { from: 0, to: this.editor.state.doc.length, insert: text } });
    this.save();
  }

  save() {
    try {
      storage()?.setItem(codeKey(this.exercise?.key ?? "backprop"), this.code);
    } catch {
      /* storage full or blocked: the code stays in the editor */
    }
  }

  loadBug(id) {
    const bug = (this.exercise?.bugs ?? this.texts.bugs).find((b) => b.id === id);
    if (!bug) return;
    this.setCode(bug.code);
    this.story.textContent = `${bug.title}: ${bug.story} Find it, fix it, press Check.`;
    this.story.dataset.bug = id;
    this.clearResult();
    this.say("idle", "A broken version is in the editor. Check says what is wrong, and when it is fixed.");
  }

  download() {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([this.code], { type: "text/x-python" }));
    a.download = this.exercise && this.exercise.key !== "backprop" ? `my_${this.exercise.key}.py` : "my_backprop.py";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  /** state: idle | working | pass | fail | error | stopped. */
  say(state, text) {
    this.statusText.dataset.state = state;
    this.statusText.textContent = text;
  }

  setBusy(busy) {
    this.busy = busy;
    this.checkButton.disabled = busy;
    this.trainButton.disabled = busy || this.exercise?.trains === null;
    this.trainButton.title = this.exercise?.trains === null ? "this exercise is checked, not trained" : "";
    this.stopButton.disabled = !busy;
  }

  markLine(line) {
    this.editor.dispatch({ effects: setErrorLine.of(line ?? null) });
    if (line && line <= this.editor.state.doc.lines) {
      this.editor.dispatch({ effects: EditorView.scrollIntoView(this.editor.state.doc.line(line).from, { y: "center" }) });
    }
  }

  clearResult() {
    this.result.hidden = true;
    this.result.dataset.ok = "";
    this.markLine(null);
  }

  /** The check's report (backprop.lab.check.check_steps): verdicts, hint, table, the failing line. */
  showReport(report) {
    this.result.hidden = false;
    this.result.dataset.ok = report.ok ? "true" : "false";
    const quantities = report.quantities ?? null; // a layer exercise: {key: "∂C/∂w", …} in the check's order
    const unit = quantities ? "quantity" : "layer";
    const verdicts = this.el("lab-verdicts");
    verdicts.setAttribute("aria-label", `verdict per ${unit}`);
    verdicts.replaceChildren(...Object.entries(report.verdicts)
      .sort(([a], [b]) => (quantities ? 0 : a - b))
      .map(([layer, v]) => {
        const li = document.createElement("li");
        li.dataset.layer = layer;
        li.dataset.verdict = v;
        li.textContent = `${quantities ? quantities[layer] ?? layer : `layer ${layer}`}: ${v}`;
        return li;
      }));
    const hint = this.el("lab-hint");
    const first = !this.exercise || this.exercise.key === "backprop";
    const against = quantities ? "library's layer" : `library's${first ? ", under both costs" : ""}`;
    hint.textContent = report.ok ? `Every ${unit} passes: your code agrees with central differences and with the ` +
      `${against}.${this.exercise?.trains === null ? "" : " Now train with it."}` : report.hint;
    hint.dataset.kind = report.error?.kind ?? (report.ok ? "pass" : "fail");
    this.showTable(report.cases, quantities);
    if (report.tolerance) { // Python's, not a copy
      for (const el of document.querySelectorAll(".lab-tolerance")) el.textContent = report.tolerance.toExponential(0);
    }
    this.showPrinted(report.printed);
    this.markLine(report.error?.line);
    if (report.stopped) this.say("stopped", "Stopped before the check finished.");
    else if (report.ok) this.say("pass", `pass — every ${unit}`);
    else if (report.error) this.say("error", report.error.line ? `fail — an error on line ${report.error.line}` : "fail");
    else this.say("fail", `fail — see the ${quantities ? "quantities" : "layers"} below`);
  }

  showTable(cases, quantities = null) {
    const table = this.el("lab-table");
    table.tHead.replaceWith(quantities ? quantityHead() : this.layerHead.cloneNode(true));
    const note = quantities ? "lab-quantity-note" : "lab-table-note";
    this.el("lab-table-note").hidden = Boolean(quantities);
    this.el("lab-quantity-note").hidden = !quantities;
    table.setAttribute("aria-describedby", note);
    const body = document.createElement("tbody");
    for (const c of cases) {
      if (quantities) {
        c.layers.forEach((row, i) => body.append(quantityRow(c, row, i)));
        continue;
      }
      c.layers.forEach((row, i) => {
        const tr = document.createElement("tr");
        tr.dataset.ok = row.ok;
        const cells = [i === 0 ? c.name : "", `${row.layer}${row.output ? " (output)" : ""}`,
          err(row.b_numeric), err(row.b_library), err(row.w_numeric), err(row.w_library), row.ok ? "pass" : "fail"];
        for (const [j, text] of cells.entries()) {
          const td = document.createElement(j === 0 ? "th" : "td");
          if (j === 0) td.scope = "row";
          td.textContent = text;
          if (j >= 2 && j <= 5) td.dataset.bad = String((j < 4 ? !row.b_ok : !row.w_ok));
          if (j === 6) td.className = row.ok ? "pass" : "fail";
          tr.append(td);
        }
        body.append(tr);
      });
    }
    table.tBodies[0]?.remove();
    table.append(body);
    table.hidden = cases.length === 0;
  }

  showPrinted(lines) {
    const box = this.el("lab-printed");
    box.hidden = !lines?.length;
    box.querySelector("pre").textContent = (lines ?? []).join("\n");
  }

  /** A run with the learner's backprop: its progress, its end. */
  showProgress(p) {
    this.say("working", `Training with your backprop: epoch ${p.epoch} of ${p.epochs} · mini-batch ` +
      `${fmt.format(p.batch)} of ${fmt.format(p.n_batches)} · ${fmt.format(Math.round(p.examples_per_s))} examples/s`);
  }

  /** chart: is the chart (section 4) on the page, to point at? */
  showRunEnd(s, label, chart = true) {
    this.showPrinted(s.printed);
    if (s.error) {
      this.markLine(s.error.line);
      this.say("error", `The run stopped: ${s.error.message}`);
      return;
    }
    const acc = `test accuracy ${(100 * s.test_accuracy).toFixed(1)} %`;
    const speed = s.speed ? ` Speed of one SGD step on the same batches: yours ${fmt.format(Math.round(s.speed.yours))} ` +
      `examples/s, the library's ${fmt.format(Math.round(s.speed.library))} examples/s.` : "";
    this.say(s.stopped ? "stopped" : "pass", `${s.stopped ? "Stopped" : "Done"}: ${s.epochs_done} epoch` +
      `${s.epochs_done === 1 ? "" : "s"} with your backprop, ${acc} (${label}${chart ? ", on the chart above" : ""}).${speed}`);
  }
}
