// One SGD step of a dense network, whole, on numpy arrays in Pyodide's heap: the forward pass, BP1–BP4
// and the update (L2's decay or L1's pull, with or without momentum), with the WebAssembly kernel's three
// products and the element-wise parts here. It is backprop.nn.sgd's numpy step (SGD._update, with
// Network._deltas and each layer's activation) transcribed op for op — the same products in the same
// order, each element-wise operation rounded to the dtype as numpy rounds it — so that a mini-batch costs
// Python one call instead of about twenty-five numpy calls, which in WebAssembly cost more than the
// products themselves for small networks. numpy's step stays the reference; the checks in
// tests/pyodide/kernel_in_pyodide.py hold this one to it. Only exp and tanh may differ, in their last bit.
// Dropout is not here: its masks come from numpy's generator, so such a step stays numpy's.
//
// The arrays are described by a "plan" (an int32 numpy array that backprop.nn.backend builds once per
// network and batch size): [L, n_0 … n_L, then per layer l: W, b, a, δ, Σδ, f, v_w, v_b] — byte
// addresses of the weights (n_{l+1}, n_l), biases (n_{l+1}, 1), scratch for the activations and δ
// (batch, n_{l+1}) and δ's column sums (n_{l+1}), the layer's activation f (ACTIVATIONS below), and
// momentum's velocities (0 without momentum). Views of the heap are taken at every call: growing the
// heap detaches the old ones (emscripten refreshes Module.HEAP*).

/** The activation codes of the plan, as backprop.nn.backend.STEP_ACTIVATIONS numbers them. */
export const ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity", "softmax"];
const [SIGMOID, TANH, RELU, IDENTITY, SOFTMAX] = ACTIVATIONS.keys();

/** step(plan, x, y, m, scale, decay, quadratic, l1, l2, mu) -> Σ of every layer's bias gradient; when that
 * is not finite, nothing was changed (the caller reports the divergence). `type`: "f64" or "f32".
 * decay = 1 − l2 (L2's shrink without momentum); l1 = ηλ/n under L1; mu: momentum's μ (0: plain SGD). */
export function makeSgdStep(mod, kernel, type) {
  const f64 = type === "f64";
  const nt = kernel[`gemm_nt_${type}`], nn = kernel[`gemm_nn_${type}`], tn = kernel[`gemm_tn_update_${type}`];
  const shift = f64 ? 3 : 2; // byte address -> element index
  const round = f64 ? (v) => v : Math.fround; // numpy's float32 ops round each result to float32
  const floor = f64 ? -700 : -80; // Sigmoid._FLOOR: e^(−z) must not overflow

  // a = f(z) in place over h[i, i + count), as backprop.activations computes each
  function activate(h, f, i, rows, width) {
    const end = i + rows * width;
    if (f === SIGMOID) for (; i < end; i++) h[i] = 1 / round(round(Math.exp(-Math.max(h[i], floor))) + 1);
    else if (f === TANH) for (; i < end; i++) h[i] = round(Math.tanh(h[i]));
    else if (f === RELU) for (; i < end; i++) h[i] = h[i] > 0 || Number.isNaN(h[i]) ? h[i] : 0; // np.maximum(z, 0)
    else if (f === SOFTMAX) {
      for (; i < end; i += width) { // Softmax.fn, row by row: e^(z − max z) / Σ e^(z − max z)
        let top = h[i];
        for (let j = 1; j < width; j++) top = h[i + j] > top || Number.isNaN(h[i + j]) ? h[i + j] : top;
        for (let j = 0; j < width; j++) h[i + j] = round(Math.exp(round(h[i + j] - top)));
        let sum = 0;
        for (let j = 0; j < width; j++) sum = round(sum + h[i + j]);
        for (let j = 0; j < width; j++) h[i + j] = round(h[i + j] / sum);
      }
    }
  }

  // f′ from a = f(z), as each activation's f_prime: σ′ = a(1 − a), tanh′ = 1 − a², ReLU's step 1[a > 0]
  function fPrime(f, a) {
    if (f === SIGMOID) return round(a * round(1 - a));
    if (f === TANH) return round(1 - round(a * a));
    if (f === RELU) return a > 0 ? 1 : 0;
    return 1;
  }

  // one layer's update, as SGD._update: plain (L1's pull, then w ← decay·w − δᵀ·a) or with momentum
  function update(h, w, width, rows, input, d, sum, vw, vb, m, b, decay, l1, l2, mu) {
    const W = w >> shift, count = rows * width;
    if (!mu) {
      if (l1) for (let i = W; i < W + count; i++) h[i] = round(h[i] - round(l1 * Math.sign(h[i])));
      tn(d, rows, input, width, w, width, m, rows, width, decay);
      for (let j = 0, B = b >> shift, S = sum >> shift; j < rows; j++) h[B + j] = round(h[B + j] - h[S + j]);
      return;
    }
    const V = vw >> shift, muR = round(mu);
    for (let i = 0; i < count; i++) {
      let v = round(h[V + i] * muR);
      if (l2) v = round(v - round(l2 * h[W + i]));
      if (l1) v = round(v - round(l1 * Math.sign(h[W + i])));
      h[V + i] = v;
    }
    tn(d, rows, input, width, vw, width, m, rows, width, 1); // v ← v − δᵀ·a: the gradient's part
    for (let i = 0; i < count; i++) h[W + i] = round(h[W + i] + h[V + i]);
    for (let j = 0, B = b >> shift, S = sum >> shift, VB = vb >> shift; j < rows; j++) {
      h[VB + j] = round(round(h[VB + j] * muR) - h[S + j]);
      h[B + j] = round(h[B + j] + h[VB + j]);
    }
  }

  return (plan, x, y, m, scale, decay, quadratic, l1 = 0, l2 = 0, mu = 0) => {
    [l1, l2] = [round(l1), round(l2)]; // numpy rounds a Python float to the array's dtype first
    const h = f64 ? mod.HEAPF64 : mod.HEAPF32;
    const p = mod.HEAP32;
    let at = plan >> 2;
    const L = p[at++];
    const n = Array.from({ length: L + 1 }, () => p[at++]);
    const W = [], B = [], A = [], D = [], S = [], F = [], VW = [], VB = [];
    for (let l = 0; l < L; l++) for (const list of [W, B, A, D, S, F, VW, VB]) list.push(p[at++]);

    // forward: z = a·Wᵀ + bᵀ (kernel), then a = f(z) in place
    let input = x;
    for (let l = 0; l < L; l++) {
      nt(input, n[l], W[l], n[l], A[l], n[l + 1], m, n[l + 1], n[l], B[l]);
      activate(h, F[l], A[l] >> shift, m, n[l + 1]);
      input = A[l];
    }

    // BP1: δ^L = a − y (cross-entropy, or softmax's log-likelihood) or (a − y)·f′ (quadratic), times η/m
    const s = round(scale), fL = F[L - 1];
    const aL = A[L - 1] >> shift, dL = D[L - 1] >> shift, yi = y >> shift;
    for (let i = 0; i < m * n[L]; i++) {
      const a = h[aL + i];
      let d = round(a - h[yi + i]);
      if (quadratic) d = round(d * fPrime(fL, a));
      h[dL + i] = round(d * s);
    }
    // BP2: δ^l = (δ^{l+1}·W^{l+1}) ⊙ f′(z^l)
    for (let l = L - 2; l >= 0; l--) {
      nn(D[l + 1], n[l + 2], W[l + 1], n[l + 1], D[l], n[l + 1], m, n[l + 1], n[l + 2]);
      const f = F[l];
      for (let i = 0, d = D[l] >> shift, a = A[l] >> shift; i < m * n[l + 1]; i++) {
        if (f !== IDENTITY) h[d + i] = round(h[d + i] * fPrime(f, h[a + i]));
      }
    }
    // BP3: Σ over the batch, row by row as numpy's sum(axis=0) adds them
    let total = 0;
    for (let l = 0; l < L; l++) {
      const d = D[l] >> shift, sum = S[l] >> shift, width = n[l + 1];
      for (let j = 0; j < width; j++) h[sum + j] = h[d + j];
      for (let r = 1; r < m; r++) for (let j = 0; j < width; j++) h[sum + j] = h[sum + j] + h[d + r * width + j];
      for (let j = 0; j < width; j++) total += h[sum + j];
    }
    if (!Number.isFinite(total)) return total; // diverged: the weights stay as they were
    // BP4 and the step
    for (let l = 0; l < L; l++) {
      update(h, W[l], n[l], n[l + 1], l ? A[l - 1] : x, D[l], S[l], VW[l], VB[l], m, B[l], decay, l1, l2, mu);
    }
    return total;
  };
}
