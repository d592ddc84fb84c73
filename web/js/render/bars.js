// The ten output activations as a small bar chart (one bar per digit 0–9), in HTML so that it scales
// with the text and reads out as a list to screen readers.

/** A bar chart of `outputs` (ten numbers in [0, 1]); the largest is marked as the guess. A null output
 * (the worker sends NaN and infinity as null: a network that diverged) is an empty bar marked "not a
 * number", never a 0. */
export function outputBars(outputs, { compact = false } = {}) {
  const finite = outputs.map((v) => (typeof v === "number" && Number.isFinite(v) ? v : -Infinity));
  const guess = finite.indexOf(Math.max(...finite));
  const list = document.createElement("ol");
  list.className = compact ? "bars compact" : "bars";
  list.start = 0;
  outputs.forEach((v, d) => {
    const number = typeof v === "number" && Number.isFinite(v);
    const li = document.createElement("li");
    li.dataset.digit = String(d);
    if (d === guess && number) li.className = "is-guess";
    li.title = `output ${d}: ${number ? v.toFixed(4) : "not a number"}`;
    const bar = document.createElement("span");
    bar.className = "bar-fill";
    bar.style.height = `${number ? Math.max(0, Math.min(1, v)) * 100 : 0}%`;
    const label = document.createElement("span");
    label.className = "bar-label";
    label.textContent = String(d);
    li.setAttribute("aria-label", `${d}: ${number ? v.toFixed(3) : "not a number"}`);
    li.append(bar, label);
    list.append(li);
  });
  return list;
}
