"""The network: ``Network`` (network.py), its costs, the matrix-product seam (backend.py), the checks
at the package's boundary (validate.py) and the model files (model_io.py)."""
