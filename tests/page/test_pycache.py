"""backprop.page.pycache: compiled modules kept between visits — used without their source's times,
and a damaged or foreign zip refused before anything is written."""

import importlib
import io
import sys
import zipfile

import pytest

from backprop.page import pycache


def make_package(root, value):
    (root / "kept").mkdir(parents=True)
    (root / "kept" / "__init__.py").write_text("")
    (root / "kept" / "answer.py").write_text(f"VALUE = {value}\n")


def import_answer(root):
    sys.path.insert(0, str(root))
    try:
        for name in ("kept.answer", "kept"):
            sys.modules.pop(name, None)
        importlib.invalidate_caches()
        return importlib.import_module("kept.answer").VALUE
    finally:
        sys.path.remove(str(root))
        for name in ("kept.answer", "kept"):
            sys.modules.pop(name, None)


def test_packed_modules_are_used_without_their_sources_times(tmp_path, monkeypatch):
    first = tmp_path / "visit1"
    make_package(first, 1)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert import_answer(first) == 1  # Python writes kept/__pycache__/*.pyc
    data = pycache.pack([str(first)])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.endswith("kept/__pycache__/answer.cpython-%d%d.pyc" % sys.version_info[:2]) for n in names)
    # the next visit: the same files unpacked afresh (new times); the kept .pyc is used as it is, so a
    # source edited behind its back (which a visit never does: the key names the files) shows it
    for path in (first / "kept").glob("__pycache__/*"):
        path.unlink()
    (first / "kept" / "answer.py").write_text("VALUE = 2\n")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert import_answer(first) == 2
    assert pycache.unpack(data, [str(first)]) == len(names)
    assert import_answer(first) == 1


def test_a_damaged_or_foreign_zip_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    root = tmp_path / "site"
    make_package(root, 3)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    import_answer(root)
    data = pycache.pack([str(root)])
    for path in (root / "kept").glob("__pycache__/*"):
        path.unlink()
    name = zipfile.ZipFile(io.BytesIO(data)).namelist()[0]

    def rezip(entries):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for n, body in entries.items():
                z.writestr(n, body)
        return out.getvalue()

    body = zipfile.ZipFile(io.BytesIO(data)).read(name)
    flipped = bytearray(data)
    flipped[data.index(body) + 20] ^= 0xFF  # a byte of the module inside: its CRC no longer matches
    cases = {
        "truncated": (data[: len(data) // 2], "damaged"),
        "a flipped byte": (bytes(flipped), "damaged"),
        "another Python's": (rezip({name: b"\0\0\r\n" + body[4:]}), "not compiled by this Python"),
        "checked against its source": (rezip({name: body[:4] + b"\0\0\0\0" + body[8:]}), "not compiled"),
        "outside the roots": (rezip({"etc/__pycache__/x.pyc": body}), "not a module's .pyc"),
        "not in __pycache__": (rezip({name.replace("__pycache__/", ""): body}), "not a module's .pyc"),
    }
    for what, (bad, message) in cases.items():
        with pytest.raises(ValueError, match=message):
            pycache.unpack(bad, [str(root)])
        assert not list((root / "kept").glob("__pycache__/*")), what  # nothing written
