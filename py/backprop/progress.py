"""A plain-text progress bar for the command line: ``epoch 3/30 [#####.....] 25000/50000 12,345 ex/s``.

On a terminal it redraws one line in place (at most ten times a second, so drawing costs nothing next
to training); into a file or pipe it writes only each epoch's finished line, so logs stay readable.
"""

import sys
import time


class ProgressBar:
    def __init__(self, epochs, n, stream=None, width=30, interval=0.1):
        self.epochs, self.n, self.width, self.interval = epochs, n, width, interval
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = self.last_draw = 0.0

    def start_epoch(self):
        self.start = time.perf_counter()
        self.last_draw = 0.0

    def line(self, epoch, examples, now=None):
        elapsed = (now or time.perf_counter()) - self.start
        filled = self.width * examples // self.n if self.n else self.width
        rate = examples / elapsed if elapsed > 0 else 0.0
        return (f"epoch {epoch + 1}/{self.epochs} [{'#' * filled}{'.' * (self.width - filled)}] "
                f"{examples}/{self.n} {rate:,.0f} ex/s")

    def update(self, epoch, examples):
        """Redraw after a mini-batch (terminal only, rate-limited)."""
        if not self.live:
            return
        now = time.perf_counter()
        if now - self.last_draw >= self.interval:
            self.last_draw = now
            self.stream.write("\r" + self.line(epoch, examples, now))
            self.stream.flush()

    def finish_epoch(self, epoch, examples, now=None):
        """The epoch's final line, ended by a newline; returns the examples/s it shows."""
        now = now or time.perf_counter()
        self.stream.write(("\r" if self.live else "") + self.line(epoch, examples, now) + "\n")
        self.stream.flush()
        return examples / (now - self.start) if now > self.start else 0.0
