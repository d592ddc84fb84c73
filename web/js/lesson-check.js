// Guided lessons: what a lesson file must hold, and whether the learner's answer is right — pure
// functions over plain data (no DOM), run under Node by the tests. A lesson is a file in lessons/ (see
// lessons/README.md): a lesson link, a few paragraphs, one question answered by doing, a check, the next
// lesson. A check reads what the page shows (the runs on the chart, the gradient check's verdict per
// layer, the lab's report) and, for a question with options, the learner's choice, which is judged
// against the learner's own runs rather than against a fixed answer.

export const CHECK_KINDS = ["run", "pair", "slowest-layer", "gradcheck", "lab"];
const CHOICE_KINDS = ["pair", "slowest-layer"];
export const LESSON_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const pct = (x) => `${(100 * x).toFixed(1)} %`;
const SAME_WITHIN = 0.002; // two accuracies closer than this are "the same" (compare.js says why)

/** What is wrong with a lesson file's data, as a list of messages naming the field ([] when fine). */
export function lessonProblems(lesson, id) {
  const p = [];
  const isText = (v, max) => typeof v === "string" && v.trim() !== "" && v.length <= max;
  if (typeof lesson !== "object" || lesson === null || Array.isArray(lesson)) return ["a lesson is a JSON object"];
  if (lesson.id !== id) p.push(`id ${JSON.stringify(lesson.id)} is not the file's name ${JSON.stringify(id)}`);
  if (!isText(lesson.title, 120)) p.push("title: a text of at most 120 characters");
  if (!isText(lesson.chapter, 60)) p.push("chapter: a text of at most 60 characters");
  if (typeof lesson.link !== "string" || !(lesson.link === "" || lesson.link.startsWith("?"))) {
    p.push("link: a query string starting with ?");
  }
  if (!Array.isArray(lesson.text) || !lesson.text.length || lesson.text.length > 6 || !lesson.text.every((t) => isText(t, 800))) {
    p.push("text: 1–6 paragraphs of at most 800 characters");
  }
  if (!isText(lesson.question, 400)) p.push("question: a text of at most 400 characters");
  if (lesson.next !== null && !(typeof lesson.next === "string" && LESSON_ID.test(lesson.next))) {
    p.push("next: a lesson's id or null");
  }
  const c = lesson.check;
  if (typeof c !== "object" || c === null || !CHECK_KINDS.includes(c.kind)) {
    p.push(`check.kind: one of ${CHECK_KINDS.join(", ")}`);
    return p;
  }
  if (CHOICE_KINDS.includes(c.kind)) {
    if (!Array.isArray(c.options) || c.options.length < 2 || !c.options.every((o) => typeof o === "string")) {
      p.push("check.options: two or more answers to choose from");
    }
  }
  if (c.where !== undefined && (typeof c.where !== "object" || c.where === null)) p.push("check.where: settings");
  if (c.kind === "run" && !(c.min_eval_accuracy > 0 && c.min_eval_accuracy < 1)) {
    p.push("check.min_eval_accuracy: a fraction between 0 and 1");
  }
  if (c.kind === "pair" && (typeof c.vary !== "string" || !["accuracy", "gap"].includes(c.pick))) {
    p.push("check.vary: a setting, and check.pick: accuracy or gap");
  }
  if (c.kind === "gradcheck") {
    const layers = (v) => Array.isArray(v) && v.every((l) => Number.isInteger(l) && l >= 1);
    if (!layers(c.fail) || !layers(c.pass) || !c.fail.length) p.push("check.fail and check.pass: lists of layers");
  }
  if (c.kind === "lab" && typeof c.exercise !== "string") p.push("check.exercise: the lab exercise's key");
  return p;
}

const same = (a, b) => (Array.isArray(a) ? a.join(",") === [].concat(b).join(",") : String(a) === String(b));
const matches = (run, where = {}) => Object.entries(where).every(([k, v]) => same(run.params?.[k], v));
const last = (run) => run.points[run.points.length - 1];
const done = (run) => run.status === "done" && run.points.length > 0;
const said = (where = {}) => Object.entries(where).map(([k, v]) => `${k} = ${[].concat(v).join(",")}`).join(", ");

/** The latest finished pair on the chart (runs labelled "A: " and "B: ", one after the other). */
function latestPair(runs) {
  for (let i = runs.length - 1; i > 0; i--) {
    const [a, b] = [runs[i - 1], runs[i]];
    if (a.label.startsWith("A: ") && b.label.startsWith("B: ") && done(a) && done(b)) return [a, b];
  }
  return null;
}

/**
 * Judge the learner's answer. facts: {runs (the chart's, window.__chart.runs), gradcheck ([{l, ok}] of the
 * latest check, or null), lab ({exercise, ok} of the latest report, or null), answer (the option chosen,
 * or null)}. Returns {ok, text}: text says why, in the learner's terms.
 */
export function judge(check, facts) {
  const runs = facts.runs ?? [];
  switch (check.kind) {
    case "run": {
      const mine = runs.filter((r) => done(r) && matches(r, check.where));
      if (!mine.length) return { ok: false, text: `No finished run${check.where ? ` with ${said(check.where)}` : ""} yet.` };
      const best = Math.max(...mine.map((r) => last(r).eval_accuracy));
      return best >= check.min_eval_accuracy
        ? { ok: true, text: `Yes: your run reached ${pct(best)} on the test digits.` }
        : { ok: false, text: `Your best run reached ${pct(best)}; the question asks for ${pct(check.min_eval_accuracy)}.` };
    }
    case "pair": {
      const pair = latestPair(runs);
      if (!pair) return { ok: false, text: "Train the pair first (Train the pair, in section 3), and let both runs finish." };
      const [a, b] = pair;
      if (same(a.params[check.vary], b.params[check.vary]) || !pair.every((r) => matches(r, check.where))) {
        return { ok: false, text: `Your latest pair should differ in ${check.vary}${check.where ? `, with ${said(check.where)}` : ""}.` };
      }
      if (facts.answer === null || facts.answer === undefined) return { ok: false, text: "Choose an answer first." };
      const score = (r) => (check.pick === "gap" ? -(last(r).train_accuracy - last(r).eval_accuracy) : last(r).eval_accuracy);
      if (Math.abs(score(a) - score(b)) < SAME_WITHIN) {
        return { ok: false, text: "In your pair both came out the same, to 0.2 points: train for more epochs." };
      }
      const right = String((score(a) > score(b) ? a : b).params[check.vary]);
      const measure = (r) => (check.pick === "gap"
        ? `train ${pct(last(r).train_accuracy)}, test ${pct(last(r).eval_accuracy)}` : `${pct(last(r).eval_accuracy)} on the test digits`);
      const story = `A (${check.vary} = ${a.params[check.vary]}): ${measure(a)}; B (${check.vary} = ${b.params[check.vary]}): ${measure(b)}.`;
      return same(facts.answer, right) ? { ok: true, text: `Right. ${story}` } : { ok: false, text: `Not in your runs: ${story}` };
    }
    case "slowest-layer": {
      const deep = runs.filter((r) => done(r) && matches(r, check.where) && (r.points[0].speed_start ?? r.points[0].speed ?? []).length >= 2);
      if (!deep.length) return { ok: false, text: "Train a network with two or more hidden layers first, and let it finish." };
      const run = deep[deep.length - 1];
      const speeds = run.points[0].speed_start ?? run.points[0].speed;
      const slowest = speeds.indexOf(Math.min(...speeds)) + 1;
      if (facts.answer === null || facts.answer === undefined) return { ok: false, text: "Choose an answer first." };
      const story = `At the start, ${speeds.map((s, i) => `layer ${i + 1}: ${s.toExponential(2)}`).join(", ")}.`;
      return same(facts.answer, slowest) ? { ok: true, text: `Right. ${story}` } : { ok: false, text: `Not in your run: ${story}` };
    }
    case "gradcheck": {
      const g = facts.gradcheck;
      if (!g || !g.length) return { ok: false, text: "Run the gradient check first (section 5)." };
      const failing = g.filter((l) => !l.ok).map((l) => l.l);
      const passing = g.filter((l) => l.ok).map((l) => l.l);
      const ok = check.fail.every((l) => failing.includes(l)) && check.pass.every((l) => passing.includes(l));
      const now = failing.length ? `it fails in layer${failing.length > 1 ? "s" : ""} ${failing.join(", ")}` : "it passes in every layer";
      return ok ? { ok: true, text: `Yes: ${now}.` } : { ok: false, text: `Not yet: ${now}.` };
    }
    case "lab": {
      const lab = facts.lab;
      if (!lab || lab.exercise !== check.exercise) return { ok: false, text: "Press Check in the lab (section 8) first." };
      return lab.ok ? { ok: true, text: "Yes: every layer passes." } : { ok: false, text: "Not yet: some layers fail; read the hint." };
    }
    default:
      return { ok: false, text: `This lesson's check (${check.kind}) is not one the page knows.` };
  }
}
