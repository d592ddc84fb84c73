// A guided lesson, at the top of the page: where it is in the sequence, a few paragraphs, one question
// answered by doing (with a choice when the question has options), "Check my answer", and the next
// lesson. The lessons done are kept in this browser (localStorage). The judging is lesson-check.js's.

const PROGRESS_KEY = "backprop-lessons-done";

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage blocked (a sandboxed iframe, say): progress lasts for this visit
  }
}

/** The ids of the lessons done, as this browser remembers them. */
export function lessonsDone() {
  try {
    const v = JSON.parse(storage()?.getItem(PROGRESS_KEY) ?? "[]");
    return Array.isArray(v) ? v.filter((x) => typeof x === "string") : [];
  } catch {
    return [];
  }
}

function markDone(id) {
  const done = lessonsDone();
  if (done.includes(id)) return;
  try {
    storage()?.setItem(PROGRESS_KEY, JSON.stringify([...done, id]));
  } catch { /* storage full or blocked */ }
}

const text = (tag, content, className = "") => Object.assign(document.createElement(tag), { textContent: content, className });

export class LessonView {
  /** onCheck(lesson, answer) -> {ok, text}: judges the learner's answer (lesson-check.js, over the page's facts). */
  constructor({ onCheck }) {
    this.onCheck = onCheck;
    this.box = document.getElementById("lesson");
    this.lesson = null;
  }

  /** Show `lesson` (a lesson file's data), the `index` of every lesson ([{id, title}]) for the sequence. */
  show(lesson, index) {
    this.lesson = lesson;
    const at = index.findIndex((l) => l.id === lesson.id);
    const done = lessonsDone();
    const head = text("p", `Guided lesson ${at + 1} of ${index.length} · ${lesson.chapter}`, "lesson-where");
    const h = text("h2", lesson.title);
    h.id = "lesson-title";
    const paragraphs = lesson.text.map((t) => text("p", t, "explain"));
    const question = text("p", lesson.question, "lesson-question");
    question.id = "lesson-question";
    const row = document.createElement("div");
    row.className = "lesson-answer";
    this.choice = null;
    if (lesson.check.options) {
      const label = text("label", "Your answer ", "inline");
      this.choice = document.createElement("select");
      this.choice.id = "lesson-choice";
      this.choice.append(new Option("— choose —", ""), ...lesson.check.options.map((o) => new Option(o, o)));
      label.append(this.choice);
      row.append(label);
    }
    const button = text("button", "Check my answer");
    button.type = "button";
    button.id = "lesson-check";
    button.addEventListener("click", () => this.check());
    this.verdict = text("p", done.includes(lesson.id) ? "You answered this lesson before, in this browser." : "", "lesson-verdict");
    this.verdict.id = "lesson-verdict";
    this.verdict.setAttribute("role", "status");
    row.append(button);
    const nav = document.createElement("p");
    nav.className = "lesson-nav";
    if (lesson.next) {
      const next = text("a", `Next lesson: ${index.find((l) => l.id === lesson.next)?.title ?? lesson.next} →`);
      next.id = "lesson-next";
      next.href = `?lesson=${encodeURIComponent(lesson.next)}`;
      nav.append(next);
    } else {
      nav.append(text("span", "The last lesson. "));
    }
    const list = document.createElement("ol");
    list.className = "lesson-list";
    for (const l of index) {
      const li = document.createElement("li");
      const a = text("a", l.title);
      a.href = `?lesson=${encodeURIComponent(l.id)}`;
      if (l.id === lesson.id) a.setAttribute("aria-current", "page");
      li.append(a);
      if (done.includes(l.id)) li.append(text("span", " ✓", "lesson-done"));
      li.dataset.lesson = l.id;
      list.append(li);
    }
    const all = document.createElement("details");
    all.append(text("summary", "All lessons"), list);
    this.box.replaceChildren(head, h, ...paragraphs, question, row, this.verdict, nav, all);
    this.box.hidden = false;
  }

  /** Say what the page shows an error with the lessons as (a missing file, a bad one). */
  showError(message) {
    this.box.replaceChildren(text("p", message, "error"));
    this.box.hidden = false;
  }

  check() {
    const answer = this.choice ? this.choice.value || null : null;
    const r = this.onCheck(this.lesson, answer);
    this.verdict.textContent = r.text;
    this.verdict.dataset.ok = String(r.ok);
    if (r.ok) {
      markDone(this.lesson.id);
      this.box.querySelector(`li[data-lesson="${this.lesson.id}"]`)?.append(text("span", " ✓", "lesson-done"));
    }
  }
}
