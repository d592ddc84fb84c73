"""The command line (``python -m backprop``), its bench and plots: never shipped to the page (the
site's archive leaves this folder out)."""
