"""A local server for the built site that breaks chosen downloads on purpose, for the e2e tests.

    server = FaultServer(site_dir)           # .url; server.faults["data/model.json"] = "hang"
    server.config = {"downloadStallSeconds": 2}   # merged into the served config.json
    server.stop()

Faults, by path relative to the site: "404", "500", "truncate" (half the body, with a Content-Length
that says so: only a checksum can tell), "cut" (the full Content-Length, half the body, then the
connection closes), "hang" (the request is read and never answered) and "slow" (answered whole, after
SLOW_S seconds). Everything else is served as
build.py serve does (its MIME types), so a page with no faults loads normally.
"""

import http.server
import json
import threading
import time
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import build

FAULTS = ("404", "500", "truncate", "cut", "hang", "slow")
SLOW_S = 1.5


class _Handler(build.SiteHandler):
    owner = None  # the FaultServer

    def _fault(self):
        rel = urlsplit(self.path).path.lstrip("/")
        return rel, self.owner.faults.get(rel)

    def do_HEAD(self):
        rel, fault = self._fault()
        if fault in ("404", "500"):
            self.send_error(int(fault))
        else:
            super().do_HEAD()

    def do_GET(self):
        rel, fault = self._fault()
        self.owner.requests.append(rel)
        self.owner.times.append(time.time())
        if fault is None and rel == "config.json" and self.owner.config:
            body = json.dumps({**json.loads((self.owner.dir / rel).read_text()), **self.owner.config}).encode()
            return self._send(body, "application/json")
        if fault == "slow":
            time.sleep(SLOW_S)
        if fault in (None, "slow"):
            return super().do_GET()
        if fault in ("404", "500"):
            return self.send_error(int(fault))
        if fault == "hang":
            self.owner.hanging.wait()  # until the server stops
            self.close_connection = True
            return None
        body = (self.owner.dir / rel).read_bytes()
        half = body[: len(body) // 2]
        ctype = self.guess_type(str(self.owner.dir / rel))
        if fault == "truncate":
            return self._send(half, ctype)
        # "cut": promise the whole file, send half, drop the connection
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(half)
        self.wfile.flush()
        time.sleep(0.2)
        self.close_connection = True
        return None

    def send_response(self, code, message=None):
        self.owner.responses.append((urlsplit(self.path).path.lstrip("/"), code, time.time()))
        super().send_response(code, message)

    def _send(self, body, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a browser giving up on a cut or hanging download is the point, not news


class FaultServer:
    """The site at ``directory`` on 127.0.0.1, with ``faults`` {relative path: fault} applied."""

    def __init__(self, directory, faults=None, config=None):
        self.dir = Path(directory)
        self.faults = dict(faults or {})
        for path, fault in self.faults.items():
            if fault not in FAULTS:
                raise ValueError(f"fault for {path} must be one of {FAULTS}, got {fault!r}")
        self.config = dict(config or {})
        self.requests = []
        self.times = []  # when each of them came (epoch seconds)
        self.responses = []  # (path, status, when) of each answer: a 304 sent no body
        self.hanging = threading.Event()
        handler = partial(type("FaultHandler", (_Handler,), {"owner": self, "quiet": True}), directory=str(self.dir))
        self.server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, name="fault server", daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def stop(self):
        self.hanging.set()
        self.server.shutdown()
        self.server.server_close()
