"""The lab's exercises: what a learner writes for each, its texts, and the network it trains in the
page. The list itself is exercises.json (build.py reads it too, without importing the package)."""

import importlib
import json
from dataclasses import dataclass
from importlib import resources

CATALOGUE = json.loads(resources.files(__package__).joinpath("exercises.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Exercise:
    key: str
    title: str
    intro: str
    function: str  # the name the learner's code defines
    params: tuple  # its parameters, in order
    texts_module: str
    trains: dict = None  # the page network "Train with it" uses ({}: the form's own), None: not trained

    @property
    def texts(self):
        """The module of this exercise's skeleton, reference and bugs."""
        return importlib.import_module(f".{self.texts_module}", __package__)

    @property
    def signature(self):
        return f"{self.function}({', '.join(self.params)})"


EXERCISES = {
    e["key"]: Exercise(e["key"], e["title"], e["intro"], e["function"], tuple(e["params"]), e["texts"], e.get("trains"))
    for e in CATALOGUE["exercises"]
}
DEFAULT = "backprop"


def get(key):
    """The exercise of this key; ValueError naming the keys otherwise."""
    if key not in EXERCISES:
        raise ValueError(f"no exercise {key!r}: expected one of {', '.join(EXERCISES)}")
    return EXERCISES[key]
