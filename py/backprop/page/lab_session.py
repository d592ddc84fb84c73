"""What the lab's own Web Worker asks: check a learner's code, train with it, stop.

The lab worker is not the page's main worker: the learner's code may never return, and then the page
terminates this worker and starts a fresh one, losing nothing but this session. Its requests go
through ``wire.call`` as the page's do. Stop is cooperative here (a flag read between the check's
networks and between mini-batches); code stuck inside one call is the page's to end. What it leaves
out: the check itself (``backprop.lab.check``), the training loop (``Training.train``).
"""

import numpy as np

from ..lab import check as lab
from ..lab import exercises
from .params import N_OUTPUTS, sizes, validate_params
from .session import Session
from .wire import request

FILENAME = "your code"  # how tracebacks name the editor's text: lines are the editor's lines


class LabSession:
    def __init__(self):
        self._stop = False
        self.session = None  # a page Session over the subset, once a run needs it

    @request
    def stop(self):
        """Ask the running check or run to end at its next pause."""
        self._stop = True
        if self.session is not None:
            self.session.stop()

    @request
    async def check(self, code, pause, exercise=exercises.DEFAULT):
        """The lab's check of ``code`` for ``exercise``; ``pause()`` is awaited between the networks."""
        self._stop = False
        exercises.get(exercise)
        try:
            fn = lab.load_backprop(code, FILENAME, exercise)
        except lab.LabError as e:
            return {"ok": False, "cases": [], "verdicts": {}, "error": e.to_dict(), "hint": str(e), "finished": True}
        report = None
        for report in lab.check_steps(fn, exercise=exercise):
            if report["finished"]:
                break
            await pause()
            if self._stop:
                report = {**report, "stopped": True, "hint": "Stopped before the check finished."}
                break
        return report

    def load_subset(self, path):
        self.session = Session(path)

    @request
    async def train(self, code, params, emit, pause, exercise=exercises.DEFAULT):
        """A run on the subset with the learner's backprop in the library's SGD step: the run's summary
        (as ``Training.train``'s) and ``speed``, examples/s of SGD steps with their backprop and with the
        library's on the same batches; or {"error": {message, line}} when their code failed (the run
        keeps what it learned until then). The exercise's network (``trains``: softmax outputs, ReLU
        layers) replaces the form's choices; an exercise that is not a backprop cannot train."""
        if self.session is None:
            raise RuntimeError("the MNIST subset is not loaded yet")
        ex = exercises.get(exercise)
        if ex.trains is None:
            raise ValueError(f"the {ex.key} exercise is checked, not trained: {ex.signature} is not a backprop")
        params = {**params, **ex.trains}
        self._stop = False
        try:
            fn = lab.load_backprop(code, FILENAME, exercise)
        except lab.LabError as e:
            return {"error": e.to_dict()}
        try:
            summary = await self.session.train(params, emit, pause, gradient=lab.checked_gradient(fn))
        except lab.LabError as e:
            return {"error": e.to_dict()}
        if not summary["stopped"]:
            summary["speed"] = self.speed(fn, summary["params"])
        return summary

    def speed(self, fn, params, seconds=0.3):
        """Theirs and the library's SGD steps timed side by side on the run's first digits."""
        p = validate_params(params, self.session.n_train)
        n = min(p["train_size"], 2000)
        x = self.session.x_train_u8[:n] / 255.0  # (n, 784)
        y = np.eye(N_OUTPUTS)[self.session.y_train[:n]]  # (n, 10)
        network = {"activation": p["activation"], "output": p["output"], "weight_init": p["weight_init"]}
        return lab.compare_speed(fn, sizes(p["hidden"]), x, y, p["batch_size"], p["cost"], seconds, **network)
