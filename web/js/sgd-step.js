// One SGD step of a sigmoid network, whole, on numpy arrays in Pyodide's heap: the forward pass, BP1–BP4
// and the L2-decayed update, with the WebAssembly kernel's three products and the element-wise parts
// here. It is backprop.nn.sgd's numpy step (SGD._update) transcribed op for op — the same
// products in the same order, each element-wise operation rounded to the dtype as numpy rounds it — so
// that a mini-batch costs Python one call instead of about twenty-five numpy calls, which in WebAssembly
// cost more than the products themselves for small networks. numpy's step stays the reference; the
// checks in tests/pyodide/kernel_checks.py hold this one to it. Only exp may differ, in its last bit.
//
// The arrays are described by a "plan" (an int32 numpy array that backprop.nn.backend builds once per
// network and batch size): [L, n_0 … n_L, then per layer l: W, b, a, δ, Σδ] — byte addresses of the
// weights (n_{l+1}, n_l), biases (n_{l+1}, 1), and scratch for the activations and δ (batch, n_{l+1})
// and δ's column sums (n_{l+1}). Views of the heap are taken at every call: growing the heap detaches
// the old ones (emscripten refreshes Module.HEAP*).

/** step(plan, x, y, m, scale, decay, quadratic) -> Σ of every layer's bias gradient; when that is not
 * finite, nothing was changed (the caller reports the divergence). `type`: "f64" or "f32". */
export function makeSgdStep(mod, kernel, type) {
  const f64 = type === "f64";
  const nt = kernel[`gemm_nt_${type}`], nn = kernel[`gemm_nn_${type}`], tn = kernel[`gemm_tn_update_${type}`];
  const shift = f64 ? 3 : 2; // byte address -> element index
  const round = f64 ? (v) => v : Math.fround; // numpy's float32 ops round each result to float32
  const floor = f64 ? -700 : -80; // Sigmoid._FLOOR: e^(−z) must not overflow

  return (plan, x, y, m, scale, decay, quadratic) => {
    const h = f64 ? mod.HEAPF64 : mod.HEAPF32;
    const p = mod.HEAP32;
    let at = plan >> 2;
    const L = p[at++];
    const n = Array.from({ length: L + 1 }, () => p[at++]);
    const W = [], B = [], A = [], D = [], S = [];
    for (let l = 0; l < L; l++) {
      W.push(p[at++]);
      B.push(p[at++]);
      A.push(p[at++]);
      D.push(p[at++]);
      S.push(p[at++]);
    }

    // forward: z = a·Wᵀ + bᵀ (kernel), a = σ(z) in place, as Sigmoid.fn: 1 / (1 + e^(−max(z, floor)))
    let input = x;
    for (let l = 0; l < L; l++) {
      nt(input, n[l], W[l], n[l], A[l], n[l + 1], m, n[l + 1], n[l], B[l]);
      for (let i = A[l] >> shift, end = i + m * n[l + 1]; i < end; i++) {
        h[i] = 1 / round(round(Math.exp(-Math.max(h[i], floor))) + 1);
      }
      input = A[l];
    }

    // BP1: δ^L = a − y (cross-entropy) or (a − y)·a(1 − a) (quadratic), times η/m
    const s = round(scale);
    const aL = A[L - 1] >> shift, dL = D[L - 1] >> shift, yi = y >> shift;
    for (let i = 0; i < m * n[L]; i++) {
      const a = h[aL + i];
      let d = round(a - h[yi + i]);
      if (quadratic) d = round(d * round(a * round(1 - a)));
      h[dL + i] = round(d * s);
    }
    // BP2: δ^l = (δ^{l+1}·W^{l+1}) ⊙ a^l(1 − a^l)
    for (let l = L - 2; l >= 0; l--) {
      nn(D[l + 1], n[l + 2], W[l + 1], n[l + 1], D[l], n[l + 1], m, n[l + 1], n[l + 2]);
      for (let i = 0, d = D[l] >> shift, a = A[l] >> shift; i < m * n[l + 1]; i++) {
        h[d + i] = round(h[d + i] * round(h[a + i] * round(1 - h[a + i])));
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
    // BP4 and the step: W ← decay·W − δᵀ·a (kernel), b ← b − Σδ
    for (let l = 0; l < L; l++) {
      tn(D[l], n[l + 1], l ? A[l - 1] : x, n[l], W[l], n[l], m, n[l + 1], n[l], decay);
      for (let j = 0, b = B[l] >> shift, sum = S[l] >> shift; j < n[l + 1]; j++) h[b + j] = h[b + j] - h[sum + j];
    }
    return total;
  };
}
