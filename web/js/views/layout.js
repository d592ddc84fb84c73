// What a lesson link does to the page's layout (link.js reads the link): the sections shown and their
// order, controls hidden or fixed, the teacher's note (text only, never HTML), the one message naming what
// the link asked for and the page ignored, and the compact embed mode for an iframe. A fixed control
// keeps its value: whoever enables it again (the form after a run, say) is undone at once.

import { CONTROLS, SECTIONS, ignoredMessage } from "../link.js";

const fieldSelector = (name) => `#train-form [name="${name}"]`;

export class LayoutView {
  constructor() {
    this.main = document.querySelector("main");
    this.note = document.getElementById("link-note");
    this.ignored = document.getElementById("link-ignored");
    this.link = null;
  }

  /** The control's element: a training field by name, or one of link.js's CONTROLS. */
  control(name) {
    return document.querySelector(CONTROLS[name] ?? fieldSelector(name));
  }

  /** What a hidden control takes away: its whole label, or the control itself. */
  box(name) {
    const el = this.control(name);
    return el?.closest("label") ?? el;
  }

  /** Lay the page out as `link` says (link.js parseLink). */
  apply(link) {
    this.link = link;
    if (link.sections) {
      for (const id of SECTIONS) {
        const section = document.getElementById(id);
        if (!link.sections.includes(id)) section.dataset.linkHidden = "true";
        else delete section.dataset.linkHidden;
      }
      for (const id of link.sections) this.main.append(document.getElementById(id)); // in the link's order
    }
    for (const name of link.hide) this.box(name)?.setAttribute("data-link-hidden", "true");
    for (const name of link.fix) this.fix(name);
    if (link.note) {
      this.note.textContent = link.note; // plain text: never parsed as HTML
      this.note.hidden = false;
    }
    if (link.embed) this.embed(link.embed);
    this.say(link.ignored);
  }

  /** The message naming what was ignored (more can be added once the page knows, e.g. a missing exercise). */
  say(ignored) {
    const text = ignoredMessage(ignored);
    this.ignored.textContent = text;
    this.ignored.hidden = text === "";
  }

  /** Fix a control: disabled, and kept so. */
  fix(name) {
    const el = this.control(name);
    if (!el) return;
    const targets = el.matches("input, select, textarea, button, fieldset") ? [el]
      : [...el.querySelectorAll("input, select, textarea, button")];
    for (const t of targets) {
      t.disabled = true;
      t.dataset.fixed = "true";
      t.title = "fixed by this lesson link";
      new MutationObserver(() => { if (!t.disabled) t.disabled = true; })
        .observe(t, { attributes: true, attributeFilter: ["disabled"] });
    }
  }

  /** One section, compact, for an iframe: no header text, no footer, a link to the whole page. */
  embed(id) {
    document.body.classList.add("embed");
    document.body.dataset.embed = id;
    const whole = new URLSearchParams(location.search);
    whole.delete("embed");
    const a = document.getElementById("embed-whole");
    a.href = `${location.pathname}${whole.size ? `?${whole}` : ""}`;
    a.hidden = false;
  }

  /** Is section `id` on the page? */
  shows(id) {
    return !this.link?.sections || this.link.sections.includes(id);
  }

  /** The sections shown, in their order on the page (the share dialog's starting point). */
  shownSections() {
    return [...this.main.querySelectorAll(":scope > section")].map((s) => s.id)
      .filter((id) => SECTIONS.includes(id) && !document.getElementById(id).dataset.linkHidden);
  }
}
