"""The page's training parameters — defaults, limits and error messages — from ``limits.json``.

That JSON file is the one copy: this module reads it for the worker's checks (``backprop.browser``)
and the command line's choices, and ``build.py`` copies it beside ``web/js/state.js``, which fetches
it. What it leaves out: the checks themselves (``browser.validate_params`` in Python, ``validate`` in
state.js), which read these numbers and format these messages.
"""

import json
from importlib import resources

# read through importlib.resources: the page imports the package from an unpacked zip, and an
# installed copy may live in a zip too
LIMITS = json.loads(resources.files(__package__).joinpath("limits.json").read_text(encoding="utf-8"))
FIELDS = LIMITS["fields"]
N_INPUTS, N_OUTPUTS = LIMITS["inputs"], LIMITS["outputs"]
COSTS = tuple(FIELDS["cost"]["values"])
WEIGHT_INITS = tuple(FIELDS["weight_init"]["values"])
DEFAULTS = {name: f["default"] for name, f in FIELDS.items()}
MAX_STEP_WORK = LIMITS["maxStepWork"]   # weights and biases × mini-batch size, for one step


def n_parameters(sizes):
    """Weights and biases of a network with these layer sizes."""
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def message(key, **values):
    """One of the shared messages, its {placeholders} filled as state.js fills them."""
    return LIMITS["messages"][key].format_map(values)
