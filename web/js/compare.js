// Which run of a pair came out ahead: the rule the page states after a paired run, as a pure function
// (tested under Node). Two test accuracies within 0.2 points are "the same": a smaller difference is
// within what two seeds of one run differ by on 2,000 test digits.

export const SAME_WITHIN = 0.002; // fractions: 0.2 percentage points

/** The verdict on runs A and B (their summaries' test_accuracy, fractions): who is ahead, and by how much. */
export function ahead(a, b, sameWithin = SAME_WITHIN) {
  const gap = a - b;
  if (Math.abs(gap) < sameWithin) return { winner: null, points: 0, text: "the same, to 0.2 %" };
  const winner = gap > 0 ? "A" : "B";
  const points = Number((100 * Math.abs(gap)).toFixed(1));
  return { winner, points, text: `${winner} is ahead by ${(100 * Math.abs(gap)).toFixed(1)} points` };
}

/** Which products ran: numpy's, or the WebAssembly kernel taking the whole step (any dense network, any
 * activation, cost, regulariser and momentum) or only the matrix products (dropout: numpy draws the masks
 * and does the rest of the step; convolutions: numpy's im2col, pooling and the rest of the step). */
export const productsRan = (s) => (s.step ? `${s.backend} (${s.step})` : s.backend);

/** The sentence after a paired run: both settings, both accuracies, the verdict, what ran each. */
export function pairSentence(a, b, vary) {
  const pct = (s) => `${(100 * s.test_accuracy).toFixed(1)} %`;
  const setting = (s) => (s.params[vary] === "" ? "none" : s.params[vary]); // no convolutions: a dense network
  const ran = !a.backend ? "" : productsRan(a) === productsRan(b) ? ` Both ran with ${productsRan(a)}.`
    : ` A ran with ${productsRan(a)}, B with ${productsRan(b)}.`;
  return `Paired run, from the same start and the same mini-batches: A (${vary} = ${setting(a)}) ${pct(a)}, ` +
    `B (${vary} = ${setting(b)}) ${pct(b)} on the test digits after ${a.epochs_done} epochs — ` +
    `${ahead(a.test_accuracy, b.test_accuracy).text}.${ran}`;
}
