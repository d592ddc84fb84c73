"""Matrix products: the one seam through which the network's three products of a step go.

    forward(a, w, b)            a·wᵀ + bᵀ                       (m, n_out)   the weighted inputs z
    backward(delta, w)          δ·w                             (m, n_in)    BP2 before the σ′ factor
    update(w, delta, a, decay)  w ← decay·w − δᵀ·a, in place                 BP4 fused with the L2 step
    step(w, nabla_w, scale, decay)  w ← decay·w − scale·∇w, in place          the step with a given ∇w

Rows are examples, ``w`` is ``(n_out, n_in)``, ``b`` is ``(n_out, 1)``, as everywhere in the package.
Three implementations, the same numbers up to rounding:

- ``numpy``: ``@`` — numpy's BLAS in CPython. The reference, and what CPython always uses.
- ``numpy-einsum``: numpy in Pyodide, whose ``@`` has no BLAS and no SIMD; there ``einsum`` (without
  ``optimize``) is 1.5–1.9× faster for these small-batch products.
- ``wasm-simd``: in the page, a WebAssembly SIMD kernel (``web/kernel/gemm.wasm``) that the worker
  loads into Pyodide's heap and registers as the JavaScript module ``_backprop_kernel``; it reads and
  writes numpy arrays in place at their addresses (``arr.ctypes.data``). Arrays it cannot take
  (another dtype, rows not contiguous, negative strides) go to numpy instead, so every call gives an
  answer.

With the kernel, a fourth function takes a whole SGD step of a dense network in one call:

    sgd_step(weights, biases, x, y, scale, decay, cost, activations=None, l1=0.0, l2=0.0, momentum=0.0,
             velocities=None)  -> Σ of the bias gradients, or None

(``activations``: each layer's name, sigmoid by default; ``velocities``: momentum's (v_w, v_b) lists)

the page's ``js/sgd-step.js``, which transcribes ``Network._update`` op for op around the kernel's
products (a mini-batch then costs Python one call instead of ~25 numpy calls). None means "not here":
the numpy implementations always answer None, and the network takes its own numpy step, the reference.

``use("auto" | "numpy" | "kernel")`` picks one (auto: the kernel when it is installed, else numpy);
``name()`` says which is active. What it leaves out: threads; and, outside the page's whole step,
everything that is not one of the three products (the sigmoid, δ's σ′ factor and the bias sums stay
plain numpy in the network).
"""

import sys
import weakref
from contextlib import contextmanager

import numpy as np

CHOICES = ("auto", "numpy", "kernel")
FUSED_COSTS = ("cross-entropy", "quadratic", "log-likelihood")  # the costs js/sgd-step.js knows (BP1 of each)
# the activations js/sgd-step.js knows, numbered as its ACTIVATIONS; softmax only as the output, with the
# log-likelihood (the other costs' BP1 in the step is a − y or (a − y)·f′, for element-wise outputs)
STEP_ACTIVATIONS = {"sigmoid": 0, "tanh": 1, "relu": 2, "identity": 3, "softmax": 4}
KERNEL_MODULE = "_backprop_kernel"  # the name the page's js/kernel.js registers
IN_PYODIDE = sys.platform == "emscripten"


class NumpyProducts:
    """The reference: numpy's ``@``."""

    name = "numpy"

    @staticmethod
    def forward(a, w, b):
        z = a @ w.T  # (m, n_out)
        z += b.T
        return z

    @staticmethod
    def backward(delta, w):
        return delta @ w  # (m, n_in)

    @staticmethod
    def update(w, delta, a, decay):
        nabla_w = delta.T @ a  # (n_out, n_in)
        if decay != 1.0:
            w *= decay
        w -= nabla_w

    @staticmethod
    def step(w, nabla_w, scale, decay):
        if decay != 1.0:
            w *= decay
        w -= nabla_w * scale

    @staticmethod
    def sgd_step(weights, biases, x, y, scale, decay, cost, *rule):
        return None  # the network's own numpy step


class EinsumProducts(NumpyProducts):
    """numpy without BLAS (Pyodide): ``einsum`` loops beat ``@``'s there."""

    name = "numpy-einsum"

    @staticmethod
    def forward(a, w, b):
        z = np.einsum("mk,nk->mn", a, w)  # (m, n_out)
        z += b.T
        return z

    @staticmethod
    def backward(delta, w):
        return np.einsum("mn,nk->mk", delta, w)

    @staticmethod
    def update(w, delta, a, decay):
        nabla_w = np.einsum("mn,mk->nk", delta, a)
        if decay != 1.0:
            w *= decay
        w -= nabla_w


def _operand(x):
    """(address, leading dimension in elements) of a 2-d array whose rows the kernel can read, else None.

    One read of ``__array_interface__`` gives the address, shape and strides (``.ctypes.data`` alone
    costs more in Pyodide, ~2.8 µs against ~2.4).
    """
    info = x.__array_interface__
    shape, strides = info["shape"], info["strides"]
    if len(shape) != 2:
        return None
    rows, cols = shape
    if strides is None:  # C-contiguous
        return info["data"][0], max(cols, 1)
    size = x.itemsize
    if cols > 1 and strides[1] != size:
        return None
    if rows <= 1:
        return info["data"][0], max(cols, 1)
    ld, rest = divmod(strides[0], size)
    return (info["data"][0], ld) if rest == 0 and ld >= cols else None


class KernelProducts:
    """The WebAssembly SIMD kernel, called with addresses in Pyodide's heap (see gen_gemm.py).

    The kernel writes through raw addresses, so every call is checked first: same float dtype, 2-d,
    contiguous rows, matching shapes; anything else is handed to ``fallback``. ``w`` must not overlap
    ``delta`` or ``a`` (the network's never do).
    """

    name = "wasm-simd"
    PLAN = np.int32  # js/sgd-step.js reads the plan as int32: wasm32 addresses

    def __init__(self, module, fallback=EinsumProducts):
        self.fallback = fallback
        self.step = fallback.step  # element-wise: nothing for the kernel to add
        self.fns = {
            np.dtype(dtype): (
                getattr(module, f"gemm_nt_{t}"),
                getattr(module, f"gemm_nn_{t}"),
                getattr(module, f"gemm_tn_update_{t}"),
            )
            for dtype, t in ((np.float64, "f64"), (np.float32, "f32"))
        }
        # the whole step (js/sgd-step.js); a kernel module without it still does the products
        self.steps = {
            np.dtype(dtype): getattr(module, f"sgd_step_{t}", None)
            for dtype, t in ((np.float64, "f64"), (np.float32, "f32"))
        }
        self._plan = None  # (weights, biases, dtype, batch rows, plan array, scratch arrays)
        # The weights and biases live for a whole run, and numpy never moves an array's data, so
        # their (address, leading dimension) is looked up once, not at every product. Keyed by id();
        # the weakref's callback drops the entry before that id can be reused.
        self._long_lived = {}

    def _cached(self, x):
        key = id(x)
        hit = self._long_lived.get(key, False)
        if hit is False:
            hit = self._long_lived[key] = _operand(x)
            weakref.finalize(x, self._long_lived.pop, key, None)
        return hit

    def forward(self, a, w, b):
        fns = self.fns.get(a.dtype)
        A, W = _operand(a), self._cached(w)
        if (
            fns is None
            or w.dtype != a.dtype
            or b.dtype != a.dtype
            or A is None
            or W is None
            or w.shape[1] != a.shape[1]
            or b.shape != (w.shape[0], 1)
            or (b.shape[0] > 1 and b.strides[0] != b.itemsize)
        ):
            return self.fallback.forward(a, w, b)
        (m, k), n = a.shape, w.shape[0]
        z = np.empty((m, n), a.dtype)  # (m, n_out)
        fns[0](A[0], A[1], W[0], W[1], z.__array_interface__["data"][0], n, m, n, k, self._cached(b)[0])
        return z

    def backward(self, delta, w):
        fns = self.fns.get(delta.dtype)
        D, W = _operand(delta), self._cached(w)
        if fns is None or w.dtype != delta.dtype or D is None or W is None or delta.shape[1] != w.shape[0]:
            return self.fallback.backward(delta, w)
        (m, k), n = delta.shape, w.shape[1]
        out = np.empty((m, n), delta.dtype)  # (m, n_in)
        fns[1](D[0], D[1], W[0], W[1], out.__array_interface__["data"][0], n, m, n, k)
        return out

    def update(self, w, delta, a, decay):
        fns = self.fns.get(w.dtype)
        W, D, A = self._cached(w), _operand(delta), _operand(a)
        if (
            fns is None
            or delta.dtype != w.dtype
            or a.dtype != w.dtype
            or None in (W, D, A)
            or not w.flags.writeable
            or delta.shape[0] != a.shape[0]
            or w.shape != (delta.shape[1], a.shape[1])
        ):
            return self.fallback.update(w, delta, a, decay)
        fns[2](D[0], D[1], A[0], A[1], W[0], W[1], a.shape[0], w.shape[0], w.shape[1], float(decay))

    def sgd_step(
        self, weights, biases, x, y, scale, decay, cost, activations=None, l1=0.0, l2=0.0, momentum=0.0, velocities=None
    ):
        """One SGD step in the page's kernel (see the module's docstring); None when it cannot take it:
        another cost or activation, another dtype, arrays it cannot address. x (m, n_0) and y (m, n_L)
        are the batch."""
        step = self.steps.get(x.dtype)
        codes = [STEP_ACTIVATIONS.get(f) for f in (activations or ["sigmoid"] * len(weights))]
        softmax_out = codes[-1] == STEP_ACTIVATIONS["softmax"]
        if (
            step is None
            or cost not in FUSED_COSTS
            or None in codes
            or STEP_ACTIVATIONS["softmax"] in codes[:-1]
            or softmax_out != (cost == "log-likelihood")
            or (momentum and velocities is None)
            or y.dtype != x.dtype
            or x.ndim != 2
            or not (x.flags.c_contiguous and y.flags.c_contiguous)
            or y.shape != (x.shape[0], weights[-1].shape[0])
        ):
            return None
        v_w, v_b = velocities if momentum else ([None] * len(weights), [None] * len(weights))
        plan = self._step_plan(weights, biases, x.dtype, x.shape[0], codes, v_w, v_b)
        if plan is None:
            return None
        X, Y = x.__array_interface__["data"][0], y.__array_interface__["data"][0]
        if X % x.itemsize or Y % y.itemsize:
            return None
        rule = (float(l1), float(l2), float(momentum))
        return float(step(plan, X, Y, x.shape[0], float(scale), float(decay), cost == "quadratic", *rule))

    def _step_plan(self, weights, biases, dtype, m, codes, v_w, v_b):
        """The int32 plan js/sgd-step.js reads (addresses of every array it touches, each layer's
        activation), and the scratch it writes: kept while the same weight, bias and velocity arrays
        train with the same activations and batches of at most m rows."""
        kept = self._plan
        same = lambda xs, ys: len(xs) == len(ys) and all(a is b for a, b in zip(xs, ys))
        if (
            kept is not None
            and kept[2] == dtype
            and kept[3] >= m
            and same(kept[0], weights)
            and same(kept[1], biases)
            and kept[6][0] == codes
            and same(kept[6][1], v_w)
            and same(kept[6][2], v_b)
        ):
            return kept[4].__array_interface__["data"][0]
        sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
        for l, (w, b) in enumerate(zip(weights, biases)):
            if not all(
                _writable_like(arr, dtype, shape)
                for arr, shape in ((w, (sizes[l + 1], sizes[l])), (b, (sizes[l + 1], 1)))
            ):
                return None
            if v_w[l] is not None and not (
                _writable_like(v_w[l], dtype, w.shape) and _writable_like(v_b[l], dtype, b.shape)
            ):
                return None
        rows = max(m, kept[3] if kept is not None and kept[2] == dtype else 0)
        scratch = [
            (np.empty((rows, n), dtype), np.empty((rows, n), dtype), np.empty(n, dtype))  # a, δ, Σδ
            for n in sizes[1:]
        ]
        address = lambda arr: 0 if arr is None else arr.__array_interface__["data"][0]
        entries, addresses = [len(weights), *sizes], []
        for l, (w, b, (a, delta, total)) in enumerate(zip(weights, biases, scratch)):
            layer = [address(w), address(b), address(a), address(delta), address(total)]
            velocity = [address(v_w[l]), address(v_b[l])]
            entries += [*layer, codes[l], *velocity]
            addresses += layer + velocity
        if any(e % dtype.itemsize for e in addresses) or max(entries) > np.iinfo(self.PLAN).max:
            return None
        plan = np.array(entries, dtype=self.PLAN)
        self._plan = (list(weights), list(biases), dtype, rows, plan, scratch, (codes, v_w, v_b))
        return address(plan)


def _writable_like(arr, dtype, shape):
    """An array the whole step may read and write in place: this dtype and shape, C-contiguous."""
    return arr.dtype == dtype and arr.shape == shape and arr.flags.c_contiguous and arr.flags.writeable


def _kernel_module():
    if not IN_PYODIDE:
        return None
    try:
        return __import__(KERNEL_MODULE)
    except ImportError:
        return None


def use(choice="auto"):
    """Select the implementation: "auto" (the kernel when installed, else numpy), "numpy" or "kernel".

    Returns the name of the one now active. "kernel" raises RuntimeError when it is not installed.
    """
    if choice not in CHOICES:
        raise ValueError(f"backend must be one of {', '.join(CHOICES)}, got {choice!r}")
    plain = EinsumProducts if IN_PYODIDE else NumpyProducts
    module = _kernel_module() if choice != "numpy" else None
    if choice == "kernel" and module is None:
        raise RuntimeError("the WebAssembly kernel is not installed (it needs Pyodide and js/kernel.js)")
    _bind(KernelProducts(module, plain) if module is not None else plain)
    return _active.name


def _bind(products):
    # The products are module attributes bound to the active implementation's functions, so that a
    # product costs the network one call, not two (the seam is in every step's inner loop).
    global _active, forward, backward, update, step, sgd_step
    _active = products
    forward, backward, update, step, sgd_step = (
        products.forward,
        products.backward,
        products.update,
        products.step,
        products.sgd_step,
    )


@contextmanager
def using(choice):
    """``with using("numpy"): ...`` — a choice for a block, the previous one restored after it."""
    before = _active
    use(choice)
    try:
        yield _active.name
    finally:
        _bind(before)


def name():
    """The active implementation: "numpy", "numpy-einsum" or "wasm-simd"."""
    return _active.name


# forward(a, w, b) -> a·wᵀ + bᵀ (m, n_out), a new array
# backward(delta, w) -> δ·w (m, n_in), a new array: BP2 before its σ′ factor
# update(w, delta, a, decay): w ← decay·w − δᵀ·a in place: BP4's ∇w (δ already times η/m) and the L2 step
# step(w, nabla_w, scale, decay): w ← decay·w − scale·∇w in place: the step with someone else's ∇w
# sgd_step(weights, biases, x, y, scale, decay, cost, activations, l1, l2, momentum, velocities)
#     -> Σ of the bias gradients, or None (numpy's turn)
# Bound once, at import: the page's worker installs the kernel (js/kernel.js) before it imports backprop.
use("auto")
