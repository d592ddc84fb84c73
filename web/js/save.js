// Saving a file the page made (a model, the chart as PNG, the runs as CSV): nothing leaves the browser.

/** Offer `blob` as a download called `name`. */
export function saveFile(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
