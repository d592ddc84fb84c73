"""The four training curves (train/eval cost, train/eval accuracy per epoch) drawn to a PNG.

matplotlib is optional: it is imported here, lazily, and only by the command line's ``--plot``; the
network never needs it. ``require_matplotlib`` lets the CLI fail before training rather than after.
"""

from ..fileio import write_atomically


def require_matplotlib():
    """Import matplotlib with a non-interactive backend, or raise ImportError saying how to get it."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "--plot needs matplotlib, which is not installed: pip install matplotlib "
            "(or pip install 'backprop[plot]'), or leave out --plot"
        ) from None
    matplotlib.use("Agg")  # files only: no display needed, none opened
    return matplotlib


def plot_history(history, path, title=None):
    """Draw cost (left) and accuracy in % (right) per epoch from a History-like dict; write ``path``."""
    require_matplotlib()
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110)
    for ax, key, label in ((ax_cost, "cost", "cost"), (ax_acc, "accuracy", "accuracy (%)")):
        for part, style in (("train", "-"), ("eval", "--")):
            values = history.get(f"{part}_{key}") or []
            if key == "accuracy":
                values = [100.0 * v for v in values]
            if values:
                name = "training" if part == "train" else history.get("eval_set", "evaluation")
                ax.plot(range(1, len(values) + 1), values, style, marker=".", label=f"{name} data")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    try:
        write_atomically(path, lambda f: fig.savefig(f, format="png"))
    finally:
        plt.close(fig)
    return path
