"""What the lab's own Web Worker calls: check a learner's code, train with it, stop.

The lab worker is not the page's main worker: the learner's code may never return, and then the page
terminates this worker and starts a fresh one, losing nothing but this session. Every value back to
JavaScript is a JSON string. Stop is cooperative here (a flag read between the check's networks and
between mini-batches); code stuck inside one call is the page's to end. What it leaves out: the
check itself (``lab``), the training loop (``browser.Session.train`` and ``Network.train_steps``).
"""

import json

import numpy as np

from ..lab import check as lab
from .session import COSTS, Session, validate_params
from ..nn.costs import get_cost
from .params import N_INPUTS, N_OUTPUTS

FILENAME = "your code"       # how tracebacks name the editor's text: lines are the editor's lines


class LabSession:
    def __init__(self):
        self._stop = False
        self.session = None     # a browser.Session over the subset, once a run needs it

    def stop(self):
        """Ask the running check or run to end at its next pause."""
        self._stop = True
        if self.session is not None:
            self.session.stop()

    async def check(self, source, pause):
        """The lab's check of ``source``, as JSON; ``pause()`` is awaited between the networks."""
        self._stop = False
        try:
            fn = lab.load_backprop(source, FILENAME)
        except lab.LabError as e:
            return json.dumps({"ok": False, "cases": [], "verdicts": {}, "error": e.to_dict(), "hint": str(e),
                               "finished": True})
        report = None
        for report in lab.check_steps(fn):
            if report["finished"]:
                break
            await pause()
            if self._stop:
                report = {**report, "stopped": True, "hint": "Stopped before the check finished."}
                break
        return json.dumps(report)

    def load_subset(self, path):
        self.session = Session(path)

    async def train(self, source, params_json, on_progress, on_epoch, pause):
        """A run on the subset with the learner's backprop in the library's SGD step, as JSON: the run's
        summary (as browser.Session.train's) and ``speed``, examples/s of SGD steps with their backprop
        and with the library's on the same batches; or {"error": {message, line}} when their code
        failed (the run keeps what it learned until then)."""
        if self.session is None:
            raise RuntimeError("the MNIST subset is not loaded yet")
        self._stop = False
        try:
            fn = lab.load_backprop(source, FILENAME)
        except lab.LabError as e:
            return json.dumps({"error": e.to_dict()})
        try:
            summary = json.loads(await self.session.train(params_json, on_progress, on_epoch, pause,
                                                          gradient=lab.checked_gradient(fn)))
        except lab.LabError as e:
            return json.dumps({"error": e.to_dict()})
        if not summary["stopped"]:
            summary["speed"] = self.speed(fn, summary["params"])
        return json.dumps(summary)

    def speed(self, fn, params, seconds=0.3):
        """Theirs and the library's SGD steps timed side by side on the run's first digits."""
        p = validate_params(params, self.session.n_train)
        n = min(p["train_size"], 2000)
        x = self.session.x_train_u8[:n] / 255.0                   # (n, 784)
        y = np.eye(N_OUTPUTS)[self.session.y_train[:n]]           # (n, 10)
        sizes = [N_INPUTS, *p["hidden"], N_OUTPUTS]
        return lab.compare_speed(fn, sizes, x, y, p["batch_size"], get_cost(COSTS[p["cost"]]), seconds)
