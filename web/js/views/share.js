// "Share this set-up": a dialog that builds a lesson link (link.js) from the page as it is — the sections
// shown and their order, the controls to hide or fix, a note, the training settings of section 3, the
// lab's exercise — with a copy button, and the iframe snippet when the link embeds one section.

import { CONTROLS, NOTE_MAX, SECTIONS, buildLink } from "../link.js";

function make(tag, props, children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

export class ShareView {
  /** layout: the LayoutView (what is shown now); settingsQuery(): the form's settings as a query, or "";
   * fieldNames: the training fields' names; exercise(): the lab's exercise key, or null. */
  constructor({ layout, settingsQuery, fieldNames, exercise }) {
    this.layout = layout;
    this.settingsQuery = settingsQuery;
    this.exercise = exercise;
    this.controls = [...fieldNames, ...Object.keys(CONTROLS)];
    this.dialog = document.getElementById("share-dialog");
    this.sections = document.getElementById("share-sections");
    this.table = document.getElementById("share-controls");
    this.note = document.getElementById("share-note");
    this.note.maxLength = NOTE_MAX;
    this.embed = document.getElementById("share-embed");
    this.settings = document.getElementById("share-settings");
    this.out = document.getElementById("share-link");
    this.snippet = document.getElementById("share-snippet");
    this.copied = document.getElementById("share-copied");
    document.getElementById("share-button").addEventListener("click", () => this.open());
    document.getElementById("share-close").addEventListener("click", () => this.dialog.close());
    document.getElementById("share-copy").addEventListener("click", () => this.copy());
    this.dialog.addEventListener("input", () => this.update());
    this.dialog.addEventListener("change", () => this.update());
    this.embed.replaceChildren(new Option("no: the page", ""), ...SECTIONS.map((id) => new Option(this.title(id), id)));
  }

  title(id) {
    return document.getElementById(id).querySelector("h2").textContent.trim();
  }

  /** The dialog, filled from the page as it is now. */
  open() {
    const shown = this.layout.shownSections();
    const order = [...shown, ...SECTIONS.filter((id) => !shown.includes(id))];
    this.sections.replaceChildren(...order.map((id) => make("label", { className: "share-check" }, [
      make("input", { type: "checkbox", value: id, checked: shown.includes(id), name: "share-section" }, []),
      ` ${this.title(id)}`,
    ])));
    const link = this.layout.link ?? { hide: [], fix: [], note: null };
    const rows = this.controls.map((name) => make("tr", {}, [
      make("th", { scope: "row", textContent: name }, []),
      make("td", {}, [make("input", { type: "checkbox", name: "share-hide", value: name, checked: link.hide.includes(name),
        ariaLabel: `hide ${name}` }, [])]),
      make("td", {}, [make("input", { type: "checkbox", name: "share-fix", value: name, checked: link.fix.includes(name),
        ariaLabel: `fix ${name}` }, [])]),
    ]));
    this.table.tBodies[0].replaceChildren(...rows);
    this.note.value = link.note ?? "";
    this.embed.value = link.embed ?? "";
    this.copied.textContent = "";
    this.update();
    this.dialog.showModal();
  }

  checked(name) {
    return [...this.dialog.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
  }

  /** The link for what the dialog says now. */
  link() {
    const sections = this.checked("share-section");
    const embed = this.embed.value || null;
    const spec = {
      sections: embed ? null : sections, embed, hide: this.checked("share-hide"), fix: this.checked("share-fix"),
      note: this.note.value.trim() || null,
      exercise: (embed ? embed === "lab" : sections.includes("lab")) ? this.exercise() : null,
    };
    const query = buildLink(spec, this.settings.checked ? this.settingsQuery() : "");
    return new URL(`${location.pathname}${query}`, location.href).href;
  }

  update() {
    const url = this.link();
    this.out.value = url;
    this.snippet.hidden = !this.embed.value;
    this.snippet.textContent = this.embed.value
      ? `<iframe src="${url}" width="900" height="700" title="${this.title(this.embed.value)}" loading="lazy"></iframe>` : "";
    this.copied.textContent = "";
  }

  async copy() {
    try {
      await navigator.clipboard.writeText(this.out.value);
      this.copied.textContent = "Copied.";
    } catch {
      this.out.select(); // the clipboard refused (not allowed here): the link is selected to copy by hand
      this.copied.textContent = "Press Ctrl+C (⌘C) to copy the selected link.";
    }
  }
}
