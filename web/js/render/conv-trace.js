// BP1–BP4 through a convolution or a max-pooling layer, for the BP view: each layer's maps (z, a, f′
// and δ, one small heat map per channel, tiled) and a convolution's ∂C/∂b and ∂C/∂w (one k×k tile per
// kernel and input channel), with the equations these layers obey; every cell's number shows under the
// pointer. Drawing only: the numbers are backprop.explain.trace's.

import { decodeBase64 } from "./digits.js";
import { el, equation, sub, sup } from "./equation.js";
import { heatImage, heatStrip } from "./heat.js";

const EQ = {
  z: (l) => `z<sup>${l}</sup><sub>o,i,j</sub> = Σ<sub>c,p,q</sub> w<sup>${l}</sup><sub>o,c,p,q</sub> ` +
    `a<sup>${l - 1}</sup><sub>c,i+p,j+q</sub> + b<sup>${l}</sup><sub>o</sub> &nbsp;<span class="note">(map o: ` +
    "its kernel slid over every input map c; one kernel and one bias for every position)</span>",
  a: (l, f) => `a<sup>${l}</sup> = ${f}(z<sup>${l}</sup>)`,
  pool: (l, s) => `a<sup>${l}</sup><sub>c,i,j</sub> = max of a<sup>${l - 1}</sup><sub>c</sub> over the ${s}×${s} ` +
    `window at (${s}i, ${s}j) &nbsp;<span class="note">(no weights: nothing to learn)</span>`,
  // BP2 into this layer, by the kind of layer above it
  conv2d: (l) => `(δ<sup>${l + 1}</sup> ∗ rot180(w<sup>${l + 1}</sup>))<sub>c,i,j</sub> = Σ<sub>o,p,q</sub> ` +
    `δ<sup>${l + 1}</sup><sub>o,i−p,j−q</sub> w<sup>${l + 1}</sup><sub>o,c,p,q</sub>`,
  maxpool2d: (l) => `(δ<sup>${l + 1}</sup> routed to each window's maximum, 0 to the rest)`,
  dense: (l) => `((w<sup>${l + 1}</sup>)<sup>T</sup> δ<sup>${l + 1}</sup>)`,
  why: {
    conv2d: "the full convolution of the error with the flipped kernel: each pixel collects the error of every " +
      "output whose window it fell in",
    maxpool2d: "only the window's largest input moved the output, so only it takes the error (the first, on a tie)",
    dense: "the maps flattened in (channel, row, column) order, as the dense layer above reads them",
  },
  bp3: (l) => `<b>BP3</b> ∂C/∂b<sup>${l}</sup><sub>o</sub> = Σ<sub>i,j</sub> δ<sup>${l}</sup><sub>o,i,j</sub> ` +
    "&nbsp;<span class=\"note\">(a map's one bias is shared by all its positions)</span>",
  bp4: (l) => `<b>BP4</b> ∂C/∂w<sup>${l}</sup><sub>o,c,p,q</sub> = Σ<sub>i,j</sub> δ<sup>${l}</sup><sub>o,i,j</sub> ` +
    `a<sup>${l - 1}</sup><sub>c,i+p,j+q</sub> &nbsp;<span class="note">(the correlation of the layer's input with ` +
    "its error: one k×k tile per kernel o and input map c)</span>",
};

/** n tiles of h×w values (tile t's cells at offset t·h·w) laid out `cols` to a row with 1-cell gaps:
 * {values, rows, cols, at(j, k) -> [t, i, jj] or null on a gap}. */
export function tiles(values, n, h, w, cols = Math.ceil(Math.sqrt(n))) {
  const across = Math.min(n, cols), down = Math.ceil(n / across);
  const W = across * (w + 1) - 1, H = down * (h + 1) - 1;
  const out = new Float32Array(W * H).fill(NaN); // NaN in the gaps: drawn in the gap colour
  for (let t = 0; t < n; t++) {
    const r0 = Math.floor(t / across) * (h + 1), c0 = (t % across) * (w + 1);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[(r0 + i) * W + c0 + j] = values[t * h * w + i * w + j];
  }
  const at = (j, k) => {
    const t = Math.floor(j / (h + 1)) * across + Math.floor(k / (w + 1));
    const i = j % (h + 1), jj = k % (w + 1);
    return i === h || jj === w || t >= n ? null : [t, i, jj];
  };
  return { values: out, rows: H, cols: W, at };
}

const fmtIndex = (...ix) => ix.map(sub).join(",");
const GAP = [200, 205, 212]; // the lines between tiles

/** A tiled image's size on screen: up to `cell` CSS pixels a cell, 520 px wide and 420 px tall at most. */
function size(img, t, cell = 6) {
  img.style.aspectRatio = `${t.cols} / ${t.rows}`;
  img.style.width = `${Math.round(Math.min(520, cell * t.cols, (420 * t.cols) / t.rows))}px`;
}

/** A layer's maps (values in (channel, row, column) order) as one tiled image. */
function maps(kind, values, [c, h, w], symbol, l, { scale } = {}) {
  const t = tiles(values, c, h, w);
  const img = heatImage(t.values, t.rows, t.cols, {
    scale, gap: GAP, label: `${symbol}${sup(l)}: ${c} maps of ${h}×${w}`,
    describe: (j, k) => {
      const p = t.at(j, k);
      return p && `${symbol}${sup(l)}${fmtIndex(...p)} (map ${p[0]}, row ${p[1]}, column ${p[2]}) = ${values[p[0] * h * w + p[1] * w + p[2]]}`;
    },
  });
  img.classList.add("maps");
  img.dataset.kind = kind;
  img.dataset.shape = JSON.stringify([c, h, w]);
  size(img, t);
  return img;
}

/** The forward pass of a convolution or pooling layer: z and a (a convolution) or a (a pooling);
 * `below` is the layer under it (its maps give a pooling's window). */
export function convForward(layer, { act, below }) {
  const l = layer.l;
  const [c, h, w] = layer.shape;
  const block = el("div", "trace-layer");
  block.dataset.l = String(l);
  block.dataset.kind = layer.kind;
  block.dataset.activation = layer.activation;
  if (layer.kind === "maxpool2d") {
    const s = below?.shape?.length === 3 ? Math.round(below.shape[1] / h) : 2;
    block.append(el("h4", "", `Layer ${l}: max-pooling, ${c} maps of ${h}×${w}`), equation(EQ.pool(l, s)),
      maps("a", layer.a, layer.shape, "a", l));
    return block;
  }
  block.append(el("h4", "", `Layer ${l}: convolution, ${c} ${act(layer.activation).f || "linear"} maps of ${h}×${w}`),
    equation(EQ.z(l)), maps("z", layer.z, layer.shape, "z", l),
    equation(EQ.a(l, act(layer.activation).f)), maps("a", layer.a, layer.shape, "a", l));
  return block;
}

/** The backward pass of a convolution or pooling layer: its f′, its δ by BP2 (the form of BP2 set by the
 * layer above: `aboveKind`), and a convolution's BP3 and BP4. */
export function convBackward(layer, aboveKind, { act }) {
  const l = layer.l;
  const block = el("div", "trace-layer");
  block.dataset.l = String(l);
  block.dataset.kind = layer.kind;
  block.append(el("h4", "", `Layer ${l} (${layer.kind === "conv2d" ? "convolution" : "max-pooling"})`));
  const into = EQ[aboveKind] ? EQ[aboveKind](l) : EQ.dense(l);
  const why = `&nbsp;<span class="note">(${EQ.why[aboveKind] ?? EQ.why.dense})</span>`;
  if (layer.kind === "maxpool2d") {
    block.append(equation(`<b>BP2</b> δ<sup>${l}</sup> = ${into}${why}`), maps("delta", layer.delta, layer.shape, "δ", l));
    return block;
  }
  const a = act(layer.activation);
  block.append(equation(`${a.fp}(z<sup>${l}</sup>) = ${a.fpOf(l)}`),
    maps("f_prime", layer.f_prime, layer.shape, a.fp, l, { scale: a.scale }),
    equation(`<b>BP2</b> δ<sup>${l}</sup> = ${into} ⊙ ${a.fp}(z<sup>${l}</sup>)${why}`),
    maps("delta", layer.delta, layer.shape, "δ", l));
  const bias = heatStrip(layer.nabla_b, { name: (o) => `∂C/∂b${sup(l)}${sub(o)}`, label: `∂C/∂b${sup(l)}` });
  bias.dataset.kind = "nabla_b";
  const [co, ci, k] = layer.nabla_w_shape;
  const w = new Float32Array(decodeBase64(layer.nabla_w).buffer);
  // a row of input maps per kernel; kernels of one input map (the first layer's) in a square instead
  const t = tiles(w, co * ci, k, k, ci > 1 ? ci : Math.ceil(Math.sqrt(co)));
  const kernels = heatImage(t.values, t.rows, t.cols, {
    gap: GAP,
    label: `∂C/∂w${sup(l)}: ${co}×${ci} kernels of ${k}×${k}`,
    describe: (j, kk) => {
      const p = t.at(j, kk);
      if (!p) return null;
      const [o, c] = [Math.floor(p[0] / ci), p[0] % ci];
      return `∂C/∂w${sup(l)}${fmtIndex(o, c, p[1], p[2])} (kernel ${o}, input map ${c}, row ${p[1]}, column ${p[2]}) = ` +
        `${w[((o * ci + c) * k + p[1]) * k + p[2]]}`;
    },
  });
  kernels.classList.add("maps", "kernels");
  kernels.dataset.kind = "nabla_w";
  kernels.dataset.shape = JSON.stringify(layer.nabla_w_shape);
  size(kernels, t, 12);
  block.append(equation(EQ.bp3(l)), bias, equation(EQ.bp4(l)), kernels);
  return block;
}
