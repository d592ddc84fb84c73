"""The command line's two errors of its own: a bad argument found after parsing (exit 2), and Ctrl-C with
what had been saved by then (exit 130)."""


class UsageError(Exception):
    """A bad argument found after parsing (e.g. an existing --out): exit 2 with its message."""


class Interrupted(Exception):
    """Ctrl-C, with what had been saved by then (exit 130)."""

    def __init__(self, saved):
        super().__init__("interrupted; " + (f"saved {' and '.join(map(str, saved))}" if saved else "nothing was saved"))
