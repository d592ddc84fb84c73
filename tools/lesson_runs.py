"""What the guided lessons' runs come to, in CPython, on the page's subset: for each lesson in web/lessons
whose question is answered by training, its link's settings trained as the page trains them (a paired
run for a "pair" check, the initial speeds of each hidden layer for "slowest-layer"), and the answer
its check would accept. For a teacher writing a lesson: are the numbers clear enough to ask about?

    python3 tools/lesson_runs.py            # prints one line per run; asserts nothing
"""

import json
import sys
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "py"))

from backprop.explain import speed  # noqa: E402
from backprop.page.params import FIELDS, network_of, paired_params, validate_params  # noqa: E402
from backprop.page.training import step_rule  # noqa: E402

B_VALUE = {"cost": "quadratic", "lmbda": "5"}  # run B's value as the page's pair picker sets it


def settings(link):
    """The link's training settings, typed as the form's values would be."""
    raw = {}
    for key, value in parse_qsl(link.lstrip("?")):
        if key not in FIELDS:
            continue
        kind = FIELDS[key]["kind"]
        as_is = kind in ("layers", "choice", "convs")
        raw[key] = value if as_is else (float(value) if kind == "number" else int(value))
    return raw


def train(p, data):
    x, y, xe, ye = data
    n = p["train_size"]
    net = network_of(p)
    h = net.train(
        x[:n],
        y[:n],
        p["epochs"],
        p["batch_size"],
        p["eta"],
        p["lmbda"],
        eval_data=(xe, ye),
        monitor_train_accuracy=True,
        monitor_eval_accuracy=True,
        **step_rule(p),
    )
    return h.train_accuracy[-1], h.eval_accuracy[-1]


def main():
    with np.load(ROOT / "web/data/mnist-subset.npz") as npz:
        data = (npz["x_train"] / 255.0, npz["y_train"], npz["x_test"] / 255.0, npz["y_test"])
    index = json.loads((ROOT / "web/lessons/index.json").read_text(encoding="utf-8"))["lessons"]
    for entry in index:
        lesson = json.loads((ROOT / f"web/lessons/{entry['id']}.json").read_text(encoding="utf-8"))
        check, raw = lesson["check"], settings(lesson["link"])
        if check["kind"] == "run":
            p = validate_params(raw, 10_000)
            tr, te = train(p, data)
            print(f"{entry['id']}: train {tr:.1%}, test {te:.1%} (the check asks for {check['min_eval_accuracy']:.0%})")
        elif check["kind"] == "pair":
            a, b = paired_params(raw, check["vary"], B_VALUE[check["vary"]], 10_000)
            (atr, ate), (btr, bte) = train(a, data), train(b, data)
            print(
                f"{entry['id']}: A {check['vary']}={a[check['vary']]}: train {atr:.1%} test {ate:.1%} (gap "
                f"{atr - ate:.1%}); B {check['vary']}={b[check['vary']]}: train {btr:.1%} test {bte:.1%} "
                f"(gap {btr - bte:.1%})"
            )
        elif check["kind"] == "slowest-layer":
            p = validate_params(raw, 10_000)
            s = speed.layer_speeds(network_of(p), data[0][:1000], data[1][:1000])
            print(
                f"{entry['id']}: initial speeds {', '.join(f'{v:.3g}' for v in s)} (slowest: layer {np.argmin(s) + 1})"
            )


if __name__ == "__main__":
    main()
