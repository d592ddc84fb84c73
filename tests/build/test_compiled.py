"""Python's modules compiled at build time (tools/sitebuild/compiled.py, compile_in_pyodide.py): what
the page imports comes as bytecode made from Pyodide's own sources, the rest stays source, docstrings
go where nothing reads them, and a machine without Node still builds a working site."""

import _imp
import ast
import importlib.util
import json
import marshal
import zipfile

import pytest

from ci_support import skip_or_fail
from sitebuild import compiled

WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, never checked against a source


def _inside():
    """compile_in_pyodide.py as a module (it runs its job only when compile_modules.mjs sets one)."""
    path = compiled.SCRIPT.with_name("compile_in_pyodide.py")
    spec = importlib.util.spec_from_file_location("compile_in_pyodide", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compiled_from(pyc, source):
    """True when ``pyc`` is an unchecked hash-based .pyc whose recorded hash is ``source``'s."""
    flags = int.from_bytes(pyc[4:8], "little")
    key = int.from_bytes(pyc[:4], "little")  # the source hash is keyed by the magic number
    return flags == UNCHECKED_HASH and pyc[8:16] == _imp.source_hash(key, source)


@pytest.fixture(scope="module")
def compiled_site(site):
    config = json.loads((site / "config.json").read_text())
    if config["modulesCompiled"] is None:
        skip_or_fail("Node.js 18 or later is needed to compile Python's modules at build time")
    return site, config["modulesCompiled"]


def test_the_modules_the_page_imports_come_compiled_from_pyodides_own_sources(compiled_site, pyodide_dir):
    site, counts = compiled_site
    assert counts["stdlib"][0] > 120 and counts["numpy"][0] > 50, counts  # compiled, left as source
    pairs = [
        (zipfile.ZipFile(pyodide_dir / "python_stdlib.zip"), zipfile.ZipFile(site / "py" / "python_stdlib.zip")),
        (zipfile.ZipFile(site / "pyodide" / WHEEL), zipfile.ZipFile(site / "py" / WHEEL)),
    ]
    for (original, shipped), (done, left) in zip(pairs, (counts["stdlib"], counts["numpy"]), strict=True):
        names = set(shipped.namelist())
        pycs = sorted(n for n in names if n.endswith(".pyc"))
        assert len(pycs) == done and sum(n.endswith(".py") for n in names) == left
        for name in pycs:
            assert name[:-1] not in names, f"{name} ships with its source"
            assert _compiled_from(shipped.read(name), original.read(name[:-1])), name
    stdlib = zipfile.ZipFile(site / "py" / "python_stdlib.zip").namelist()
    assert {"asyncio/__init__.pyc", "json/decoder.pyc", "_pyodide/_base.pyc"} <= set(stdlib)
    assert {"difflib.py", "argparse.py"} <= set(stdlib)  # never imported by the page: a learner's, as source
    assert {"email/_policybase.pyc", "email/policy.pyc"} <= set(stdlib)  # one package, all compiled
    wheel = zipfile.ZipFile(site / "py" / WHEEL)
    assert "numpy/_core/numeric.pyc" in wheel.namelist() and "numpy/ma/core.pyc" in wheel.namelist()
    assert not [n for n in wheel.namelist() if n.endswith(".py")]  # numpy is one package
    record = wheel.read("numpy-2.0.2.dist-info/RECORD").decode()
    assert "numpy/_core/numeric.pyc,sha256=" in record and "numpy/_core/numeric.py," not in record


def test_the_same_input_gives_the_same_bytes(compiled_site, pyodide_dir, tmp_path):
    """Compiled again from Pyodide's pinned files and the same package, the archives are the site's, byte
    for byte: a rebuild changes no sha256, so no visitor's cache or snapshot is thrown away for nothing."""
    from sitebuild import trim

    site, counts = compiled_site
    stdlib, wheel = tmp_path / "python_stdlib.zip", tmp_path / WHEEL
    _, _, again = trim.write_python_archives(
        pyodide_dir / "python_stdlib.zip", stdlib, site / "pyodide" / WHEEL, wheel,
        pyodide_dir=site / "pyodide", package=site / "py" / "backprop.zip", log=lambda *a: None,
    )  # fmt: skip
    assert again == counts
    assert stdlib.read_bytes() == (site / "py" / "python_stdlib.zip").read_bytes()
    assert wheel.read_bytes() == (site / "py" / WHEEL).read_bytes()


def test_docstrings_stay_only_where_the_code_reads_them(compiled_site):
    site, _ = compiled_site
    stdlib = zipfile.ZipFile(site / "py" / "python_stdlib.zip")
    wheel = zipfile.ZipFile(site / "py" / WHEEL)
    # the text of a docstring is among a compiled module's bytes only if it was kept
    assert b"Event loop and event loop policy" not in stdlib.read("asyncio/events.pyc")  # module docstring
    assert b"Return an array of zeros with the same shape" not in wheel.read("numpy/_core/numeric.pyc")
    assert b"Dot product of two arrays" in wheel.read("numpy/_core/multiarray.pyc")  # np.dot's own
    assert b"A proxy to make a JavaScript object behave" in stdlib.read("_pyodide/_core_docs.pyc")  # JsProxy's


def test_docstrings_are_dropped_by_pythons_own_rule_and_nothing_else():
    inside = _inside()
    source = (
        '"""module"""\nimport math\n'
        'def only():\n    """gone"""\n'
        'class K:\n    """gone too"""\n    x = 1\n    async def f(self):\n        "still gone"\n        return "kept"\n'
        'def g():\n    assert math.pi > 3, "asserts stay"\n    return 2\n'
    )
    tree = inside._Docstrings().visit(ast.parse(source))
    namespace = {}
    exec(compile(tree, "<t>", "exec"), namespace)  # noqa: S102 (our own test source)
    assert namespace.get("__doc__") is None and namespace["only"]() is None and namespace["only"].__doc__ is None
    assert namespace["K"].__doc__ is None and namespace["K"].x == 1 and namespace["K"].f.__doc__ is None
    assert namespace["g"]() == 2
    assert any(isinstance(n, ast.Assert) for n in ast.walk(tree))
    assert inside.docstrings_read("numpy/_core/multiarray.py") and inside.docstrings_read("_pyodide/_base.py")
    assert not inside.docstrings_read("numpy/_core/numeric.py") and not inside.docstrings_read("asyncio/events.py")


def test_a_package_is_compiled_whole_where_its_docstrings_go():
    inside = _inside()
    names = ["a/__init__.py", "a/used.py", "a/other.py", "b/__init__.py", "c.py", "d.py", "keep/x.py", "keep/y.py"]
    used = {"/r/a/used.py", "/r/c.py", "/r/keep/x.py"}
    keep = lambda name: name.startswith("keep/")  # noqa: E731
    chosen = inside.to_compile(names, "/r/", used, keep)
    assert chosen == {"a/__init__.py", "a/used.py", "a/other.py", "c.py", "keep/x.py"}


def test_a_rewritten_archive_keeps_what_was_not_imported_and_names_the_rest_in_its_record(tmp_path):
    inside = _inside()
    src = tmp_path / "in.whl"
    with zipfile.ZipFile(src, "w") as z:
        z.writestr("pkg/__init__.py", '"""doc"""\nX = 1\n')
        z.writestr("other/unused.py", "Y = 2\n")
        z.writestr("pkg/data.txt", "text")
        z.writestr("pkg-1.0.dist-info/RECORD", "pkg/__init__.py,sha256=x,20\n")
    done, left = inside.rewrite(src, tmp_path / "out.whl", "/r/", {"/r/pkg/__init__.py"}, lambda n: False)
    out = zipfile.ZipFile(tmp_path / "out.whl")
    assert (done, left) == (1, 1)
    assert out.namelist() == ["pkg/__init__.pyc", "other/unused.py", "pkg/data.txt", "pkg-1.0.dist-info/RECORD"]
    pyc = out.read("pkg/__init__.pyc")
    assert _compiled_from(pyc, b'"""doc"""\nX = 1\n')
    code = marshal.loads(pyc[16:])  # this Python's magic: the test's own interpreter compiled it
    assert code.co_filename == "/r/pkg/__init__.py" and "doc" not in code.co_consts
    namespace = {}
    exec(code, namespace)  # noqa: S102
    assert namespace["X"] == 1 and namespace.get("__doc__") is None
    record = out.read("pkg-1.0.dist-info/RECORD").decode().splitlines()
    assert [line.split(",")[0] for line in record] == [*out.namelist()[:3], "pkg-1.0.dist-info/RECORD"]


def test_without_node_the_build_ships_source_and_says_why(tmp_path, monkeypatch):
    said = []
    monkeypatch.setenv("NODE", str(tmp_path / "no-such-node"))
    stdlib, wheel = tmp_path / "s.zip", tmp_path / "w.whl"
    stdlib.write_bytes(b"unchanged")
    wheel.write_bytes(b"unchanged too")
    assert compiled.compile_ahead(tmp_path, stdlib, wheel, tmp_path / "p.zip", said.append) is None
    assert "Node.js was not found" in said[0] and "not compiled ahead" in said[0]
    assert stdlib.read_bytes() == b"unchanged" and wheel.read_bytes() == b"unchanged too"
