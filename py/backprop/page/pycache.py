"""Python's compiled modules kept between visits of the page (issue 19): numpy's and the package's
.pyc files, so that a second visit imports them instead of compiling their source again (numpy's
import takes about half as long).

Pyodide installs a wheel afresh on every visit, each file with a new modification time, so the usual
.pyc files (checked against their source's time and size) would never match. ``pack`` collects the
.pyc files Python wrote while the page imported numpy and the package, marks each one "unchecked
hash-based" (PEP 552: used without looking at the source; the flags word of the header is rewritten,
nothing is compiled again) and zips them, stored. The worker keeps the zip in Cache Storage under a key
that names Pyodide's build, numpy's wheel and the package's archive (web/js/pyc-cache.js), so a zip is
only ever given back to the files it was made from. ``unpack`` checks a zip whole before writing any
file — it reads, every entry is a .pyc in a __pycache__ folder under one of the roots, with this
Python's magic number and the unchecked flag — so a damaged one is refused and the page imports from
source as before.

Standard library only: the worker loads this file before numpy is imported. What it leaves out:
anything but .pyc files, and modules never imported before ``pack`` (they compile from source, as ever).
"""

import importlib.util
import io
import os
import zipfile

UNCHECKED_HASH = (1).to_bytes(4, "little")  # PEP 552 flags: hash-based (bit 0), check_source off (bit 1)
HEADER = 16  # magic (4), flags (4), then the source's hash or its time and size (8)


def pack(roots):
    """Every .pyc under the __pycache__ folders below ``roots`` (absolute folders), made unchecked, as
    the bytes of a stored zip whose entry names are the files' paths without the leading '/'."""
    magic = importlib.util.MAGIC_NUMBER
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for root in roots:
            for folder, _, files in sorted(os.walk(root)):
                if os.path.basename(folder) != "__pycache__":
                    continue
                for name in sorted(files):
                    path = os.path.join(folder, name)
                    with open(path, "rb") as f:
                        data = f.read()
                    if not name.endswith(".pyc") or len(data) < HEADER or data[:4] != magic:
                        continue  # another Python's or a half-written file: not ours to keep
                    z.writestr(path.lstrip("/"), data[:4] + UNCHECKED_HASH + data[8:])
    return out.getvalue()


def unpack(data, roots, dest="/"):
    """Write the .pyc files of ``pack``'s zip ``data`` (bytes, or the worker's Uint8Array) under
    ``dest``; returns how many. Raises
    ValueError, having written nothing, when the zip is damaged or holds anything else: an entry
    outside the __pycache__ folders of ``roots``, not a .pyc, another Python's magic number or a
    header that is not unchecked."""
    magic = importlib.util.MAGIC_NUMBER
    allowed = tuple(r.strip("/") + "/" for r in roots)
    if hasattr(data, "to_bytes"):  # a JavaScript Uint8Array, as the page's worker passes it
        data = data.to_bytes()
    try:
        z = zipfile.ZipFile(io.BytesIO(bytes(data)))
        bad = z.testzip()
        entries = [(info.filename, z.read(info)) for info in z.infolist()]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise ValueError(f"the kept compiled modules are damaged ({e})") from None
    if bad is not None:
        raise ValueError(f"the kept compiled modules are damaged ({bad} does not match its checksum)")
    for name, body in entries:
        parts = name.split("/")
        if not name.startswith(allowed) or ".." in parts or len(parts) < 2 or parts[-2] != "__pycache__":
            raise ValueError(f"the kept compiled modules hold {name!r}, which is not a module's .pyc")
        if not name.endswith(".pyc") or body[:4] != magic or body[4:8] != UNCHECKED_HASH:
            raise ValueError(f"{name} was not compiled by this Python (or not kept by pack)")
    for name, body in entries:
        path = os.path.join(dest, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(body)
    return len(entries)
