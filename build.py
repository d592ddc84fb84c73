"""Build, serve and feed the static site: ``python build.py [build|serve|data|bench] ...``.

``build`` (the default) assembles ``dist/``: the page from ``web/``, the ``backprop`` package as one zip,
``config.json``, and Pyodide 0.27.7 — self-hosted in ``dist/pyodide/`` and verified file by file against
pinned sha256 hashes, or loaded from the official CDN (``--pyodide cdn``). ``serve`` builds and serves
the result on 127.0.0.1. ``data`` regenerates the committed ``web/data/`` (MNIST subset, trained model,
its metadata). ``bench`` prints CPython and browser throughput.

``build`` and ``serve`` use the standard library only, so a newcomer runs ``python build.py serve``
with nothing installed; ``data`` and ``bench`` import numpy and ``backprop`` (from ``./py``).

This file is the command line; the work is done by the package beside it, tools/sitebuild/ (one module
a job: pyodide, assemble, outdir, offline, serve, data, bench). The names below are re-exported for
those who import ``build``; a test that replaces a function must replace it in the module that calls
it (e.g. sitebuild.pyodide.fetch_pyodide), which is why the functions build_site looks up in
sitebuild.pyodide are not re-exported here.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# tools/ first on the path, so that `sitebuild` is this repository's, also under `python -I` and when
# tests `import build`
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

from sitebuild.assemble import (
    LIMITS_FILE,
    ZIP_DATE,
    build_site,
    lab_texts,
    package_files,
    package_version,
    write_package_zip,
)
from sitebuild.bench import run_bench, run_first_visit
from sitebuild.common import (
    DATA_DIR,
    DEFAULT_OUT,
    PACKAGE_DIR,
    WEB_DIR,
    BuildError,
    DownloadFailed,
    sha256_file,
)
from sitebuild.conv_model import make_conv_model
from sitebuild.data import FULL_DATA_NAME, NO_FULL_DATA, make_data, write_full_data
from sitebuild.offline import SW_BUILD_LINE, write_offline_manifest
from sitebuild.outdir import MANIFEST, MANIFEST_SIGNATURE
from sitebuild.pyodide import (
    PYODIDE_BUILD_ID,
    PYODIDE_CDN_URL,
    PYODIDE_CORE_SHA256,
    PYODIDE_VERSION,
)
from sitebuild.serve import SiteHandler, check_port_free, serve_dir

# what importers use: the site's API for the tests, the bench and the screenshots
__all__ = [
    "build_site",
    "serve_dir",
    "SiteHandler",
    "check_port_free",
    "make_data",
    "write_full_data",
    "write_offline_manifest",
    "write_package_zip",
    "package_files",
    "package_version",
    "lab_texts",
    "run_bench",
    "sha256_file",
    "BuildError",
    "DownloadFailed",
    "main",
    "ROOT",
    "WEB_DIR",
    "DATA_DIR",
    "PACKAGE_DIR",
    "DEFAULT_OUT",
    "LIMITS_FILE",
    "ZIP_DATE",
    "MANIFEST",
    "MANIFEST_SIGNATURE",
    "SW_BUILD_LINE",
    "FULL_DATA_NAME",
    "NO_FULL_DATA",
    "PYODIDE_VERSION",
    "PYODIDE_CDN_URL",
    "PYODIDE_CORE_SHA256",
    "PYODIDE_BUILD_ID",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump: the message names the bad value
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _port(text):
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port {text!r} is not a port number 0-65535 (0 picks a free one)")
    return port


def _count(text):
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return n


def _parser():
    parser = _Parser(
        prog="build.py",
        description="Build, serve, and regenerate the data of the backprop page.",
        epilog="Without a command: build. Offline, set PYODIDE_DIR to a folder with Pyodide "
        f"{PYODIDE_VERSION} and its numpy wheel (or pass --pyodide-dir).",
    )
    sub = parser.add_subparsers(dest="command", metavar="{build,serve,data,bench}", parser_class=_Parser)

    def build_flags(p):
        p.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: dist)")
        p.add_argument(
            "--pyodide",
            choices=("self", "cdn"),
            default="self",
            help="self: copy verified Pyodide into OUT/pyodide (default; works offline and "
            f"on localhost); cdn: load it from {PYODIDE_CDN_URL}",
        )
        p.add_argument(
            "--pyodide-dir",
            help="local Pyodide folder to copy from (default: PYODIDE_DIR "
            "env, else download into the cache and verify)",
        )
        p.add_argument(
            "--full-mnist",
            action="store_true",
            help="add data/mnist-full.npz (50,000 training + 10,000 test digits, ~11 MB) for "
            "the page's optional full-MNIST download; needs numpy",
        )
        p.add_argument(
            "--mnist-dir", help="MNIST's four .gz files for --full-mnist (default: MNIST_DIR env, else download)"
        )

    build_flags(sub.add_parser("build", help="build the static site (default)"))
    p_serve = sub.add_parser("serve", help="build, then serve on 127.0.0.1 and print the URL")
    build_flags(p_serve)
    p_serve.add_argument("--port", type=_port, default=8000, help="default 8000; 0 picks a free port")
    p_data = sub.add_parser("data", help="regenerate web/data (subset, model, metadata); needs numpy")
    p_data.add_argument(
        "--mnist-dir", help="folder with the four MNIST .gz files (default: MNIST_DIR env, else download)"
    )
    p_data.add_argument("--n-train", type=_count, default=10000, help="training digits in the subset")
    p_data.add_argument("--n-test", type=_count, default=2000, help="test digits in the subset")
    p_data.add_argument("--model", help="reuse this trained model (network2 JSON) instead of training")
    p_data.add_argument(
        "--conv-model", help="reuse this trained convolutional network (superset JSON) instead of training it"
    )
    p_data.add_argument(
        "--only",
        choices=("all", "model", "conv"),
        default="all",
        help="model: the subset and the dense model; conv: the convolutional network (tens of minutes to train)",
    )
    p_data.add_argument("--out-dir", default=str(DATA_DIR), help="default: web/data")
    p_bench = sub.add_parser("bench", help="CPython bench, then the browser bench on the built site")
    build_flags(p_bench)
    p_bench.add_argument("--no-browser", action="store_true", help="CPython figures only")
    p_bench.add_argument("--no-cpython", action="store_true", help="browser figures only")
    p_bench.add_argument(
        "--first-visit",
        action="store_true",
        help="only the first- and second-visit figures (tools/bench_first.py: throttled, today beside this tree)",
    )
    p_bench.add_argument("--runs", type=_count, default=3, help="with --first-visit: runs (default 3)")
    return parser


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            build_site(args.out, args.pyodide, args.pyodide_dir, full_mnist=args.full_mnist, mnist_dir=args.mnist_dir)
        elif args.command == "serve":
            check_port_free(args.port)
            site = build_site(
                args.out, args.pyodide, args.pyodide_dir, full_mnist=args.full_mnist, mnist_dir=args.mnist_dir
            )
            server, url = serve_dir(site, args.port, quiet=False)
            print(f"serving {site} at {url}  (Ctrl-C to stop)", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                server.shutdown()
        elif args.command == "data":
            # training steps are small matrix products: BLAS threads only fight over the cores (on a
            # busy 2-core machine, 20x slower); set before numpy is first imported
            os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
            if args.only in ("all", "conv"):  # first: the README written with the model reads its meta
                make_conv_model(args.out_dir, args.mnist_dir, args.conv_model)
            if args.only in ("all", "model"):
                make_data(args.out_dir, args.mnist_dir, args.n_train, args.n_test, args.model)
        elif args.command == "bench":
            if args.first_visit:
                return run_first_visit(args.runs)
            return run_bench(
                args.out, args.pyodide, args.pyodide_dir, cpython=not args.no_cpython, browser=not args.no_browser
            )
    except DownloadFailed as e:  # the network's fault, not the input's
        print(f"build.py {args.command}: error: {e}", file=sys.stderr)
        return 1
    except (BuildError, ValueError, OSError) as e:  # a user's input, or a file it names
        print(f"build.py {args.command}: error: {e}", file=sys.stderr)
        return 1 if type(e).__name__ == "DownloadError" else 2  # backprop.mnist's: MNIST did not arrive
    except MemoryError:
        print(f"build.py {args.command}: error: out of memory", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nbuild.py {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
