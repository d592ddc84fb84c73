"""The lab's momentum exercise: one layer's SGD step with momentum, in Nielsen's form.

    v → v′ = μv − η∇C,   w → w′ = w + v′         (the same for b; μ = 0 is plain SGD)

with ∇C the mean gradient over the mini-batch, nabla_w / m (backprop returns the sum). The check runs
the learner's step on every layer for three steps, against the library's momentum step and, for the
first step (v = 0), against central differences of the cost. The texts follow backprop_texts' pattern.
"""

HEADER = '''\
import numpy as np


def momentum_step(w, b, v_w, v_b, nabla_w, nabla_b, eta, mu, m):
    """One SGD step with momentum for one layer: returns the new (w, b, v_w, v_b).

    nabla_w, nabla_b: the gradient of the cost summed over the mini-batch of m examples (what
    backprop returns), so the mean gradient is nabla_w / m. v_w, v_b: the velocities the last
    step returned (zeros at first), shaped like w and b.
    Nielsen's form:  v → v′ = μv − η∇C,  then  w → w′ = w + v′  (the same for b).
    With mu = 0 this is plain SGD: w − (η/m)·nabla_w.
    """
'''

SKELETON = (
    HEADER
    + """\
    # two lines for the weights, two for the biases: first the velocity, then the step

    return w, b, v_w, v_b
"""
)

REFERENCE = (
    HEADER
    + """\
    v_w = mu * v_w - eta / m * nabla_w               # v′ = μv − η∇C
    w = w + v_w                                      # w′ = w + v′
    v_b = mu * v_b - eta / m * nabla_b
    b = b + v_b
    return w, b, v_w, v_b
"""
)


def _broken(old, new):
    if REFERENCE.count(old) != 1:
        raise AssertionError(f"the reference has {REFERENCE.count(old)} copies of {old!r}")
    return REFERENCE.replace(old, new)


BUGS = {
    "momentum-before-gradient": dict(
        title="The step taken with the old velocity",
        story="w moves by v before v has taken this step's gradient in: every step is one gradient late.",
        code=_broken(
            "    v_w = mu * v_w - eta / m * nabla_w               # v′ = μv − η∇C\n"
            "    w = w + v_w                                      # w′ = w + v′\n",
            "    w = w + v_w                                      # w′ = w + v\n"
            "    v_w = mu * v_w - eta / m * nabla_w               # v′ = μv − η∇C\n",
        ),
        fails=[2, 3],
        hint="first",
    ),
    "velocity-forgotten": dict(
        title="μ forgotten",
        story="The velocity is recomputed from this step's gradient alone: plain SGD with extra steps.",
        code=_broken(
            "v_w = mu * v_w - eta / m * nabla_w               # v′ = μv − η∇C",
            "v_w = -eta / m * nabla_w                         # v′ = μv − η∇C",
        ),
        fails=[2, 3],
        hint="carry",
    ),
    "gradient-summed": dict(
        title="The summed gradient as the mean",
        story="nabla_w is the sum over the mini-batch; used as ∇C it makes every step m times too big.",
        code=_broken(
            "v_w = mu * v_w - eta / m * nabla_w               # v′ = μv − η∇C",
            "v_w = mu * v_w - eta * nabla_w                   # v′ = μv − η∇C",
        ),
        fails=[2, 3],
        hint="/ m",
    ),
}
