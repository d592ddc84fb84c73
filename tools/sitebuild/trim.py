"""Fewer bytes before the page is ready (issue 19): a trimmed standard library, Pyodide's WebAssembly
gzip-compressed, and config.json's "preload" list that tells the page's loaders (web/js/preload.js)
what to download in place of what Pyodide asks for.

- ``py/python_stdlib.zip``: Pyodide's standard library (its pinned python_stdlib.zip) without the
  packages and modules the page, the lab and Pyodide itself never import (STDLIB_DROP: mail, the web
  servers, GUIs, debuggers, test frameworks, most codecs), deflate-compressed (Pyodide's is stored).
  tests/pyodide checks that everything the page and the lab import loads from it. A learner's code in
  the lab can still import anything else that is left (math, random, itertools, collections, …).
- ``pyodide/pyodide.asm.wasm.gz``: 10.1 MB of WebAssembly is 3.1 MB gzipped, and GitHub Pages'
  compression of .wasm is nothing to rely on; the page decompresses it with DecompressionStream and
  checks the result against Pyodide's pinned sha256.

Both are made from files already checked against the pins, byte for byte the same from the same input.
"""

import gzip
import hashlib
import zipfile
from pathlib import Path

STDLIB_NAME = "python_stdlib.zip"  # in the site's py/, beside backprop.zip
WASM_GZ_NAME = "pyodide.asm.wasm.gz"  # in the site's pyodide/, beside the original
ASM_JS_GZ_NAME = "pyodide.asm.js.gz"  # likewise: 1.26 MB of JavaScript, 0.24 MB gzipped
MODEL_GZ = "data/model.json.gz"  # the shipped model, the same JSON, gzipped
CONV_MODEL_GZ = "data/conv-model.json.gz"  # the convolutional network, likewise (fetched when chosen)
# what the page no longer fetches once these exist: the service worker need not keep them
REPLACED = ("pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip", "data/model.json", "data/conv-model.json")

# Top-level names (packages or modules) of the standard library that nothing the page runs imports.
STDLIB_DROP = frozenset(
    {
        "multiprocessing", "xml", "unittest", "http", "xmlrpc", "pydoc.py", "pydoc_data", "doctest.py",
        "pdb.py", "bdb.py", "wsgiref", "pickletools.py", "_pyio.py", "optparse.py", "idlelib", "tkinter",
        "turtle.py", "turtledemo", "curses", "sqlite3", "dbm", "lib2to3", "ensurepip", "venv", "distutils",
        "mailbox.py", "imaplib.py", "smtplib.py", "ftplib.py", "nntplib.py", "poplib.py", "telnetlib.py",
        "cgi.py", "cgitb.py", "webbrowser.py", "html", "_markupbase.py", "zoneinfo", "tomllib", "mimetypes.py",
        "imghdr.py", "sndhdr.py", "aifc.py", "sunau.py", "wave.py", "chunk.py", "netrc.py",
        "mailcap.py", "pipes.py", "shelve.py", "trace.py", "tabnanny.py", "pyclbr.py", "profile.py",
        "cProfile.py", "pstats.py", "symtable.py", "filecmp.py", "fileinput.py", "getpass.py", "plistlib.py",
        "xdrlib.py", "zipapp.py", "socketserver.py", "sched.py", "modulefinder.py",
        "compileall.py", "py_compile.py", "crypt.py", "nturl2path.py", "this.py", "antigravity.py",
        "__phello__", "__hello__.py", "configparser.py", "getopt.py", "pty.py", "tty.py",
        "rlcompleter.py",
    }
)  # fmt: skip
# The codecs kept (encodings/NAME.py); the rest (cp1250 … mac_roman, the CJK ones) go.
CODECS_KEPT = frozenset(
    {
        "__init__", "aliases", "utf_8", "utf_8_sig", "ascii", "latin_1", "utf_16", "utf_16_le", "utf_16_be",
        "utf_32", "utf_32_le", "utf_32_be", "cp437", "cp1252", "raw_unicode_escape", "unicode_escape",
        "charmap", "idna", "punycode", "hex_codec", "base64_codec", "mbcs", "undefined",
    }
)  # fmt: skip


def _kept(name):
    parts = name.split("/")
    if parts[0] in STDLIB_DROP:
        return False
    if parts[0] == "encodings" and len(parts) > 1:
        return parts[1].split(".")[0] in CODECS_KEPT
    return True


def write_trimmed_stdlib(source, dest):
    """The standard library ``source`` (a checked python_stdlib.zip) without STDLIB_DROP, deflated, in
    ``dest``; entries keep their names, dates and order. Returns the kept entries' names."""
    kept = []
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w") as out:
        for info in src.infolist():
            if not _kept(info.filename):
                continue
            new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            new.external_attr = info.external_attr
            new.compress_type = zipfile.ZIP_DEFLATED if not info.is_dir() else zipfile.ZIP_STORED
            out.writestr(new, src.read(info), compresslevel=9)
            kept.append(info.filename)
    return kept


def write_gzip(source, dest):
    """``source`` gzip-compressed (level 9, no name or time in the header: reproducible) in ``dest``."""
    data = Path(source).read_bytes()
    with open(dest, "wb") as raw, gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
        f.write(data)
    return dest


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def make_preload(site, pyodide_files, core_sha256, numpy):
    """Write py/python_stdlib.zip (trimmed) and pyodide/pyodide.asm.wasm.gz into ``site`` (a
    self-hosted build, its Pyodide files checked) and return config.json's additions: "preload" (what
    the page downloads in place of what Pyodide fetches for itself, web/js/preload.js: the URL Pyodide
    asks for, the file to fetch, the sha256 of what Pyodide is given, the size on the wire),
    "stdlibURL", "stdlibSha256" and "downloadBytes" (sizes for the first visit's progress bar).
    ``numpy``: the checked lock's (file_name, sha256)."""
    site = Path(site)
    write_trimmed_stdlib(pyodide_files["python_stdlib.zip"], site / "py" / STDLIB_NAME)
    write_gzip(site / "pyodide" / "pyodide.asm.wasm", site / "pyodide" / WASM_GZ_NAME)
    write_gzip(site / "pyodide" / "pyodide.asm.js", site / "pyodide" / ASM_JS_GZ_NAME)
    write_gzip(site / "data" / "model.json", site / MODEL_GZ)
    write_gzip(site / "data" / "conv-model.json", site / CONV_MODEL_GZ)
    stdlib_sha = sha256_bytes((site / "py" / STDLIB_NAME).read_bytes())
    files = [  # (Pyodide asks for, we fetch, sha256 of the bytes Pyodide gets, gzip, type)
        ("pyodide/pyodide.asm.wasm", f"pyodide/{WASM_GZ_NAME}", core_sha256["pyodide.asm.wasm"], True,
         "application/wasm"),
        ("pyodide/pyodide-lock.json", "pyodide/pyodide-lock.json", core_sha256["pyodide-lock.json"], False,
         "application/json"),
        (f"pyodide/{numpy[0]}", f"pyodide/{numpy[0]}", numpy[1], False, "application/zip"),
        (f"py/{STDLIB_NAME}", f"py/{STDLIB_NAME}", stdlib_sha, False, "application/zip"),
    ]  # fmt: skip
    # "first": what Python's start needs, fetched before the rest (the wheel, the site's files)
    preload = [
        {"as": f"./{asked}", "url": f"./{url}", "sha256": sha, "gzip": gz, "type": kind,
         "bytes": (site / url).stat().st_size, "first": not asked.endswith(".whl")}
        for asked, url, sha, gz, kind in files
    ]  # fmt: skip
    return {
        "preload": preload,
        "stdlibURL": f"./py/{STDLIB_NAME}",
        "stdlibSha256": stdlib_sha,
        # pyodide.asm.js, gzipped: the loader imports it from the checked bytes (web/js/preload.js)
        "asmJs": {
            "url": f"./pyodide/{ASM_JS_GZ_NAME}",
            "sha256": core_sha256["pyodide.asm.js"],
            "bytes": (site / "pyodide" / ASM_JS_GZ_NAME).stat().st_size,
        },
        # the model: the same JSON (its sha256 is model.json's), gzipped on the wire
        "modelURL": f"./{MODEL_GZ}",
        "modelGzip": True,
        "downloadBytes": {"modelURL": (site / MODEL_GZ).stat().st_size},
    }
