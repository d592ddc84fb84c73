"""web/js/state.js, run under Node from a built site, against the worker's Python: the same fields,
defaults and limits (both read limits.json) and, for every bad value, the same message."""

import json
import shutil
import subprocess

import pytest

import build
from backprop.page import params
from ci_support import ROOT, skip_or_fail

N_TRAIN = 100
# (field, text typed into the form, the JSON value the worker would get) -> one message each
BAD = [
    ("eta", "0", 0),
    ("eta", "-1", -1),
    ("lmbda", "-0.5", -0.5),
    ("epochs", "0", 0),
    ("epochs", "1001", 1001),
    ("epochs", "2.5", 2.5),
    ("train_size", "101", 101),
    ("seed", "-1", -1),
    ("seed", "4294967296", 2**32),
    ("hidden", "1,2,3,4,5", "1,2,3,4,5"),
    ("hidden", "0", "0"),
    ("hidden", "30,x", "30,x"),
    ("hidden", "1001", "1001"),
    ("cost", "hinge", "hinge"),
    ("weight_init", "zeros", "zeros"),
    ("convolutions", "conv:0:5", "conv:0:5"),
    ("convolutions", "conv:8:10", "conv:8:10"),
    ("convolutions", "conv:8:5,pool:5", "conv:8:5,pool:5"),
    ("convolutions", "pool:4,conv:4:9", "pool:4,conv:4:9"),
    ("convolutions", "conv:4:9, pool:3", "conv:4:9, pool:3"),
    ("convolutions", "conv:8:5:swish", "conv:8:5:swish"),
    ("convolutions", "dense:100", "dense:100"),
    ("convolutions", "conv:2:3,conv:2:3,pool:2,conv:2:3,pool:2", "conv:2:3,conv:2:3,pool:2,conv:2:3,pool:2"),
    ("convolutions", "conv:64:3", "conv:64:3"),  # 784-conv-30-10 has 1.3 M weights: fine; the cap is work
]
CONV_WORK = {"convolutions": "conv:20:5:relu,pool:2", "hidden": "100", "batch_size": "68", "train_size": "100"}
CONV_PARAMETERS = {"convolutions": "conv:64:3", "hidden": "1000", "batch_size": "1"}
STATE_RUNNER = """
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
// the page's fetch of ./limits.json, from the file system
globalThis.fetch = async (url) => {
  const text = await readFile(fileURLToPath(url), "utf8");
  return { ok: true, status: 200, json: async () => JSON.parse(text) };
};
const state = await import(pathToFileURL(process.argv[2]).href);
const cases = JSON.parse(process.argv[3]);
console.log(JSON.stringify({
  FIELDS: state.FIELDS, COSTS: state.COSTS, WEIGHT_INITS: state.WEIGHT_INITS, defaults: state.defaults(),
  errors: cases.map((raw) => state.validate(raw, Number(process.argv[4])).errors),
}));
"""


def python_message(given):
    with pytest.raises(ValueError) as e:
        params.validate_params(given, N_TRAIN)
    return str(e.value).split(": ", 1)[1]  # the worker's message is "<field>: <shared message>"


@pytest.fixture(scope="module")
def js(tmp_path_factory):
    node = shutil.which("node")
    if not node:
        skip_or_fail("node is not installed (it runs web/js/state.js)")
    if not (ROOT / "web" / "js" / "state.js").is_file():
        skip_or_fail("web/js/state.js is not there")
    tmp = tmp_path_factory.mktemp("limits")
    site = build.build_site(tmp / "dist", "cdn", log=lambda *a: None)  # state.js beside its limits.json
    (tmp / "run.mjs").write_text(STATE_RUNNER, encoding="utf-8")
    cases = [{field: text} for field, text, _ in BAD] + [
        CONV_WORK,
        CONV_PARAMETERS,
        {"hidden": "1000,1000,1000,1000", "batch_size": "11"},
        {"train_size": "50", "batch_size": "51"},
    ]
    proc = subprocess.run(
        [node, str(tmp / "run.mjs"), str(site / "js" / "state.js"), json.dumps(cases), str(N_TRAIN)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_state_js_has_the_same_fields_and_defaults(js):
    assert js["FIELDS"] == params.FIELDS
    assert js["COSTS"] == list(params.COSTS) and js["WEIGHT_INITS"] == list(params.WEIGHT_INITS)
    assert js["defaults"] == {k: v for k, v in params.DEFAULTS.items() if k not in params.WORKER_SWITCHES}


@pytest.mark.parametrize("i", range(len(BAD)), ids=[f"{f}={t}" for f, t, _ in BAD])
def test_state_js_and_python_give_the_same_message(js, i):
    field, _, value = BAD[i]
    if field == "convolutions" and value == "conv:64:3":  # valid in both: 64×26×26 maps into 30 units, batch 10
        assert js["errors"][i] == {} and params.validate_params({field: value}, N_TRAIN)["convolutions"]
        return
    assert js["errors"][i] == {field: python_message({field: value})}


def test_the_convolutions_caps_say_the_same(js):
    work = {k: int(v) if k.endswith("_size") else v for k, v in CONV_WORK.items()}
    assert js["errors"][-4] == {"batch_size": python_message(work)}
    assert "588,630 multiply-adds a digit" in js["errors"][-4]["batch_size"]
    many = {k: int(v) if k.endswith("_size") else v for k, v in CONV_PARAMETERS.items()}
    assert js["errors"][-3] == {"convolutions": python_message(many)}


def test_the_cross_field_rule_says_the_same(js):
    assert js["errors"][-1] == {"batch_size": python_message({"train_size": 50, "batch_size": 51})}


def test_the_step_work_cap_says_the_same(js):
    big = {"hidden": "1000,1000,1000,1000", "batch_size": 11}
    assert js["errors"][-2] == {"batch_size": python_message(big)}
    assert "at most 10 " in js["errors"][-2]["batch_size"]
