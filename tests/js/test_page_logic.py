"""The page's pure JavaScript, run under Node straight from web/js/: which run of a pair came out ahead
(compare.js), the run list (runs.js), the chart's ticks (render/line-chart.js), whether a link needs
the page's own Python (early.js, read as link.js reads the link) and what early.js downloads first."""

import json
import shutil
import subprocess

import pytest

from ci_support import ROOT, skip_or_fail

JS = ROOT / "web" / "js"
RUNNER = """
const [compare, runs, chart] = await Promise.all(
  ["compare.js", "runs.js", "render/line-chart.js"].map((f) => import(new URL(f, process.argv[2]).href)));
const out = {};
const cases = [[0.95, 0.93], [0.93, 0.95], [0.950, 0.9485], [0.9, 0.9], [0.5, 0.5019], [0.5, 0.498]];
out.ahead = cases.map(([a, b]) => compare.ahead(a, b));
out.sentence = compare.pairSentence({ test_accuracy: 0.961, epochs_done: 3, params: { cost: "cross-entropy" } },
  { test_accuracy: 0.948, params: { cost: "quadratic" } }, "cost");
const ran = [["whole step", "whole step"], ["whole step", "products only"]];
out.sentenceRan = ran.map(([sa, sb]) => compare.pairSentence(
  { test_accuracy: 0.9, epochs_done: 1, params: { dropout: 0 }, backend: "wasm-simd", step: sa },
  { test_accuracy: 0.9, params: { dropout: 0.5 }, backend: "wasm-simd", step: sb }, "dropout"));
const list = new runs.Runs();
const a = list.add((n) => `run ${n}`, { epochs: 2 });
const b = list.add((n) => `run ${n}`, { epochs: 3 }, "#000");
list.addPoint(a.id, { epoch: 1 });
out.missing = list.addPoint(99, { epoch: 1 });
list.setStatus(a.id, "done");
out.colours = [a.color, b.color, list.pairColours(), list.pairColours()];
list.clear();
out.afterClear = list.runs.map((r) => r.id);
list.restore([{ id: 7, label: "old", params: {}, points: [], status: "running" }]);
out.restored = list.runs.map((r) => [r.id, r.status]);
out.next = list.add((n) => `run ${n}`, { epochs: 1 }).id;
out.ticks = chart.niceTicks(0, 1, 5);
// early.js starts Python's worker as it is imported, unless the page is the lab alone
globalThis.location = { search: "?embed=lab" };
const started = [];
globalThis.Worker = class {
  constructor(url) { started.push(String(url)); }
  addEventListener() {}
  removeEventListener() {}
};
const [early, link] = await Promise.all(["early.js", "link.js"].map((f) => import(new URL(f, process.argv[2]).href)));
const searches = ["", "?embed=lab", "?embed=%20lab%20", "?embed=lab&embed=draw", "?embed=draw&embed=lab", "?embed=draw",
  "?embed=LAB", "?sections=lab", "?embed=lab&sections=draw", "?embed=lab&exercise=relu&bug=x&eta=0.1&note=hi",
  "?embed=lab&lesson=write-backprop", "?embed=lab&preset=ch3-l2", "?embed=lab&model=models/a.json"];
out.pagePython = searches.map((s) => [s, early.pagePythonNeeded(s), link.parseLink(s).embed]);
out.earlyStarted = started.length;
// a first visit's first downloads, begun by early.js into the HTTP cache: config.json's "first" ones
const fetched = [];
const fakeFetch = async (url, init) => {
  const at = String(url);
  fetched.push([at, init?.priority ?? null]);
  if (at.endsWith("/config.json")) {
    return { ok: true, json: async () => ({ asmJs: { url: "./pyodide/a.js.gz" },
      preload: [{ url: "./pyodide/w.gz", first: true }, { url: "./py/n.whl" }, { url: "./py/s.zip", first: true }] }) };
  }
  return { ok: true, body: { pipeTo: async () => fetched.push(["read", at]) } };
};
await early.warmFirstDownloads("https://site.test/course/", fakeFetch);
out.warmed = fetched;
const refused = [];
await early.warmFirstDownloads("https://site.test/", async (url) => (refused.push(String(url)), { ok: false }));
out.warmedWithoutConfig = refused;
out.taken = early.takeWorker();
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def got(tmp_path_factory):
    node = shutil.which("node")
    if not node:
        skip_or_fail("node is not installed (it runs the page's JavaScript)")
    runner = tmp_path_factory.mktemp("js") / "run.mjs"
    runner.write_text(RUNNER, encoding="utf-8")
    proc = subprocess.run([node, str(runner), JS.as_uri() + "/"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_pair_is_the_same_within_two_tenths_of_a_point_else_one_is_ahead(got):
    winners = [(v["winner"], v["points"]) for v in got["ahead"]]
    assert winners == [("A", 2.0), ("B", 2.0), (None, 0), (None, 0), (None, 0), ("A", 0.2)]
    assert got["ahead"][2]["text"] == "the same, to 0.2 %" and got["ahead"][0]["text"] == "A is ahead by 2.0 points"
    assert got["sentence"] == (
        "Paired run, from the same start and the same mini-batches: A (cost = cross-entropy) "
        "96.1 %, B (cost = quadratic) 94.8 % on the test digits after 3 epochs — A is ahead "
        "by 1.3 points."
    )
    # what ran each, when the page's worker says (the kernel's whole step, or its products under numpy's step)
    same, different = got["sentenceRan"]
    assert same.endswith("the same, to 0.2 %. Both ran with wasm-simd (whole step).")
    assert different.endswith("A ran with wasm-simd (whole step), B with wasm-simd (products only).")


def test_the_run_list_numbers_colours_clears_and_restores(got):
    assert got["missing"] is False
    assert got["colours"][:2] == ["#2563eb", "#000"] and got["colours"][2] != got["colours"][3]
    assert got["afterClear"] == [2]  # run 1 had ended; run 2, still running, stays
    assert got["restored"] == [[2, "running"], [7, "interrupted"]] and got["next"] == 8


def test_ticks_are_round_numbers(got):  # (decimate and envelope: tests/e2e/test_robustness.py, in the page)
    assert got["ticks"] == {"ticks": [0, 0.2, 0.4, 0.6, 0.8, 1], "step": 0.2}


def test_only_the_lab_alone_goes_without_the_page_s_python(got):
    needed = {search: n for search, n, _ in got["pagePython"]}
    assert [s for s, n in needed.items() if not n] == [
        "?embed=lab",
        "?embed=%20lab%20",
        "?embed=lab&embed=draw",
        "?embed=lab&sections=draw",
        "?embed=lab&exercise=relu&bug=x&eta=0.1&note=hi",
    ]
    # early.js reads embed= as the page's parser does: the page is the lab alone exactly when it says so
    for search, n, embed in got["pagePython"]:
        if not any(k in search for k in ("lesson=", "preset=", "model=")):
            assert n == (embed != "lab"), search
    assert got["earlyStarted"] == 0 and got["taken"] is None  # ?embed=lab: no worker started, none handed over


def test_the_first_downloads_begin_early_and_are_read_to_the_end(got):
    site = "https://site.test/course/"
    asked = [f"{site}pyodide/a.js.gz", f"{site}pyodide/w.gz", f"{site}py/s.zip"]  # numpy's wheel: not first
    assert got["warmed"][0] == [f"{site}config.json", None]
    assert got["warmed"][1:4] == [[url, "high"] for url in asked]
    assert sorted(got["warmed"][4:]) == sorted(["read", url] for url in asked)
    assert got["warmedWithoutConfig"] == ["https://site.test/config.json"]  # nothing else without it
