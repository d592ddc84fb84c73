"""The parameters of a run in the page: defaults, limits and messages from ``limits.json``, and the
checks that turn the form's values (or a link's) into a complete, checked record.

``limits.json`` is the one copy of those numbers and messages: this module reads it for the worker's
checks and the command line's choices, and ``build.py`` copies it beside ``web/js/state.js``, which
checks the form with the same limits and fills the same messages. A bad value raises ValueError whose
message starts with the field's name and quotes the value as typed. What it leaves out: running
anything (``training``), and the JavaScript side of the same checks (state.js).
"""

import json
import math
import numbers
from importlib import resources

import numpy as np

from ..nn.costs import COSTS as LIBRARY_COSTS
from ..nn.network import WEIGHT_INITS as LIBRARY_WEIGHT_INITS
from ..nn.validate import parameters, short

# read through importlib.resources: the page imports the package from an unpacked zip, and an
# installed copy may live in a zip too
LIMITS = json.loads(resources.files(__package__).joinpath("limits.json").read_text(encoding="utf-8"))
FIELDS = LIMITS["fields"]
N_INPUTS, N_OUTPUTS = LIMITS["inputs"], LIMITS["outputs"]
COSTS = tuple(FIELDS["cost"]["values"])  # the library's names: "cross-entropy", "quadratic"
WEIGHT_INITS = tuple(FIELDS["weight_init"]["values"])
if set(COSTS) != set(LIBRARY_COSTS) or set(WEIGHT_INITS) != set(LIBRARY_WEIGHT_INITS):
    raise ImportError("limits.json names other costs or weight initialisations than backprop.nn does")
MAX_HIDDEN_LAYERS = FIELDS["hidden"]["maxLayers"]
MAX_LAYER_SIZE = FIELDS["hidden"]["max"]  # a browser tab's memory and patience, not the maths'
MAX_EPOCHS = FIELDS["epochs"]["max"]
MAX_SEED = FIELDS["seed"]["max"]
MAX_STEP_WORK = LIMITS["maxStepWork"]  # weights and biases × mini-batch size, for one step
MAX_PARAMETERS = LIMITS["maxParameters"]  # a network the page keeps and shows
CONV = FIELDS["convolutions"]  # the convolution and pooling layers before the hidden ones: their bounds
# the worker's switch, not a form field: the four monitors on
WORKER_SWITCHES = {"monitor": True}
DEFAULTS = {**{name: f["default"] for name, f in FIELDS.items()}, **WORKER_SWITCHES}
# the settings a paired run may vary: "sigmoid or ReLU?", "L1 or L2?", "with or without dropout?", ...
PAIRABLE = (
    "cost",
    "eta",
    "lmbda",
    "weight_init",
    "activation",
    "regularization",
    "dropout",
    "momentum",
    "convolutions",
    "expand",
)
COST_OUTPUTS = LIMITS["costOutputs"]  # cost -> the output layer it goes with in the page
if set(COST_OUTPUTS) != set(COSTS):
    raise ImportError("limits.json's costOutputs must name every cost")


def message(key, **values):
    """One of the shared messages, its {placeholders} filled as state.js fills them."""
    return LIMITS["messages"][key].format_map(values)


def text(value):
    """A value in a message: numbers as JavaScript's String() shows them (5.0 as "5"), anything else
    (a string where a number belongs, a bool) as its repr, so that the wrong type shows."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return short(value, 40)


def is_int(value, lo, hi):
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON from JavaScript has no integer type
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and lo <= value <= hi


def checked_int(name, value, lo, hi, key="int"):
    """An int lo..hi; ``name`` is a field of limits.json (its label goes into the message) or a label."""
    if not is_int(value, lo, hi):
        label = FIELDS[name]["label"] if name in FIELDS else name
        prefix = f"{name}: " if name in FIELDS else ""
        raise ValueError(prefix + message(key, label=label, min=lo, max=hi, value=text(value)))
    return int(value)


def checked_float(name, value):
    f = FIELDS[name]
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < f["min"]
        or (f.get("exclusiveMin") and value == f["min"])
        or ("max" in f and value > f["max"])
    ):
        key = "range" if "max" in f else "positive" if f.get("exclusiveMin") else "non_negative"
        raise ValueError(
            f"{name}: " + message(key, label=f["label"], value=text(value), min=f["min"], max=f.get("max"))
        )
    return float(value)


def checked_choice(name, value):
    f = FIELDS[name]
    if not isinstance(value, str) or value not in f["values"]:
        raise ValueError(
            f"{name}: "
            + message(
                "choice",
                label=f["label"],
                values=", ".join(f["values"]),
                value=value if isinstance(value, str) else text(value),
            )
        )
    return value


def parse_hidden(value):
    """Hidden layer sizes from "100,30", "30", "" (none) or a list of ints."""
    prefix = f"hidden {short(value, 40)}: "
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(" ", ",").split(",") if p.strip()]
        value = [int(p) if p.isdigit() else p for p in parts]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"hidden layers must be a list of sizes, got {short(value, 40)}")
    if len(value) > MAX_HIDDEN_LAYERS:
        raise ValueError(prefix + message("layer_count", max=MAX_HIDDEN_LAYERS, count=len(value)))
    lo = FIELDS["hidden"]["min"]
    for n in value:
        if not is_int(n, lo, MAX_LAYER_SIZE):
            shown = n if isinstance(n, str) else text(n)  # a piece of the typed text, as typed
            raise ValueError(prefix + message("layer_size", min=lo, max=MAX_LAYER_SIZE, value=shown))
    return [int(n) for n in value]


def parse_convolutions(value):
    """The convolutions field, "conv:8:5:relu,pool:2" ("" for none), as the page allows it: conv and pool
    items only, each bound of limits.json, every kernel and window fitting the maps it gets on a 1×28×28
    digit. Returns (canonical text, [(kind, settings)], the output shape, multiply-adds per digit);
    a conv's activation defaults to sigmoid, as ``layers.parse_spec``'s does. Mirrored by state.js."""
    if not isinstance(value, str):
        raise ValueError("convolutions: " + message("conv_item", value=short(value, 40)))
    items = [t.strip() for t in value.split(",")] if value.strip() else []
    if len(items) > CONV["maxLayers"]:
        raise ValueError("convolutions: " + message("conv_count", max=CONV["maxLayers"], count=len(items)))
    shape, work, out = tuple(CONV["input"]), 0, []
    for item in items:
        kind, *args = [t.strip() for t in item.split(":")]
        if not ((kind == "conv" and len(args) in (2, 3)) or (kind == "pool" and len(args) == 1)):
            raise ValueError("convolutions: " + message("conv_item", value=item))
        names = ("filters", "kernel") if kind == "conv" else ("pool",)
        for what, arg in zip(names, args):
            lo, hi = CONV[what]["min"], CONV[what]["max"]
            if not (arg.isascii() and arg.isdigit() and lo <= int(arg) <= hi):  # as state.js's /^\d+$/
                raise ValueError("convolutions: " + message("conv_range", what=what, value=item, min=lo, max=hi))
        c, h, w = shape
        n = int(args[-1] if kind == "pool" else args[1])
        if (kind == "conv" and n > min(h, w)) or (kind == "pool" and (h % n or w % n)):
            raise ValueError("convolutions: " + message("conv_fit", value=item, shape="×".join(map(str, shape))))
        if kind == "pool":
            shape = (c, h // n, w // n)
            out.append(("pool", {"size": n}))
            continue
        activation = args[2] if len(args) == 3 else "sigmoid"
        if activation not in CONV["activations"]:
            raise ValueError(
                "convolutions: " + message("conv_activation", value=item, values=", ".join(CONV["activations"]))
            )
        shape = (int(args[0]), h - n + 1, w - n + 1)
        work += (c * n * n + 1) * math.prod(shape)
        out.append(("conv", {"filters": int(args[0]), "kernel": n, "activation": activation}))
    text = ",".join(
        f"conv:{s['filters']}:{s['kernel']}:{s['activation']}" if k == "conv" else f"pool:{s['size']}" for k, s in out
    )
    return text, out, shape, work


def conv_parameters(convs):
    """The weights and biases of ``parse_convolutions``' layers: (c_in·k·k + 1)·c_out each conv."""
    n, channels = 0, CONV["input"][0]
    for kind, s in convs:
        if kind == "conv":
            n += (channels * s["kernel"] ** 2 + 1) * s["filters"]
            channels = s["filters"]
    return n


def sizes(hidden):
    """The layer sizes of the page's networks: 784 inputs, the hidden layers, 10 outputs."""
    return [N_INPUTS, *hidden, N_OUTPUTS]


def network_of(p):
    """A checked run's network, as ``Network`` builds it (a new random start from its seed)."""
    from ..nn.layers import Conv2D, Dense, MaxPool2D
    from ..nn.network import Network  # late: the library imports nothing of the page

    convs = parse_convolutions(p.get("convolutions", ""))[1]
    if convs:  # chapter 6: the convolutions on the digit as an image, then the dense layers
        layers = [Conv2D(**s) if kind == "conv" else MaxPool2D(**s) for kind, s in convs]
        layers += [Dense(n, p["activation"]) for n in p["hidden"]] + [Dense(N_OUTPUTS, p["output"])]
        return Network.stack(
            layers, tuple(CONV["input"]), cost=p["cost"], seed=p["seed"], weight_init=p["weight_init"], dtype=p["dtype"]
        )
    return Network(
        sizes(p["hidden"]),
        cost=p["cost"],
        seed=p["seed"],
        weight_init=p["weight_init"],
        dtype=p["dtype"],
        activation=p["activation"],
        output=p["output"],
    )


def step_rule(p):
    """A checked run's step settings, as ``Network.train_steps`` takes them."""
    return {"regularization": p["regularization"], "dropout": p["dropout"], "momentum": p["momentum"]}


def _check_step_work(hidden, batch_size, convolutions=""):
    """One mini-batch step must stay short in a browser: Stop is read between steps. With convolutions,
    their multiply-adds count and the network must stay within the page's parameter cap."""
    _, convs, shape, work = parse_convolutions(convolutions)
    if convs:
        dense = parameters([math.prod(shape), *hidden, N_OUTPUTS])
        n = dense + conv_parameters(convs)
        if n > MAX_PARAMETERS:
            raise ValueError(
                "convolutions: " + message("conv_parameters", parameters=f"{n:,}", cap=f"{MAX_PARAMETERS:,}")
            )
        work += dense
        if work * batch_size > MAX_STEP_WORK:
            raise ValueError(
                "batch_size: "
                + message(
                    "conv_step_work",
                    work=f"{work:,}",
                    batch_size=batch_size,
                    cap=f"{MAX_STEP_WORK:,}",
                    max_batch=max(1, MAX_STEP_WORK // work),
                )
            )
        return
    n = parameters(sizes(hidden))
    if n * batch_size > MAX_STEP_WORK:
        raise ValueError(
            "batch_size: "
            + message(
                "step_work",
                parameters=f"{n:,}",
                batch_size=batch_size,
                cap=f"{MAX_STEP_WORK:,}",
                max_batch=max(1, MAX_STEP_WORK // n),
            )
        )


def validate_params(params, n_train_available):
    """A complete, checked copy of a run's parameters; unknown or bad values raise ValueError."""
    if not isinstance(params, dict):
        raise TypeError(f"parameters must be a dict, got {type(params).__name__}")
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; expected some of {', '.join(DEFAULTS)}")
    p = {**DEFAULTS, "train_size": min(DEFAULTS["train_size"], n_train_available), **params}
    out = {"convolutions": parse_convolutions(p["convolutions"])[0], "hidden": parse_hidden(p["hidden"])}
    out["cost"] = checked_choice("cost", p["cost"])
    out["activation"] = checked_choice("activation", p["activation"])
    out["output"] = checked_choice("output", p["output"])
    if out["output"] != COST_OUTPUTS[out["cost"]]:
        raise ValueError("output: " + message("cost_output", cost=out["cost"], needs=COST_OUTPUTS[out["cost"]]))
    out["eta"] = checked_float("eta", p["eta"])
    out["regularization"] = checked_choice("regularization", p["regularization"])
    out["lmbda"] = checked_float("lmbda", p["lmbda"])
    out["dropout"] = checked_float("dropout", p["dropout"])
    out["momentum"] = checked_float("momentum", p["momentum"])
    out["expand"] = checked_choice("expand", p["expand"])  # the training digits x5 (data.expand), or not
    out["train_size"] = checked_int("train_size", p["train_size"], FIELDS["train_size"]["min"], n_train_available)
    if is_int(p["batch_size"], FIELDS["batch_size"]["min"], math.inf) and p["batch_size"] > out["train_size"]:
        raise ValueError(
            "batch_size: " + message("batch_vs_train", batch_size=text(p["batch_size"]), train_size=out["train_size"])
        )
    out["batch_size"] = checked_int("batch_size", p["batch_size"], FIELDS["batch_size"]["min"], out["train_size"])
    out["epochs"] = checked_int("epochs", p["epochs"], FIELDS["epochs"]["min"], MAX_EPOCHS)
    out["weight_init"] = checked_choice("weight_init", p["weight_init"])
    out["seed"] = (
        None if p["seed"] in (None, "") else checked_int("seed", p["seed"], FIELDS["seed"]["min"], MAX_SEED, key="seed")
    )
    _check_step_work(out["hidden"], out["batch_size"], out["convolutions"])
    if not isinstance(p["monitor"], bool):
        raise ValueError(f"monitor must be true or false, got {p['monitor']!r}")
    out["monitor"] = p["monitor"]
    out["dtype"] = checked_choice("dtype", p["dtype"])  # backend "auto": the WebAssembly kernel when
    out["backend"] = checked_choice("backend", p["backend"])  # the page installed it (see nn/backend.py)
    return out


def paired_params(params, vary, value, n_train_available):
    """Two runs that differ in exactly one setting: (A, B), both checked. Same seed, so the same initial
    weights and the same mini-batch order (initialisation draws the same numbers whichever scale it
    uses); with no seed given, one is drawn for both. B's η or λ may come as the form's text."""
    if vary not in PAIRABLE:
        raise ValueError(f"a paired run varies one of {', '.join(PAIRABLE)}, got {vary!r}")
    if vary in ("eta", "lmbda", "dropout", "momentum") and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"run B's {FIELDS[vary]['label']} must be a number, got {short(value, 40)}") from None
    a = validate_params(params, n_train_available)
    if a["seed"] is None:
        a["seed"] = int(np.random.default_rng().integers(0, MAX_SEED))
    other = {vary: value}
    if vary == "cost" and isinstance(value, str) and value in COST_OUTPUTS:
        other["output"] = COST_OUTPUTS[value]  # the other cost with its own output layer: CE or LL, say
    b = validate_params({**a, **other}, n_train_available)
    return a, b
