"""Sessions made ahead by the worker that makes the page's start-up snapshot (web/js/snapshot-worker.js).

A page started from that snapshot skips reading the shipped model (about 0.6 s of a second visit): the
session was made before the snapshot was taken. It is kept under a key of the model file (config.json's
sha256 of it): a page asks with the key of the model it would read, and gets the session only if it is
that model's, once.
"""

from .session import Session

_made = {}


def make_ahead(model_text, key):
    """Read `model_text` into a session now, kept under `key` for ``made_ahead``."""
    _made.clear()
    _made[str(key)] = Session(None, model_text)


def made_ahead(key):
    """The session made ahead under `key` (once), or None."""
    return _made.pop(str(key), None)
