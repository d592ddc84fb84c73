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

- ``py/<numpy's wheel name>``: numpy's wheel without what no import of numpy loads (NUMPY_DROP: f2py,
  the C headers and static libraries for building against numpy, type stubs, Cython declarations,
  numpy.testing, numpy's own test extension modules), level-9 deflated; Pyodide compiles every extension module of a
  wheel when it loads it, so each one dropped is also work a visit does not do. Its RECORD lists
  what is left.
- ``py/pyodide-lock.json``: Pyodide's lock naming numpy (the trimmed wheel) alone.
- In both archives, the modules the page imports come compiled (compiled.py, with Node): a first
  visit no longer compiles about 240 modules before it is ready.

All are made from files already checked against the pins, byte for byte the same from the same input.
"""

import gzip
import hashlib
import json
import re
import zipfile
from pathlib import Path

from . import compiled

STDLIB_NAME = "python_stdlib.zip"  # in the site's py/, beside backprop.zip
LOCK_NAME = "pyodide-lock.json"  # likewise: Pyodide's lock naming numpy alone
WASM_GZ_NAME = "pyodide.asm.wasm.gz"  # in the site's pyodide/, beside the original
ASM_JS_GZ_NAME = "pyodide.asm.js.gz"  # likewise: 1.26 MB of JavaScript, 0.24 MB gzipped
MODEL_GZ = "data/model.json.gz"  # the shipped model, the same JSON, gzipped
CONV_MODEL_GZ = "data/conv-model.json.gz"  # the convolutional network, likewise (fetched when chosen)
# what the page no longer fetches once these exist: the service worker need not keep them
REPLACED = (
    "pyodide/pyodide.asm.wasm",
    "pyodide/python_stdlib.zip",
    "pyodide/pyodide-lock.json",
    "data/model.json",
    "data/conv-model.json",
)

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


# Entries of numpy's wheel that importing numpy (and any of its public submodules the page, the lab
# or a learner's lab code import) never reads: building against numpy, typing stubs, f2py, PyInstaller's
# hook, numpy.testing (it needs unittest, which the trimmed standard library leaves out), the random
# module's Cython examples, and the extension modules only numpy's own tests import
# (_multiarray_tests stays: numpy._core's _add_newdocs imports it).
NUMPY_DROP = re.compile(
    r"^numpy/(f2py|_pyinstaller|testing|random/_examples)/"
    r"|/include/|\.(pyi|pxd|pyx|h|a|c|pc)$"
    r"|^numpy/_core/_(umath_tests|rational_tests|struct_ufunc_tests|operand_flag_tests|simd)\."
)


def write_trimmed_wheel(source, dest):
    """numpy's wheel ``source`` (checked against the lock) without NUMPY_DROP, deflated at level 9, its
    RECORD naming only what is left; returns the dropped entries' names."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w") as out:
        dropped = [n for n in src.namelist() if NUMPY_DROP.search(n)]
        gone = set(dropped)
        for info in src.infolist():
            if info.filename in gone:
                continue
            data = src.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode("utf-8").splitlines(keepends=True)
                data = "".join(line for line in lines if line.split(",")[0] not in gone).encode("utf-8")
            new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            new.external_attr = info.external_attr
            new.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(new, data, compresslevel=9)
    return dropped


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


def write_python_archives(stdlib, stdlib_dest, wheel, wheel_dest, *, pyodide_dir, package, log=print):
    """The page's Python archives: the standard library ``stdlib`` and numpy's ``wheel`` (checked copies)
    trimmed into ``stdlib_dest`` and ``wheel_dest``, then the modules the page imports compiled in both
    by Pyodide from ``pyodide_dir`` importing ``package`` (the package's zip; compiled.py). The build and
    the tests make them here alike. Returns (the library's entries kept, the wheel's entries dropped,
    compiled.compile_ahead's report: None without Node)."""
    kept = write_trimmed_stdlib(stdlib, stdlib_dest)
    dropped = write_trimmed_wheel(wheel, wheel_dest)
    return kept, dropped, compiled.compile_ahead(pyodide_dir, stdlib_dest, wheel_dest, package, log)


def write_trimmed_lock(source, dest, wheel_sha256):
    """Pyodide's lock file (checked against its pin) naming numpy alone, the page's only package (351
    packages, 0.11 MB, before; about 0.5 kB after), with the trimmed wheel's sha256. Pyodide reads the
    lock at start-up and finds numpy's wheel through it; nothing the page runs installs anything else."""
    lock = json.loads(Path(source).read_text(encoding="utf-8"))
    numpy = {**lock["packages"]["numpy"], "sha256": wheel_sha256}
    if numpy["depends"]:
        raise ValueError(f"numpy depends on {numpy['depends']}: the trimmed lock would need them too")
    text = json.dumps({"info": lock["info"], "packages": {"numpy": numpy}}, sort_keys=True, separators=(",", ":"))
    Path(dest).write_text(text, encoding="utf-8")


def write_gzip(source, dest):
    """``source`` gzip-compressed (level 9, no name or time in the header: reproducible) in ``dest``."""
    data = Path(source).read_bytes()
    with open(dest, "wb") as raw, gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
        f.write(data)
    return dest


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def make_preload(site, pyodide_files, core_sha256, numpy, package, log=print):
    """Write py/python_stdlib.zip (trimmed) and pyodide/pyodide.asm.wasm.gz into ``site`` (a
    self-hosted build, its Pyodide files checked) and return config.json's additions: "preload" (what
    the page downloads in place of what Pyodide fetches for itself, web/js/preload.js: the URL Pyodide
    asks for, the file to fetch, the sha256 of what Pyodide is given, the size on the wire),
    "stdlibURL", "stdlibSha256" and "downloadBytes" (sizes for the first visit's progress bar).
    ``numpy``: the checked lock's (file_name, sha256); the page is given the trimmed copy instead.
    Also py/<numpy's wheel>, trimmed; both with the modules the page imports compiled (``package``: the
    site's package zip; "modulesCompiled" says how many, or null without Node)."""
    site = Path(site)
    _, _, report = write_python_archives(
        pyodide_files["python_stdlib.zip"], site / "py" / STDLIB_NAME,
        site / "pyodide" / numpy[0], site / "py" / numpy[0],  # the checked copy
        pyodide_dir=site / "pyodide", package=package, log=log,
    )  # fmt: skip
    wheel_sha = sha256_bytes((site / "py" / numpy[0]).read_bytes())
    write_trimmed_lock(site / "pyodide" / "pyodide-lock.json", site / "py" / LOCK_NAME, wheel_sha)
    lock_sha = sha256_bytes((site / "py" / LOCK_NAME).read_bytes())
    write_gzip(site / "pyodide" / "pyodide.asm.wasm", site / "pyodide" / WASM_GZ_NAME)
    write_gzip(site / "pyodide" / "pyodide.asm.js", site / "pyodide" / ASM_JS_GZ_NAME)
    write_gzip(site / "data" / "model.json", site / MODEL_GZ)
    write_gzip(site / "data" / "conv-model.json", site / CONV_MODEL_GZ)
    stdlib_sha = sha256_bytes((site / "py" / STDLIB_NAME).read_bytes())
    files = [  # (Pyodide asks for, we fetch, sha256 of the bytes Pyodide gets, gzip, type)
        ("pyodide/pyodide.asm.wasm", f"pyodide/{WASM_GZ_NAME}", core_sha256["pyodide.asm.wasm"], True,
         "application/wasm"),
        ("pyodide/pyodide-lock.json", f"py/{LOCK_NAME}", lock_sha, False, "application/json"),
        (f"pyodide/{numpy[0]}", f"py/{numpy[0]}", wheel_sha, False, "application/zip"),
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
        "modulesCompiled": report,
    }
