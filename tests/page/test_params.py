"""backprop.page.params: a run's parameters from the form (or a link) checked into one complete record,
every bad value named; the limits read from limits.json, the one copy the command line reads too."""

import json

import pytest

from backprop.cli import main as cli
from backprop.nn.costs import COSTS as LIBRARY_COSTS
from backprop.nn.network import WEIGHT_INITS
from backprop.nn.validate import parameters
from backprop.page import params
from ci_support import ROOT


def test_defaults_are_valid_and_complete():
    p = params.validate_params({}, 10000)
    assert p["hidden"] == [30] and p["cost"] == "cross-entropy" and p["seed"] == 1
    assert set(p) == set(params.DEFAULTS)
    assert params.validate_params({}, 500)["train_size"] == 500  # the default never exceeds the subset


@pytest.mark.parametrize(
    "text, sizes",
    [
        ("30", [30]),
        ("100,30", [100, 30]),
        (" 100, 30 ", [100, 30]),
        ("", []),
        ([50, 20], [50, 20]),
        ("100 30", [100, 30]),
    ],
)
def test_hidden_layers_parse(text, sizes):
    assert params.validate_params({"hidden": text}, 100)["hidden"] == sizes


@pytest.mark.parametrize(
    "given, named",
    [
        ({"eta": 0}, "eta"),
        ({"eta": -1.0}, "eta"),
        ({"eta": float("nan")}, "nan"),
        ({"eta": "0.5"}, "'0.5'"),
        ({"eta": True}, "True"),
        ({"lmbda": -0.1}, "-0.1"),
        ({"hidden": "30,x"}, "30,x"),
        ({"hidden": "0"}, "0"),
        ({"hidden": "1,2,3,4,5"}, "5"),
        ({"hidden": "5000"}, "5000"),
        ({"cost": "hinge"}, "hinge"),
        ({"weight_init": "zeros"}, "zeros"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2.5}, "2.5"),
        ({"train_size": 101}, "101"),
        ({"train_size": 50, "batch_size": 51}, "51"),
        ({"seed": -1}, "-1"),
        ({"seed": 2**32}, str(2**32)),
        ({"monitor": "yes"}, "yes"),
        ({"etta": 1}, "etta"),
        ({"dtype": "float16"}, "float16"),
        ({"dtype": 32}, "32"),
        ({"backend": "cuda"}, "cuda"),
    ],
)
def test_bad_parameters_raise_naming_the_value(given, named):
    with pytest.raises(ValueError) as e:
        params.validate_params(given, 100)
    assert named in str(e.value)


def test_json_numbers_that_are_whole_count_as_integers():
    p = params.validate_params({"epochs": 2.0, "batch_size": 10.0, "seed": ""}, 100)
    assert p["epochs"] == 2 and isinstance(p["epochs"], int) and p["seed"] is None


def test_one_step_is_bounded_by_weights_times_batch_size():
    biggest = [1000] * params.MAX_HIDDEN_LAYERS
    n = parameters([784, *biggest, 10])
    assert n == sum(a * b + b for a, b in zip([784, *biggest], [*biggest, 10]))  # an independent count
    fits = params.MAX_STEP_WORK // n
    assert fits >= 10  # the largest network still trains, with mini-batches of 10
    ok = params.validate_params({"hidden": biggest, "batch_size": fits}, 10000)
    assert ok["batch_size"] == fits
    with pytest.raises(ValueError, match=rf"batch_size: .*mini-batch of at most {fits}\b"):
        params.validate_params({"hidden": biggest, "batch_size": fits + 1}, 10000)
    # the default settings are far below the cap
    assert parameters([784, 30, 10]) * 10 < params.MAX_STEP_WORK / 100


PAIR = {"hidden": [12], "train_size": 120, "batch_size": 10, "epochs": 2, "seed": 5, "eta": 0.5, "lmbda": 1.0}


def test_a_pair_differs_in_one_setting_and_shares_one_seed():
    a, b = params.paired_params({**PAIR, "seed": None}, "cost", "quadratic", 200)
    assert a["seed"] == b["seed"] is not None
    assert {k for k in a if a[k] != b[k]} == {"cost"}
    assert params.paired_params(PAIR, "eta", PAIR["eta"], 200)[0] == params.paired_params(PAIR, "eta", 0.5, 200)[1]
    assert params.paired_params(PAIR, "lmbda", "2.5", 200)[1]["lmbda"] == 2.5  # as the form types it
    with pytest.raises(ValueError, match="varies one of"):
        params.paired_params(PAIR, "hidden", [30], 200)
    with pytest.raises(ValueError, match="run B's η"):
        params.paired_params(PAIR, "eta", "fast", 200)


def test_python_reads_the_json():
    data = json.loads((ROOT / "py" / "backprop" / "page" / "limits.json").read_text(encoding="utf-8"))
    f = data["fields"]
    assert params.MAX_HIDDEN_LAYERS == f["hidden"]["maxLayers"] and params.MAX_LAYER_SIZE == f["hidden"]["max"]
    assert params.MAX_EPOCHS == f["epochs"]["max"] and params.MAX_SEED == f["seed"]["max"] == 2**32 - 1
    assert {k: v for k, v in params.DEFAULTS.items() if k not in params.WORKER_SWITCHES} == {
        k: v["default"] for k, v in f.items()
    }
    assert params.validate_params({}, 10000) == {**params.DEFAULTS, "hidden": f["hidden"]["default"]}
    assert list(params.COSTS) == f["cost"]["values"]


def test_the_page_names_the_librarys_costs_and_initialisations():
    """One vocabulary: the form's choices are the library's names, not a copy that could drift."""
    assert set(params.COSTS) == set(LIBRARY_COSTS)
    assert set(params.WEIGHT_INITS) == set(WEIGHT_INITS)


def test_the_command_line_offers_the_same_choices():
    train = cli.build_parser()._subparsers._group_actions[0].choices["train"]
    actions = {a.dest: a for a in train._actions}
    assert tuple(actions["weight_init"].choices) == params.WEIGHT_INITS
    assert actions["weight_init"].default == params.DEFAULTS["weight_init"]
    for name in params.COSTS:
        assert cli._cost(name).name == name
    assert cli.build_parser().parse_args(["train"]).cost.name == params.DEFAULTS["cost"]
