"""The Python of the page's Web Workers, and the only code that speaks JSON to JavaScript: the
parameters of a run (params.py), the wire (wire.py), the session the worker keeps (session.py)."""
