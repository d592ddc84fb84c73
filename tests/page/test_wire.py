"""backprop.page.wire, the one place that speaks JSON to JavaScript: every answer is strict JSON (NaN and
infinity become null, whatever the view), only requests marked for the page can be called, binary
arguments arrive as bytes, and nothing in the page's Python imports the browser."""

import ast
import asyncio
import json
import math
from pathlib import Path

import numpy as np
import pytest

import backprop
from backprop.page import wire


@pytest.fixture
def session(views):
    return views[0]


def test_json_maps_every_non_finite_float_to_null(ask):
    value = {
        "a": [1.5, math.nan, np.float64(np.inf)],
        "b": {"c": -math.inf, "d": np.float32(2.5)},
        "e": "NaN",
        "f": np.array([[1.0, np.nan], [-np.inf, 2.0]]),
        "g": (np.int64(3), None),
    }
    assert json.loads(wire.encode(value)) == {
        "a": [1.5, None, None],
        "b": {"c": None, "d": 2.5},
        "e": "NaN",
        "f": [[1.0, None], [None, 2.0]],
        "g": [3, None],
    }


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_every_answer_is_strict_json_even_for_a_non_finite_network(session, bad, ask):
    net = backprop.Network([784, 16, 10], seed=3)
    net.weights[0][:5] = bad
    net.biases[1][0] = bad
    session._put("file", net)
    requests = [
        ("evaluate", {}),
        ("strip", {"start": 0, "count": 24}),
        ("confusion", {}),
        ("unit-detail", {"unit": 0}),
        ("predict-test-digit", {"index": 0}),
        ("confusion-cell", {"true_label": 0, "predicted": 0}),
        ("hidden-units", {}),
        ("model-json", {}),
        ("trace-digit", {"index": 0}),
        ("feature-maps", {"index": 0}),
        ("trial-step", {"index": 0}),
    ]
    answered = 0
    for request, args in requests:  # strict JSON (ask fails on a NaN token), or a ValueError with a message
        try:
            answer = ask(session, request, which="file", **args)
        except (ValueError, ArithmeticError) as e:  # ArithmeticError: Diverged, from the trial step
            assert "finite" in str(e) or "NaN" in str(e)
            continue
        answered += 1
        if request == "predict-test-digit":  # one policy: a diverged network's outputs are null, never 0
            assert None in answer["outputs"]
    ask(session, "info")
    assert answered >= 5
    with pytest.raises(ValueError, match="not finite"):  # a file that could not be read back
        session.model_json("file")


def test_only_the_requests_marked_for_the_page_can_be_called(session, ask):
    with pytest.raises(ValueError, match="unknown request '_net'"):
        ask(session, "_net", which="model")
    with pytest.raises(ValueError, match="unknown request 'load-full'"):  # the worker's own, with a file path
        ask(session, "load-full", source="/etc/passwd")
    with pytest.raises(TypeError):
        wire.call(session, "evaluate", "[1, 2]")
    assert ask(session, "confusion-cell", which="model", true_label=1, predicted=1)["true"] == 1  # dashes to names


def test_a_coroutines_answer_is_encoded_when_it_resolves(session):
    events = []
    answer = wire.call(
        session,
        "train",
        json.dumps({"params": {"hidden": [4], "epochs": 1, "train_size": 20, "batch_size": 10, "seed": 1}}),
        None,
        lambda event, text: events.append((event, json.loads(text))),
        lambda: asyncio.sleep(0),
    )
    assert not isinstance(answer, str)
    assert json.loads(asyncio.run(answer))["epochs_done"] == 1
    assert [e for e, _ in events].count("epoch") == 1 and events[-1][0] == "progress"


def test_no_browser_imports_anywhere_in_the_pages_python():
    for path in Path(wire.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {
            alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        modules |= {
            node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not modules & {"js", "pyodide", "pyodide_js"}, (path.name, modules)


def test_only_the_pages_package_encodes_json_for_javascript():
    """One entry point: no module outside page/ writes JSON for the worker (model files are the network's:
    Network.to_json, which model_io.loads reads back)."""
    package = Path(backprop.__file__).parent
    for path in package.rglob("*.py"):
        rel = path.relative_to(package)
        if rel.parts[0] in ("page", "cli") or rel.as_posix() == "nn/network.py":
            continue
        assert "json.dumps" not in path.read_text(encoding="utf-8"), rel
