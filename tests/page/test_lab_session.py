"""backprop.page.lab_session, the lab worker's Python, through the wire as the lab's worker calls it:
the check stops between networks, and a learner's backprop trains in the library's SGD step."""

import asyncio
import json

import numpy as np

from backprop.lab import backprop_texts
from backprop.page import wire
from backprop.page.lab_session import LabSession


async def no_pause():
    return None


def check(session, code, pause=no_pause):
    return json.loads(asyncio.run(wire.call(session, "check", json.dumps({"code": code}), None, None, pause)))


def test_lab_session_checks_and_stops_between_networks():
    s = LabSession()
    report = check(s, backprop_texts.REFERENCE)
    assert report["ok"] and len(report["cases"]) == 3
    bad = check(s, "def backprop(weights, biases, x, y, cost):\n    return 1 / 0\n")
    assert bad["error"]["line"] == 2 and "ZeroDivisionError" in bad["error"]["message"]

    async def stop_now():
        s.stop()

    stopped = check(s, backprop_texts.REFERENCE, stop_now)
    assert stopped["stopped"] and len(stopped["cases"]) == 1 and not stopped["ok"]


def test_lab_session_trains_with_their_backprop(tmp_path, train_run):
    rng = np.random.default_rng(0)
    path = tmp_path / "subset.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, (60, 784), dtype=np.uint8),
        y_train=rng.integers(0, 10, 60).astype(np.uint8),
        x_test=rng.integers(0, 256, (20, 784), dtype=np.uint8),
        y_test=rng.integers(0, 10, 20).astype(np.uint8),
    )
    s = LabSession()
    s.load_subset(str(path))
    params = {"hidden": [5], "epochs": 2, "train_size": 60, "batch_size": 10, "seed": 1}
    summary, _, epochs = train_run(s, params, code=backprop_texts.REFERENCE)
    assert summary["epochs_done"] == 2 and len(epochs) == 2 and not summary["stopped"]
    assert summary["speed"]["yours"] > 0 and summary["speed"]["library"] > 0
    broken, _, _ = train_run(s, params, code=backprop_texts.BUGS["transposed-nabla-w"]["code"])
    assert "a transpose?" in broken["error"]["message"] and not s.session.running
