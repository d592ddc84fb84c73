// For teachers: a lesson link's flow. The link is read once (link.js) and laid out at once (views/
// layout.js); what needs the page ready follows it: one of the book's runs, a model file from this site
// (fetched, then checked like any model file), the lab's exercise and "find the bug" version. A guided
// lesson (?lesson=id) is a file lessons/<id>.json whose link becomes the page's query (the URL's own
// parts win); its check is judged against what the page shows (lesson-check.js).

import { parseLink, sameOrigin } from "./link.js";
import { judge } from "./lesson-check.js";
import { FIELDS, fromQuery, validate } from "./state.js";

const fetchJSON = async (path) => {
  const response = await fetch(new URL(path, location.href));
  if (!response.ok) throw new Error(`${path} answered HTTP ${response.status}`);
  return response.json();
};

export class Teaching {
  /** app: the page's state; views: layout, lesson, form, curves; lab: the LabController; loadFile(file): the
   * page's own loading of a model file (main.js). */
  constructor({ app, views, lab, loadFile }) {
    this.app = app;
    this.views = views;
    this.lab = lab;
    this.loadFile = loadFile;
    this.link = null;
    this.ignored = [];
    this.readyOnce = false;
    app.digitsIn.then(() => this.ready()); // a preset is scaled to the digits: after the page took them in
  }

  /** Read the link (and the lesson it names) and lay the page out. Returns once it is laid out. */
  async start() {
    const fields = Object.keys(FIELDS);
    let link = parseLink(location.search, fields);
    if (link.lesson) {
      try {
        const [lesson, index] = await Promise.all([fetchJSON(`lessons/${link.lesson}.json`), fetchJSON("lessons/index.json")]);
        // the lesson's state, with the URL's own parts over it
        const q = new URLSearchParams(lesson.link);
        for (const [k, v] of new URLSearchParams(location.search)) q.set(k, v);
        history.replaceState(null, "", `${location.pathname}?${q.toString().replace(/%2C/gi, ",")}${location.hash}`);
        link = parseLink(location.search, fields);
        this.views.form.initFromURL();
        this.views.lesson.show(lesson, index.lessons);
      } catch (e) {
        this.views.lesson.showError(`The lesson "${link.lesson}" could not be opened: ${e.message}.`);
      }
    }
    this.link = link;
    // a training setting out of range is ignored too (the form keeps its default), and named
    const bad = validate(fromQuery(location.search), this.views.form.nTrain).errors;
    this.ignored = [...link.ignored, ...Object.entries(bad).map(([k, m]) => `${k} (${m})`)];
    this.views.layout.apply({ ...link, ignored: this.ignored });
    return link;
  }

  ignore(what) {
    this.ignored.push(what);
    this.views.layout.say(this.ignored);
  }

  /** The page is ready the first time: the link's preset and model file. */
  async ready() {
    if (this.readyOnce || !this.link) return;
    this.readyOnce = true;
    const { preset, model } = this.link;
    if (preset) {
      const presets = this.views.presets;
      if (presets.preset(preset)) {
        presets.select.value = preset;
        presets.apply(); // fills the form as the picker does
      } else {
        this.ignore(`preset "${preset}" (not one of the book's runs: ${presets.info.presets.map((p) => p.key).join(", ")})`);
      }
    }
    if (model) await this.loadModel(model);
  }

  async loadModel(path) {
    const url = new URL(path, location.href);
    if (!sameOrigin(url, location.href)) { // parseLink allows only relative paths; this is the second check
      this.ignore(`model ${JSON.stringify(path)} (not on this site)`);
      return;
    }
    try {
      const response = await fetch(url, { credentials: "same-origin", redirect: "error" });
      if (!response.ok) throw new Error(`it answered HTTP ${response.status}`);
      const blob = await response.blob();
      await this.loadFile(new File([blob], path.split("/").pop(), { type: "application/json" }));
    } catch (e) {
      this.ignore(`model ${JSON.stringify(path)} (${e.message})`);
    }
  }

  /** The lab's texts are in: open the link's exercise and bug. */
  labReady() {
    const view = this.lab.view;
    const { exercise, bug } = this.link ?? {};
    if (!view || !view.texts.exercises.length || (!exercise && !bug)) return;
    if (exercise) {
      if (view.texts.exercises.some((e) => e.key === exercise)) view.selectExercise(exercise, { keepCode: true });
      else this.ignore(`exercise "${exercise}" (not one of the lab's: ${view.texts.exercises.map((e) => e.key).join(", ")})`);
    }
    if (bug) {
      const bugs = view.exercise?.bugs ?? [];
      if (bugs.some((b) => b.id === bug)) {
        view.bugSelect.value = bug;
        view.loadBug(bug);
      } else {
        this.ignore(`bug "${bug}" (not one of this exercise's: ${bugs.map((b) => b.id).join(", ")})`);
      }
    }
  }

  /** The lab's section is not on the page: an exercise or a bug the link names cannot be opened. */
  labLeftOut() {
    for (const key of ["exercise", "bug"]) {
      if (this.link?.[key]) this.ignore(`${key} "${this.link[key]}" (the lab's section is not shown)`);
    }
  }

  /** The facts a lesson's check reads, from what the page shows. */
  facts(answer) {
    const gc = document.getElementById("gradcheck-out");
    const layers = gc.dataset.busy ? [] : [...gc.querySelectorAll(".gc-layer")]
      .map((b) => ({ l: Number(b.dataset.l), ok: b.dataset.ok === "true" }));
    const result = document.getElementById("lab-result");
    const lab = result.hidden || !result.dataset.ok ? null
      : { exercise: this.lab.view?.exercise?.key ?? null, ok: result.dataset.ok === "true" };
    return { runs: this.views.curves.data().runs, gradcheck: layers, lab, answer };
  }

  check(lesson, answer) {
    return judge(lesson.check, this.facts(answer));
  }
}
