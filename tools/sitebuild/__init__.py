"""build.py's parts, one module a job; ``build.py`` at the repository's top is the command.

- common:   the repository's folders, the two errors, sha256, the atomic writer, listing a folder
- pyodide:  the pinned Pyodide release: its sha256 pins, verifying a local copy, fetching one
- assemble: ``build``: dist/ = web/ + py/backprop.zip + config.json + js/ texts + pyodide/
- outdir:   what ``--out`` may replace (a build's own manifest), and swapping a new site in
- offline:  the service worker's manifest of the built site
- serve:    the static server with the page's MIME types and cache headers
- data:     the page's data files made with numpy: the committed web/data, the optional full MNIST
- bench:    ``bench``: the CPython figures, then the browser bench on a fresh build

Everything but data and bench runs on the standard library alone (``build.py serve`` on a bare
Python); those two import numpy and ``backprop`` only when called.
"""
