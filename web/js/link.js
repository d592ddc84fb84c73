// Lesson links: what a link may say about the page beyond the training settings (state.js keeps those),
// read and checked in one place, with no DOM, so that it runs under Node too (tests/js). A link can name
// the sections shown and their order (sections=), one section alone and compact (embed=), controls to
// hide or fix (hide=, fix=), a teacher's note (note=, plain text, capped), a network file on the same
// site (model=, a relative path), a lab exercise and a "find the bug" version (exercise=, bug=), and a
// guided lesson (lesson=), one of the book's runs (preset=, as the picker fills the form). Whatever it does not know, or cannot accept, is ignored and named.
// Nothing in a link is ever run or put into the page as HTML, and no part of it can name another origin.

/** The page's sections, by their element id, in the page's own order. */
export const SECTIONS = ["draw", "model", "train", "curves", "maths", "hidden-units", "feature-maps", "confusion", "lab"];

/** Controls a link can hide or fix: name -> the element (a CSS selector). The training fields are added by
 * name (the form's field names, state.js FIELDS). */
export const CONTROLS = {
  network: "#network-which",
  "model-file": "#model-file",
  download: "#download-model",
  share: "#share-button",
  presets: "#presets",
  pair: "#train-form .paired",
  step: "#step-button",
  defaults: "#defaults-button",
  "trace-cost": "#trace-cost",
  "trace-dropout": "#trace-dropout",
  "gradcheck-mistake": "#gradcheck-mistake",
  "gradcheck-reg": "#gradcheck-reg",
  "lab-exercise": "#lab-exercise",
  "lab-bug": "#lab-bug",
};

export const NOTE_MAX = 400; // characters of a teacher's note
const MAX_LIST = 40; // names in one list (sections, hide, fix)
const LINK_KEYS = ["sections", "embed", "hide", "fix", "note", "model", "exercise", "bug", "lesson", "preset"];
const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/; // an exercise's, a bug's or a lesson's name
// A model file on this site: a relative path of plain names ending in .json (no scheme, no "//", no "..").
const MODEL_PATH = /^(?!.*\.\.)(?![./])[A-Za-z0-9_\-.]+(\/[A-Za-z0-9_\-.]+)*\.json$/;
const MODEL_PATH_MAX = 200;

const show = (text) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** A comma list, each name checked against `known`: the known ones in order (once each), the others named. */
function names(text, known, what, ignored) {
  const out = [];
  const parts = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const [i, part] of parts.entries()) {
    if (i >= MAX_LIST) {
      ignored.push(`${what}: more than ${MAX_LIST} names`);
      break;
    }
    if (!known.includes(part)) ignored.push(`${what} ${show(part)} (not one of the page's: ${known.join(", ")})`);
    else if (!out.includes(part)) out.push(part);
  }
  return out;
}

/**
 * Read a link's query string. `fields`: the training settings' names (state.js reads their values).
 * Returns {sections, embed, hide, fix, note, model, exercise, bug, lesson, preset, ignored}: sections is null
 * when the link does not choose (every section, the page's order); ignored lists what was left out,
 * each naming the part and why. Exercise and bug names are checked for their form here and against
 * the lab's list by the page.
 */
export function parseLink(search, fields = []) {
  const q = new URLSearchParams(search);
  const ignored = [];
  const controls = [...fields, ...Object.keys(CONTROLS)];
  const link = { sections: null, embed: null, hide: [], fix: [], note: null, model: null, exercise: null, bug: null,
    lesson: null, preset: null, ignored };
  const seen = new Set();
  for (const key of q.keys()) {
    if (seen.has(key)) continue;
    seen.add(key);
    if (!LINK_KEYS.includes(key) && !fields.includes(key)) ignored.push(`the setting ${show(key)} (unknown)`);
    else if (q.getAll(key).length > 1) ignored.push(`${key} given more than once (the first is used)`);
  }
  const get = (key) => (q.has(key) ? q.get(key) : null);
  if (get("sections") !== null) {
    const s = names(get("sections"), SECTIONS, "section", ignored);
    link.sections = s.length ? s : null;
    if (!s.length) ignored.push("sections= named no section the page has, so every section is shown");
  }
  if (get("embed") !== null) {
    const e = get("embed").trim();
    if (SECTIONS.includes(e)) {
      link.embed = e;
      link.sections = [e];
    } else {
      ignored.push(`embed ${show(e)} (not one of the page's sections: ${SECTIONS.join(", ")})`);
    }
  }
  if (get("hide") !== null) link.hide = names(get("hide"), controls, "control", ignored);
  if (get("fix") !== null) link.fix = names(get("fix"), controls, "control", ignored);
  if (get("note") !== null) {
    // plain text: control characters out, whitespace runs as one space, capped
    const text = [...get("note")].map((ch) => (ch.charCodeAt(0) < 32 || ch === "\u007f" ? " " : ch)).join("")
      .replace(/\s+/g, " ").trim();
    if (text.length > NOTE_MAX) ignored.push(`the note's text after ${NOTE_MAX} characters`);
    link.note = text.slice(0, NOTE_MAX) || null;
  }
  if (get("model") !== null) {
    const path = get("model").trim();
    if (path.length <= MODEL_PATH_MAX && MODEL_PATH.test(path)) link.model = path;
    else ignored.push(`model ${show(path)} (a model file must be a relative path on this site ending in .json)`);
  }
  for (const key of ["exercise", "bug", "lesson", "preset"]) {
    const v = get(key);
    if (v === null) continue;
    if (NAME.test(v.trim())) link[key] = v.trim();
    else ignored.push(`${key} ${show(v)} (not a name)`);
  }
  return link;
}

/** The query string for a set-up: {sections, hide, fix, note, exercise, bug, model} and the training
 * settings' query (state.js toQuery), joined; parts at "nothing chosen" are left out. */
export function buildLink(spec, settingsQuery = "") {
  const q = new URLSearchParams(settingsQuery);
  const list = (v) => (v && v.length ? v.join(",") : null);
  const parts = {
    sections: spec.sections && spec.sections.join(",") !== SECTIONS.join(",") ? list(spec.sections) : null,
    embed: spec.embed ?? null, hide: list(spec.hide), fix: list(spec.fix),
    note: spec.note ? String(spec.note).slice(0, NOTE_MAX) : null,
    model: spec.model ?? null, exercise: spec.exercise ?? null, bug: spec.bug ?? null, lesson: spec.lesson ?? null,
    preset: spec.preset ?? null,
  };
  for (const [key, value] of Object.entries(parts)) if (value) q.set(key, value);
  const s = q.toString().replace(/%2C/gi, ",");
  return s ? `?${s}` : "";
}

/** Is `url` (as the page resolved it) on the page's own origin? The page's second check of model=. */
export function sameOrigin(url, base) {
  try {
    return new URL(url, base).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

/** The one message for what a link asked for and the page ignored; "" when nothing was. */
export function ignoredMessage(ignored) {
  if (!ignored.length) return "";
  return `This link's ${ignored.length === 1 ? "part was" : `${ignored.length} parts were`} ignored: ` +
    `${ignored.join("; ")}. The rest of the page is as the link says.`;
}
