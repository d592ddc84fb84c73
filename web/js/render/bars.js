// The ten output activations as a small bar chart (one bar per digit 0–9), in HTML so that it scales
// with the text and reads out as a list to screen readers.

/** A bar chart of `outputs` (ten numbers in [0, 1]); the largest is marked as the guess. */
export function outputBars(outputs, { compact = false } = {}) {
  const guess = outputs.indexOf(Math.max(...outputs));
  const list = document.createElement("ol");
  list.className = compact ? "bars compact" : "bars";
  list.start = 0;
  outputs.forEach((v, d) => {
    const li = document.createElement("li");
    li.dataset.digit = String(d);
    if (d === guess) li.className = "is-guess";
    li.title = `output ${d}: ${v.toFixed(4)}`;
    const bar = document.createElement("span");
    bar.className = "bar-fill";
    bar.style.height = `${Math.max(0, Math.min(1, v)) * 100}%`;
    const label = document.createElement("span");
    label.className = "bar-label";
    label.textContent = String(d);
    li.setAttribute("aria-label", `${d}: ${v.toFixed(3)}`);
    li.append(bar, label);
    list.append(li);
  });
  return list;
}
