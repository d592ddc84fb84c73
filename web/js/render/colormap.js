// A diverging colour map for weights: blue for negative, near-white for 0, red for positive, after
// ColorBrewer's RdBu, whose two ends stay distinct for the common colour-vision deficiencies. It is
// symmetric around 0, so a tile's colours mean the same sign and size across a layer.

const ANCHORS = [ // value in [-1, 1] -> rgb
  [-1, [33, 102, 172]], [-2 / 3, [103, 169, 207]], [-1 / 3, [209, 229, 240]], [0, [247, 247, 247]],
  [1 / 3, [253, 219, 199]], [2 / 3, [239, 138, 98]], [1, [178, 24, 43]],
];

const TABLE = (() => { // 255 entries for t = -127..127 (int8 weights), built once
  const out = [];
  for (let q = -127; q <= 127; q++) out.push(diverging(q / 127));
  return out;
})();

/** The colour of t in [-1, 1] (clamped), as [r, g, b]. */
export function diverging(t) {
  t = Math.max(-1, Math.min(1, t));
  let i = 0;
  while (i < ANCHORS.length - 2 && t > ANCHORS[i + 1][0]) i++;
  const [t0, c0] = ANCHORS[i], [t1, c1] = ANCHORS[i + 1];
  const f = (t - t0) / (t1 - t0);
  return c0.map((v, k) => Math.round(v + f * (c1[k] - v)));
}

/** The colour of an int8 weight q in [-levels, levels]: a table look-up. */
export function divergingQ(q, levels = 127) {
  return TABLE[Math.round((q / levels) * 127) + 127];
}

export const css = ([r, g, b]) => `rgb(${r} ${g} ${b})`;

/** A horizontal colour bar with its scale: "−s … 0 … +s". */
export function colourBar(scale, digits = 2) {
  const box = document.createElement("div");
  box.className = "colour-bar";
  const bar = document.createElement("span");
  bar.className = "colour-bar-ramp";
  bar.style.background = `linear-gradient(90deg, ${ANCHORS.map(([, c]) => css(c)).join(", ")})`;
  const lo = document.createElement("span");
  const mid = document.createElement("span");
  const hi = document.createElement("span");
  lo.textContent = `−${scale.toFixed(digits)}`;
  mid.textContent = "0";
  hi.textContent = `+${scale.toFixed(digits)}`;
  const labels = document.createElement("span");
  labels.className = "colour-bar-labels";
  labels.append(lo, mid, hi);
  box.append(bar, labels);
  box.dataset.scale = String(scale);
  return box;
}

/** A sequential colour for t in [0, 1]: near-white to dark blue (values with one sign: a, σ′). */
export function sequential(t) {
  t = Math.max(0, Math.min(1, t));
  const [c0, c1] = [[247, 247, 247], [8, 48, 107]];
  return c0.map((v, k) => Math.round(v + t * (c1[k] - v)));
}
