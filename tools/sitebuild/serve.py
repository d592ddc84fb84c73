"""``serve``: a built site on 127.0.0.1 with the MIME types the page needs and cache headers that
keep Pyodide's pinned files for a year. For localhost only: no TLS, no access control.

Also the e2e tests', the bench's and the screenshots' server (serve_dir), and the handler their fault
and slow servers extend (SiteHandler).
"""

import errno
import http.server
import socket
import threading
from functools import partial
from pathlib import Path

from .common import BuildError
from .pyodide import PINNED_CACHE_CONTROL, PYODIDE_DIR_NAME


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the MIME types the page needs: without application/wasm, streaming
    compilation fails and loadPyodide can hang."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".npz": "application/octet-stream",
        ".whl": "application/zip",
        ".zip": "application/zip",
        ".css": "text/css",
        ".html": "text/html",
        ".svg": "image/svg+xml",
        ".md": "text/markdown; charset=utf-8",
        ".map": "application/json",
    }
    quiet = True
    protocol_version = "HTTP/1.1"  # keep-alive: the page's dozen fetches reuse one connection

    def end_headers(self):
        # Pyodide's files are pinned by hash (PYODIDE_CORE_SHA256, the lock): cache them for a year
        # and a second visit skips ~14 MB of downloads and revalidations; the site's own files are
        # revalidated, so a rebuilt site shows at once.
        pinned = f"/{PYODIDE_DIR_NAME}/" in self.path.split("?", 1)[0]
        self.send_header("Cache-Control", PINNED_CACHE_CONTROL if pinned else "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if not self.quiet:
            super().log_message(format, *args)


def _port_error(port, e):
    if e.errno == errno.EADDRINUSE:
        return BuildError(
            f"port {port} on 127.0.0.1 is already in use: stop what uses it, or pick "
            "another with --port N (--port 0 picks a free one)"
        )
    return BuildError(f"cannot listen on 127.0.0.1:{port}: {e.strerror or e}")


def check_port_free(port):
    """Fail before a build, not after it, when the port is taken (the same test serve_dir will face)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            raise _port_error(port, e) from None


def serve_dir(directory, port=0, quiet=True):
    """Serve ``directory`` on 127.0.0.1 from a daemon thread; returns (server, url).

    port 0 picks a free port. Call server.shutdown() to stop.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise BuildError(f"cannot serve {directory}: not a directory")
    handler = partial(type("Handler", (SiteHandler,), {"quiet": quiet}), directory=str(directory))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        raise _port_error(port, e) from None
    threading.Thread(target=server.serve_forever, name="build.py serve", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"
