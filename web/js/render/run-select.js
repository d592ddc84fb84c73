// The "Run" picker of the views that show one run of the chart at a time (saturation, chapter 5's speed).

/** Fill `select` with `runs` (each {id, label}): the run chosen stays chosen, unless a newer run has come
 * since `followed` (the latest run when last filled), which is then shown. Returns the latest run's id:
 * the caller's next `followed`. */
export function fillRunSelect(select, runs, followed) {
  const keep = select.value;
  select.replaceChildren(...runs.map((r) => {
    const o = document.createElement("option");
    o.value = String(r.id);
    o.textContent = r.label;
    return o;
  }));
  const latest = runs[runs.length - 1];
  select.value = runs.some((r) => String(r.id) === keep) && followed !== latest?.id ? keep : String(latest?.id ?? "");
  select.disabled = runs.length === 0;
  return latest?.id;
}
