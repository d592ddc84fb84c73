"""A plain-text progress bar for the command line: ``epoch 3/30 [#####.....] 25000/50000 12,345 ex/s``.

On a terminal it redraws one line in place (at most ten times a second, so drawing costs nothing next
to training) showing the recent rate; into a file or pipe it writes only each epoch's finished line,
with the epoch's average rate, so logs stay readable.
"""

import sys
import time


class ProgressBar:
    def __init__(self, epochs, n, stream=None, width=30, interval=0.1):
        self.epochs, self.n, self.width, self.interval = epochs, n, width, interval
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start_epoch()

    def start_epoch(self):
        self.start = time.perf_counter()
        self.mark = None  # (time, examples) of the last redraw: the live rate is measured from there

    def line(self, epoch, examples, rate):
        filled = self.width * examples // self.n if self.n else self.width
        return (
            f"epoch {epoch + 1}/{self.epochs} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{examples}/{self.n} {rate:,.0f} ex/s"
        )

    def update(self, epoch, examples):
        """Redraw after a mini-batch (terminal only, rate-limited)."""
        if not self.live:
            return
        now = time.perf_counter()
        if self.mark is None:  # the epoch's first batch also paid for the shuffle: start measuring here
            self.mark = (now, examples)
        elif now - self.mark[0] >= self.interval:
            rate = (examples - self.mark[1]) / (now - self.mark[0])
            self.mark = (now, examples)
            self.stream.write("\r" + self.line(epoch, examples, rate))
            self.stream.flush()

    def finish_epoch(self, epoch, examples):
        """The epoch's final line with its average rate, ended by a newline; returns that rate."""
        elapsed = time.perf_counter() - self.start
        rate = examples / elapsed if elapsed > 0 else 0.0
        self.stream.write(("\r" if self.live else "") + self.line(epoch, examples, rate) + "\n")
        self.stream.flush()
        return rate
