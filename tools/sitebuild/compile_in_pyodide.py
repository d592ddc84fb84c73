"""Run inside Pyodide by compile_modules.mjs (under Node, at build time): the modules the page's and the
lab's Python import, compiled to bytecode by the very interpreter the page runs (issue 19).

Pyodide ships its standard library and numpy as source, so every visit without a snapshot compiled
about 240 modules before the page was ready (1.3 s of a 3.8 s cold start here). Started the way the
page starts it, Python imports numpy and every module of the package; each module of the standard
library's zip or numpy's wheel that was imported (and the rest of its package: ``to_compile``) is
then written back as ``X.pyc`` in place of ``X.py``: an unchecked hash-based .pyc (PEP 552: the
source's hash is recorded, never compared; the archives are pinned by their sha256 instead), which
the import system finds without a source. What the page never imports stays source, for a learner's
own code in the lab; the package stays source too (a learner's traceback through it shows its
lines; compiling it takes 0.1 s).

Bytes before "ready" count as well as seconds, so the bytecode is made smaller: no column positions
(PYTHONNODEBUGRANGES, set by the caller: tracebacks keep their line numbers and lose the ^^^ marks
under an expression) and no docstrings (``python -OO``'s rule, asserts kept; the standard library
and numpy are both tested under -OO) except where the code reads its own (DOCSTRINGS_READ). The
archives then weigh about what they did as source.

Reads ``job`` (a dict the caller sets): package_dir, and each archive's path in and out.
"""

import ast
import base64
import hashlib
import importlib
import importlib.util
import pkgutil
import sys
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

STDLIB_PREFIX = "/lib/python312.zip/"  # where Pyodide puts the standard library's zip (sys.path)
SITE_PACKAGES = "/lib/python3.12/site-packages/"  # where it unpacks numpy's wheel
# Where docstrings are read by the code itself, so kept: Pyodide's own Python (the documentation of its
# JavaScript objects), and numpy's dispatchers, whose docstrings its C functions take as theirs
# (np.dot's, np.where's: numpy's add_docstring refuses anything but a str unless Python runs -OO).
DOCSTRINGS_READ = ("_pyodide/", "pyodide/", "numpy/_core/multiarray.py")


def imported(package_dir):
    """The files of every module loaded once numpy and every module of the package are imported."""
    import numpy  # noqa: F401

    for _, name, _ in pkgutil.walk_packages([f"{package_dir}/backprop"], "backprop."):
        importlib.import_module(name)
    files = (getattr(m, "__file__", None) for m in list(sys.modules.values()))
    return {f for f in files if isinstance(f, str) and f.endswith(".py")}


class _Docstrings(ast.NodeTransformer):
    """Drops the docstring of the module, of every class and of every function (``-OO``'s rule)."""

    def _strip(self, node):
        self.generic_visit(node)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            if isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.copy_location(ast.Pass(), body[0])]
        return node

    visit_Module = visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _strip


def compiled(source, filename, docstrings=True):
    """``source`` (bytes) as an unchecked hash-based .pyc for ``filename`` (the path imports will see)."""
    tree = ast.parse(source, filename)
    if not docstrings:
        tree = _Docstrings().visit(tree)
    code = compile(tree, filename, "exec", dont_inherit=True)
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def _unit(name):
    """The top-level package (or module) an archive's entry belongs to."""
    return name.split("/", 1)[0]


def to_compile(names, root, used, docstrings):
    """The .py entries of an archive to compile: those imported (``root + name`` in ``used``), and with
    them every other module of the same top-level package where docstrings go. A package is never
    half without docstrings: email.policy, say, extends its base class's docstring, and numpy.ma
    numpy's (-OO is tested with all of them gone or none)."""
    sources = [n for n in names if n.endswith(".py")]
    whole = {_unit(n) for n in sources if root + n in used and not docstrings(n)}
    return {n for n in sources if root + n in used or (_unit(n) in whole and not docstrings(n))}


def rewrite(source, dest, root, used, docstrings):
    """Copy the zip ``source`` to ``dest`` (deflated, same names, dates and order) with each module of
    ``to_compile`` replaced by its X.pyc (with docstrings where ``docstrings(name)``). A wheel's RECORD
    names what is left. Returns (modules compiled, modules left as source)."""
    done, left, record = 0, 0, []
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(dest, "w") as zout:
        chosen = to_compile(zin.namelist(), root, used, docstrings)

        def write(name, data, like):
            info = zipfile.ZipInfo(name, date_time=like.date_time)
            info.external_attr = like.external_attr
            info.compress_type = zipfile.ZIP_STORED if like.is_dir() else zipfile.ZIP_DEFLATED
            zout.writestr(info, data, compresslevel=9)
            if not like.is_dir():
                record.append((name, data))

        records = []
        for info in zin.infolist():
            name, data = info.filename, zin.read(info)
            if name.endswith(".dist-info/RECORD"):
                records.append(info)
            elif name in chosen:
                write(name + "c", compiled(data, root + name, docstrings(name)), info)
                done += 1
            else:
                left += name.endswith(".py")
                write(name, data, info)
        for info in records:  # last, as in the wheel
            lines = "".join(_record_line(n, d) for n, d in record) + f"{info.filename},,\n"
            write(info.filename, lines.encode("utf-8"), info)
    return done, left


def docstrings_read(name):
    return name.startswith(DOCSTRINGS_READ)


def main(job):
    used = imported(job["package_dir"])
    return {
        "stdlib": rewrite(job["stdlib"], job["stdlib_out"], STDLIB_PREFIX, used, docstrings_read),
        "numpy": rewrite(job["wheel"], job["wheel_out"], SITE_PACKAGES, used, docstrings_read),
    }


if "job" in globals():  # set by compile_modules.mjs (the build's tests import this file as a module)
    result = main(job)  # noqa: F821
