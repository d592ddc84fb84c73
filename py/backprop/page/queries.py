"""What the page's views ask the session: the network's facts and test digits, a drawing read, BP1–BP4
on one digit, the gradient check, a trial step, the hidden units, a conv network's feature maps and the
confusion matrix.

Each request is a method of ``Queries``, the part of ``Session`` the views read (``session.py`` holds
the digits and the networks). Every one names the network it reads (``which``: "model", "trained" or
"file"), returns plain Python values (``wire`` encodes them) and computes nothing a library module
does not: the numbers come from ``backprop.explain`` and ``backprop.data``, tested in CPython.
"""

import numpy as np

from ..data import preprocess
from ..explain import feature_maps, gradcheck, metrics, units
from ..explain.gradcheck import as_matrix
from ..explain.trace import trace
from ..nn.costs import cost_name
from .params import N_OUTPUTS, checked_choice, checked_float, checked_int
from .wire import b64, request, rounded

STRIP_MAX = 200
CELL_MAX = 100  # digits listed for one confusion-matrix cell


class Queries:
    """The views' requests; ``self`` is a ``Session`` (its digits, ``_net``, ``_test_outputs``)."""

    @request
    def evaluate(self, which="model"):
        """Accuracy of a network on all the test digits: {correct, total, accuracy, sizes, cost}."""
        net = self._net(which)
        predicted = np.argmax(self._test_outputs(which), axis=1)
        correct = metrics.correct_count(predicted, self.y_test)
        total = len(self.y_test)
        return {
            "which": which,
            "correct": correct,
            "total": total,
            "accuracy": correct / total,
            "sizes": net.sizes,
            "cost": cost_name(net.cost),
            "activation": net.layers[0].activation.name,
            "output": net.output.name,
            "layers": net.layer_specs(),
            "running": self._is_live(which),
        }

    def _digits(self, indices):
        """Test digits by index: pixels (base64 of uint8 rows) and labels."""
        return {
            "indices": [int(i) for i in indices],
            "pixels": b64(self.x_test_u8[indices]),
            "labels": self.y_test[indices].tolist(),
        }

    @request
    def strip(self, which="model", start=0, count=24):
        """Test digits start..start+count: pixels (base64 of uint8 rows), labels, predictions."""
        self._net(which)
        self._need_digits()
        n = len(self.y_test)
        start = checked_int("start", start, 0, n - 1)
        count = checked_int("count", count, 1, STRIP_MAX)
        stop = min(start + count, n)
        a = self._test_outputs(which)[start:stop]  # (count, 10)
        return {
            "which": which,
            "start": start,
            "pixels": b64(self.x_test_u8[start:stop]),
            "labels": self.y_test[start:stop].tolist(),
            "predictions": np.argmax(a, axis=1).tolist(),
            "confidence": rounded(a.max(axis=1), 4),
        }

    # -- draw a digit -------------------------------------------------------------------------------
    def _guess(self, which, x, **extra):
        a = self._net(which).feedforward(x)[0]  # (10,)
        return {
            "which": which,
            "digit": int(np.argmax(a)),
            "outputs": rounded(a),
            "input": b64(np.rint(x * 255).astype(np.uint8)),
            **extra,
        }

    @request
    def predict_drawing(self, which, data, width, height):
        """What the network reads in a drawing: ``data`` is the pad's alpha channel (width×height bytes,
        row by row). It is made MNIST-like first (``preprocess.mnist_like``); the answer carries that
        784-pixel input too, so the page shows what the network actually sees."""
        width, height = checked_int("width", width, 1, 4096), checked_int("height", height, 1, 4096)
        ink = np.frombuffer(data, dtype=np.uint8)
        if ink.size != width * height:
            raise ValueError(f"the drawing has {ink.size} pixels, expected {width}×{height}")
        self.drawing = preprocess.mnist_like(ink.reshape(height, width))  # (784,), for the step-through
        return self._guess(which, self.drawing)

    @request
    def predict_test_digit(self, which, index):
        """The same answer as ``predict_drawing`` for test digit ``index`` (the keyboard's way in)."""
        self._need_digits()
        index = checked_int("index", index, 0, len(self.y_test) - 1)
        return self._guess(which, self.x_test[index], index=index, label=int(self.y_test[index]))

    # -- the mathematics on one digit (BP1–BP4, the gradient check, a trial step) -------------------
    def _digit(self, which, index, label):
        """(x, label, what) for test digit ``index``, or the last drawing when index is -1 (its label
        defaults to the network's guess: a drawing has no true label)."""
        if index == -1:
            if self.drawing is None:
                raise ValueError("nothing has been drawn yet: draw a digit or pick a test digit")
            x, what = self.drawing, "your drawing"
            default = int(np.argmax(self._net(which).feedforward(x)[0]))
        else:
            self._need_digits()
            index = checked_int("index", index, 0, len(self.y_test) - 1)
            x, what = self.x_test[index], f"test digit #{index}"
            default = int(self.y_test[index])
        label = default if label is None else checked_int("label", label, 0, N_OUTPUTS - 1)
        return x, label, what

    @request
    def trace_digit(self, which, index, label=None, cost=None, mistake="none", dropout=0.0, seed=0):
        """BP1–BP4 for one digit on the current network (``backprop.trace``), every layer's z, a,
        f′(z), δ and ∂C/∂b as numbers at full precision (a learner checks them against CPython),
        ∂C/∂w as float32 (base64) for its picture. ``dropout`` p > 0: the pass of a training step with
        dropout, its masks drawn from ``seed`` (the same as ``trial_step``'s with that seed)."""
        net = self._net(which)
        x, label, what = self._digit(which, index, label)
        masks = _dropout_masks(net, checked_float("dropout", dropout), seed)
        t = trace(net, x, label, cost=cost or net.cost, mistake=mistake, masks=masks)
        layers = []
        for layer in t.layers:
            own = layer.nabla_w is not None  # a pooling layer has no parameters
            nabla_w = np.nan_to_num(layer.nabla_w) if own else None
            layers.append(
                {
                    "l": layer.l,
                    "kind": layer.kind,
                    "shape": list(layer.shape or (layer.z.size,)),  # (n,) or a layer's maps (c, h, w)
                    "n": int(layer.z.size),
                    "activation": layer.activation,
                    "dropped": None if layer.mask is None else np.flatnonzero(layer.mask == 0).tolist(),
                    "equation": layer.equation,
                    "z": layer.z,
                    "a": layer.a,
                    "f_prime": layer.f_prime,
                    "delta": layer.delta,
                    "nabla_b": layer.nabla_b,
                    "nabla_w": b64(nabla_w.astype(np.float32)) if own else None,
                    "nabla_w_shape": list(layer.nabla_w.shape) if own else None,
                    "nabla_w_max": float(np.max(np.abs(nabla_w))) if own else None,
                }
            )
        return {
            "which": which,
            "what": what,
            "index": index,
            "label": label,
            "input": b64(np.rint(np.asarray(x) * 255).astype(np.uint8)),
            "cost": cost_name(t.cost),
            "network_cost": cost_name(net.cost),
            "output": net.output.name,
            "mistake": mistake,
            "dropout": float(dropout),
            "C": float(t.C),
            "guess": int(np.argmax(t.layers[-1].a)),
            "layers": layers,
        }

    @request
    def check_gradient(
        self, which, index, label=None, cost=None, mistake="none", per_layer=6, regularization="none", lmbda=0.0, n=1
    ):
        """``gradcheck.gradient_check`` for one digit on the current network: a table per layer, with
        the regulariser (λ over a training set of n digits) in the cost when one is chosen, and the
        mistakes that reach this network (the "break backprop" menu: [key, what it does])."""
        net = self._net(which)
        x, label, what = self._digit(which, index, label)
        per_layer = checked_int("per_layer", per_layer, 1, 50)
        regularization = checked_choice("regularization", regularization)
        lmbda = checked_float("lmbda", lmbda)
        n = checked_int("n", n, 1, 10_000_000)
        result = gradcheck.gradient_check(
            net,
            x,
            label,
            cost=cost or net.cost,
            mistake=mistake,
            per_layer=per_layer,
            regularization=regularization,
            lmbda=lmbda,
            n=n,
        )
        menu = gradcheck.check_mistakes_for(net, cost or net.cost, regularization, lmbda)
        mistakes = [[key, gradcheck.ALL_MISTAKES[key]] for key in menu]
        return {"which": which, "what": what, "label": label, **result, "mistakes": mistakes}

    @request
    def trial_step(self, which, index, label=None, eta=0.5, count=8, dropout=0.0, seed=0):
        """One SGD step on this digit alone, tried on a copy (the network shown is not changed): the cost
        before and after, and the weights that moved most. ``dropout`` p > 0: a training step with
        dropout, its masks drawn from ``seed`` as ``trace_digit``'s; ``dropped`` lists the hidden units
        it dropped per layer (their incoming weights do not move)."""
        net = self._net(which)
        x, label, what = self._digit(which, index, label)
        eta = checked_float("eta", eta)
        count = checked_int("count", count, 1, 50)
        dropout = checked_float("dropout", dropout)
        copy = net.copy(np.float64)
        before = copy.total_cost(x, [label], 0.0)
        masks = _dropout_masks(copy, dropout, seed)
        copy.rng = np.random.default_rng(seed)  # the step draws its masks from here, as _dropout_masks did
        copy.update_mini_batch(x, [label], eta, 0.0, 1, dropout=dropout)
        after = copy.total_cost(x, [label], 0.0)
        moved = []
        for at, w0, w1 in zip(net._trainable_at, net.weights, copy.weights):
            shape = w0.shape
            w0, w1 = as_matrix(w0), as_matrix(w1)  # a kernel (c_out, c_in, k, k) as (c_out, c_in·k·k)
            change = np.abs(w1 - w0).ravel()
            for f in np.argsort(-change, kind="stable")[:count]:
                j, k = np.unravel_index(f, w0.shape)
                moved.append(
                    {
                        "l": at + 2,  # the book's l: pooling layers count
                        "index": [int(i) for i in np.unravel_index(f, shape)],  # (j, k) or (o, c, p, q)
                        "j": int(j),
                        "k": int(k),
                        "before": float(w0[j, k]),
                        "after": float(w1[j, k]),
                        "change": float(w1[j, k] - w0[j, k]),
                    }
                )
        moved.sort(key=lambda m: -abs(m["change"]))
        return {
            "which": which,
            "what": what,
            "label": label,
            "eta": eta,
            "cost_before": before,
            "cost_after": after,
            "moved": moved[:count],
            "dropout": dropout,
            "dropped": None if masks is None else [np.flatnonzero(m == 0).tolist() for m in masks if m is not None],
        }

    # -- hidden units --------------------------------------------------------------------------------
    @request
    def hidden_units(self, which):
        """Every layer's weights as int8 on a symmetric scale (see ``units.quantise_symmetric``; the
        rare weights beyond the 99.5th percentile of |w| are shown at the scale's ends): the
        first layer's rows are 28×28 pictures, later layers matrices; "layer" is the book's l of w^l
        (the input is layer 1, every layer counted, pooling too). The output layer is included, so a
        network without hidden layers still shows its ten weight pictures. A convolution's weights are
        its kernels, "shape" (c_out, c_in, k, k), with their values as float32 too ("values", base64)."""
        net = self._net(which)
        layers = []
        for l, w in zip(net._trainable_at, net.weights):
            q, scale = units.quantise_symmetric(w, quantile=units.CLIP_QUANTILE)
            layer = {
                "layer": l + 2,
                "kind": net.layers[l].kind,
                "shape": list(w.shape),
                "n_out": int(w.shape[0]),
                "n_in": int(np.prod(w.shape[1:])),
                "scale": scale,
                "max": float(np.max(np.abs(w))),
                "levels": units.LEVELS,
                "q": b64(q),
            }
            if w.ndim == 4:
                layer["values"] = b64(w.astype(np.float32))
            layers.append(layer)
        return {"which": which, "sizes": net.sizes, "layers": layers, "running": self._is_live(which)}

    @request
    def unit_detail(self, which, unit, count=8):
        """The test digits that excite first-layer unit ``unit`` most, with its activation on each. For a
        convolution a unit is a feature map, its activation the map's largest value ("kind": "feature-map",
        "reduce": "max"); else a neuron ("kind": "neuron")."""
        net = self._net(which)
        count = checked_int("count", count, 1, 64)
        unit = checked_int("unit", unit, 0, units.unit_count(net, 0) - 1)
        self._need_digits()
        indices, activations = units.most_exciting(net, self.x_test, unit, count)
        kind = {"kind": "feature-map", "reduce": "max"} if units.is_conv(net, 0) else {"kind": "neuron"}
        return {
            "which": which,
            "unit": unit,
            **kind,
            **self._digits(indices),
            "activations": rounded(activations, 4),
        }

    # -- feature maps (chapter 6) --------------------------------------------------------------------
    @request
    def feature_maps(self, which, index):
        """What a convolutional network sees in one digit (test digit ``index``, or the last drawing when
        index is -1, as ``trace_digit``): every convolution's and pooling's output (``feature_maps``), one
        stage each, "values" float32 (base64) in (channel, row, column) order. A network without a
        convolution answers "applies": false and no stages."""
        net = self._net(which)
        x, label, what = self._digit(which, index, None)
        guess = int(np.argmax(net.feedforward(x)[0]))
        stages = []
        if feature_maps.is_convolutional(net):
            for stage in feature_maps.feature_maps(net, x):
                maps = np.nan_to_num(stage.maps, posinf=np.finfo(np.float32).max, neginf=np.finfo(np.float32).min)
                stages.append(
                    {
                        "l": stage.layer + 2,
                        "kind": stage.kind,
                        "activation": stage.activation,
                        "shape": list(maps.shape),
                        "values": b64(maps.astype(np.float32)),
                        "min": float(maps.min()),
                        "max": float(maps.max()),
                    }
                )
        return {
            "which": which,
            "applies": bool(stages),
            "what": what,
            "index": index,
            "label": label if index != -1 else None,
            "guess": guess,
            "input": b64(np.rint(np.asarray(x) * 255).astype(np.uint8)),
            "stages": stages,
        }

    # -- the confusion matrix ------------------------------------------------------------------------
    @request
    def confusion(self, which):
        """The 10×10 confusion matrix on the test digits (rows: true label, columns: the guess)."""
        self._net(which)
        predicted = np.argmax(self._test_outputs(which), axis=1)
        matrix = metrics.confusion_matrix(predicted, self.y_test, N_OUTPUTS)
        correct = int(np.trace(matrix))
        total = int(matrix.sum())
        return {
            "which": which,
            "matrix": matrix.tolist(),
            "correct": correct,
            "total": total,
            "accuracy": correct / total,
            "running": self._is_live(which),
        }

    @request
    def confusion_cell(self, which, true_label, predicted, limit=CELL_MAX):
        """The test digits of one cell, most confident first (for a wrong cell: most confidently
        wrong first), each with its ten outputs; ``count`` is the cell's full size."""
        self._net(which)
        true_label = checked_int("true label", true_label, 0, N_OUTPUTS - 1)
        predicted = checked_int("predicted", predicted, 0, N_OUTPUTS - 1)
        limit = checked_int("limit", limit, 1, 10_000)
        outputs = self._test_outputs(which)
        members = metrics.cell_members(outputs, self.y_test, true_label, predicted)
        shown = members[:limit]
        return {
            "which": which,
            "true": true_label,
            "predicted": predicted,
            "count": int(len(members)),
            **self._digits(shown),
            "outputs": rounded(outputs[shown], 4),
        }


def _dropout_masks(net, dropout, seed):
    """Dropout's masks for one example as a training step draws them from ``default_rng(seed)``: one
    (n,) per hidden dense layer, None for the rest; None when p = 0."""
    if not dropout:
        return None
    seed = checked_int("seed", seed, 0, 2**32 - 1)
    probe = net.copy(np.float64)
    probe.rng = np.random.default_rng(seed)
    masks = probe._forward(np.zeros((1, net.sizes[0])), dropout)[3]  # the draws of a one-example pass
    return [None if m is None else m[0] for m in masks]
