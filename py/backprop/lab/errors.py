"""The lab's one error: a learner's code that could not be checked (a syntax error, an exception, a
wrong shape), as a plain message with the line of their code it points at. Its own module so that
every exercise's check can raise it without importing ``check`` (which imports them)."""

import dis
import traceback


class LabError(Exception):
    """The learner's code could not be checked: a syntax error, an exception, a wrong shape.

    ``line`` is the line of their code it points at (None when it is not a line's fault); ``layer`` the
    layer (or, for the layer exercises, the quantity) whose verdict it spoils."""

    def __init__(self, message, line=None, kind="error", layer=None):
        super().__init__(message)
        self.line, self.kind, self.layer = line, kind, layer

    def to_dict(self):
        return {"kind": self.kind, "message": str(self), "line": self.line, "layer": self.layer}


def line_in(tb, filename):
    """The deepest line of ``filename`` in a traceback: where their code was when it failed."""
    line = None
    for frame in traceback.extract_tb(tb):
        if frame.filename == filename:
            line = frame.lineno
    return line


def from_exception(e, filename):
    """An exception raised in their code as a LabError naming its line."""
    line = line_in(e.__traceback__, filename)
    where = f"line {line}: " if line else ""
    return LabError(f"{where}{type(e).__name__}: {e}", line=line, kind="exception")


def filename_of(fn):
    """The file name the learner's function was compiled under (None for a builtin)."""
    return getattr(getattr(fn, "__code__", None), "co_filename", None)


def return_line(fn):
    """The line of the function's one return statement (None when it has several, or is a builtin): where
    a wrong shape it returned was made, for the editor to mark."""
    try:
        lines = {i.positions.lineno for i in dis.get_instructions(fn) if i.opname in ("RETURN_VALUE", "RETURN_CONST")}
    except TypeError:
        return None
    return lines.pop() if len(lines) == 1 else None
