"""Lesson links and guided lessons, under Node: web/js/link.js reads a link (known parts kept in order,
everything else ignored and named, no other origin), buildLink's link reads back as the set-up it was made
from, every shipped lesson file in web/lessons is valid (its fields, its link read with nothing ignored
and its settings valid, its next lesson listed), and lesson-check.js accepts right answers and rejects
wrong ones."""

import json
import shutil
import subprocess

import pytest

from ci_support import ROOT, skip_or_fail

LESSONS = ROOT / "web" / "lessons"
RUNNER = """
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
const [js, limitsPath, input] = process.argv.slice(2);
const limits = await readFile(limitsPath, "utf8");
globalThis.fetch = async () => ({ ok: true, status: 200, json: async () => JSON.parse(limits) }); // state.js's limits
const link = await import(pathToFileURL(`${js}/link.js`).href);
const check = await import(pathToFileURL(`${js}/lesson-check.js`).href);
const state = await import(pathToFileURL(`${js}/state.js`).href);
const { searches, specs, lessons, judgements } = JSON.parse(await readFile(input, "utf8"));
const fields = Object.keys(state.FIELDS);
console.log(JSON.stringify({
  parsed: searches.map((s) => link.parseLink(s, fields)),
  rebuilt: specs.map((s) => link.parseLink(link.buildLink(s, "?eta=0.1"), fields)),
  lessons: lessons.map(([id, lesson]) => ({
    problems: check.lessonProblems(lesson, id),
    ignored: typeof lesson.link === "string" ? link.parseLink(lesson.link, fields).ignored : null,
    settings: typeof lesson.link === "string" ? state.validate(state.fromQuery(lesson.link)).errors : null,
  })),
  judged: judgements.map(([c, facts]) => check.judge(c, facts)),
  sameOrigin: [link.sameOrigin("data/m.json", "http://127.0.0.1:8000/repo/"),
    link.sameOrigin("https://evil.example/m.json", "http://127.0.0.1:8000/repo/")],
}));
"""

FIELDS = list(json.loads((ROOT / "py/backprop/page/limits.json").read_text(encoding="utf-8"))["fields"])
SEARCHES = [
    "?sections=maths,train,nope&hide=eta,presets,zzz&fix=cost,cost&note=Hello%0A<b>class</b>&lesson=ok-1",
    "?embed=draw&foo=1&eta=0.1&eta=0.2",
    "?embed=nowhere&sections=",
    "?note=" + "x" * 500,
    "?model=data/teacher-model.json&exercise=relu&bug=Bad%20Name&preset=ch5-speed-4",
]
BAD_MODELS = [
    "https://evil.example/m.json",
    "//evil.example/m.json",
    "../m.json",
    "/m.json",
    "./m.json",
    "data/../../m.json",
    "javascript:alert(1)",
    "data/m.js",
    "data\\m.json",
    "data/m.json?x=1",
]
SPECS = [
    {"sections": ["confusion", "draw"], "hide": ["eta", "presets"], "fix": ["cost"], "note": "Try λ = 5 & see."},
    {"embed": "maths", "exercise": "softmax", "bug": "bp2-no-sigma-prime"},
]


def run(epoch, train, test, speed=None):
    point = {"epoch": epoch, "train_accuracy": train, "eval_accuracy": test}
    if speed:
        point["speed_start"] = speed
    return point


def a_run(label, params, points, status="done"):
    return {"label": label, "params": params, "points": points, "status": status}


CE = {"cost": "cross-entropy", "weight_init": "large", "hidden": [30], "lmbda": 0}
QUAD = {**CE, "cost": "quadratic"}
PAIR = [a_run("A: CE", CE, [run(0, 0.7, 0.6)]), a_run("B: Q", QUAD, [run(0, 0.35, 0.33)])]
L0 = {"lmbda": 0, "train_size": 1000}
L5 = {"lmbda": 5, "train_size": 1000}
GAP = [a_run("A: x", L0, [run(9, 0.99, 0.84)]), a_run("B: y", L5, [run(9, 0.92, 0.80)])]
DEEP = [
    a_run(
        "CE 784-30-30-30-10", {"activation": "sigmoid", "hidden": [30, 30, 30]}, [run(0, 0.5, 0.5, [0.01, 0.05, 0.2])]
    )
]
RUN = {"kind": "run", "where": {"hidden": [30]}, "min_eval_accuracy": 0.85}
PAIR_CHECK = {"kind": "pair", "vary": "cost", "where": {"weight_init": "large"}, "pick": "accuracy", "options": []}
GAP_CHECK = {"kind": "pair", "vary": "lmbda", "where": {"train_size": 1000}, "pick": "gap", "options": []}
SLOW = {"kind": "slowest-layer", "where": {"activation": "sigmoid"}, "options": ["1", "2", "3"]}
GC = {"kind": "gradcheck", "fail": [2], "pass": [3]}
LAB = {"kind": "lab", "exercise": "backprop"}
NONE = {"runs": [], "gradcheck": [], "lab": None, "answer": None}
# (check, facts, the verdict expected)
JUDGEMENTS = [
    (RUN, {**NONE, "runs": [a_run("r", {"hidden": [30]}, [run(0, 0.9, 0.87)])]}, True),
    (RUN, {**NONE, "runs": [a_run("r", {"hidden": [30]}, [run(0, 0.3, 0.28)])]}, False),
    (RUN, {**NONE, "runs": [a_run("r", {"hidden": [100]}, [run(0, 0.9, 0.9)])]}, False),  # not the network asked for
    (RUN, {**NONE, "runs": [a_run("r", {"hidden": [30]}, [run(0, 0.9, 0.9)], "running")]}, False),
    (PAIR_CHECK, {**NONE, "runs": PAIR, "answer": "cross-entropy"}, True),
    (PAIR_CHECK, {**NONE, "runs": PAIR, "answer": "quadratic"}, False),
    (PAIR_CHECK, {**NONE, "runs": PAIR, "answer": None}, False),
    (PAIR_CHECK, {**NONE, "runs": PAIR[:1], "answer": "cross-entropy"}, False),  # no pair
    (GAP_CHECK, {**NONE, "runs": GAP, "answer": "5"}, True),
    (GAP_CHECK, {**NONE, "runs": GAP, "answer": "0"}, False),
    (SLOW, {**NONE, "runs": DEEP, "answer": "1"}, True),
    (SLOW, {**NONE, "runs": DEEP, "answer": "3"}, False),
    (GC, {**NONE, "gradcheck": [{"l": 2, "ok": False}, {"l": 3, "ok": True}]}, True),
    (GC, {**NONE, "gradcheck": [{"l": 2, "ok": False}, {"l": 3, "ok": False}]}, False),
    (GC, {**NONE, "gradcheck": [{"l": 2, "ok": True}, {"l": 3, "ok": True}]}, False),
    (LAB, {**NONE, "lab": {"exercise": "backprop", "ok": True}}, True),
    (LAB, {**NONE, "lab": {"exercise": "backprop", "ok": False}}, False),
    (LAB, {**NONE, "lab": {"exercise": "relu", "ok": True}}, False),
]


def lesson_files():
    return sorted(p for p in LESSONS.glob("*.json") if p.name != "index.json")


@pytest.fixture(scope="module")
def js(tmp_path_factory):
    node = shutil.which("node")
    if not node:
        skip_or_fail("node is not installed (it runs web/js/link.js and lesson-check.js)")
    tmp = tmp_path_factory.mktemp("lessons")
    (tmp / "run.mjs").write_text(RUNNER, encoding="utf-8")
    data = {
        "searches": SEARCHES + [f"?model={m}" for m in BAD_MODELS],
        "specs": SPECS,
        "lessons": [[p.stem, json.loads(p.read_text(encoding="utf-8"))] for p in lesson_files()],
        "judgements": [[c, f] for c, f, _ in JUDGEMENTS],
    }
    (tmp / "input.json").write_text(json.dumps(data), encoding="utf-8")
    limits = ROOT / "py" / "backprop" / "page" / "limits.json"
    args = [node, str(tmp / "run.mjs"), str(ROOT / "web" / "js"), str(limits), str(tmp / "input.json")]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_link_keeps_what_it_knows_in_order_and_names_the_rest(js):
    a, b, c, d, e = js["parsed"][: len(SEARCHES)]
    assert a["sections"] == ["maths", "train"] and a["hide"] == ["eta", "presets"] and a["fix"] == ["cost"]
    assert a["note"] == "Hello <b>class</b>" and a["lesson"] == "ok-1"  # text, never markup: the page sets textContent
    assert len(a["ignored"]) == 2
    assert '"nope"' in a["ignored"][0] and "section" in a["ignored"][0]
    assert '"zzz"' in a["ignored"][1] and "control" in a["ignored"][1]
    assert b["embed"] == "draw" and b["sections"] == ["draw"]
    assert b["ignored"] == ['the setting "foo" (unknown)', "eta given more than once (the first is used)"]
    assert c["embed"] is None and c["sections"] is None and any('"nowhere"' in i for i in c["ignored"])
    assert len(d["note"]) == 400 and any("400" in i for i in d["ignored"])
    assert e["model"] == "data/teacher-model.json" and e["exercise"] == "relu" and e["bug"] is None
    assert e["preset"] == "ch5-speed-4"
    assert any("bug" in i and "Bad Name" in i for i in e["ignored"])


def test_a_model_link_never_leaves_the_site(js):
    for path, parsed in zip(BAD_MODELS, js["parsed"][len(SEARCHES) :]):
        assert parsed["model"] is None, path
        assert len(parsed["ignored"]) == 1 and "relative path" in parsed["ignored"][0], path
    assert js["sameOrigin"] == [True, False]


def test_a_built_link_reads_back_as_its_set_up(js):
    for spec, back in zip(SPECS, js["rebuilt"]):
        assert back["ignored"] == []
        for key, value in spec.items():
            assert back[key] == value, key
    assert js["rebuilt"][1]["sections"] == ["maths"]


def test_every_shipped_lesson_is_valid_and_listed():
    index = json.loads((LESSONS / "index.json").read_text(encoding="utf-8"))["lessons"]
    ids = [entry["id"] for entry in index]
    assert sorted(ids) == [p.stem for p in lesson_files()]
    assert len(ids) >= 4
    for i, lid in enumerate(ids):
        lesson = json.loads((LESSONS / f"{lid}.json").read_text(encoding="utf-8"))
        assert lesson["title"] == index[i]["title"]
        assert lesson["next"] == (ids[i + 1] if i + 1 < len(ids) else None), lid  # the sequence is the index's


def test_every_lesson_file_passes_the_page_s_own_checks(js):
    assert len(js["lessons"]) == len(lesson_files())
    for path, result in zip(lesson_files(), js["lessons"]):
        assert result["problems"] == [], path.name
        assert result["ignored"] == [], path.name  # the lesson's link says nothing the page would ignore
        assert result["settings"] == {}, path.name  # and its training settings are in range


def test_each_check_accepts_the_right_answer_and_rejects_a_wrong_one(js):
    for (check, facts, expected), verdict in zip(JUDGEMENTS, js["judged"]):
        assert verdict["ok"] is expected, (check["kind"], facts.get("answer"), verdict["text"])
        assert verdict["text"]
