// The worker's side of the optional full-MNIST download: one streamed fetch that reports the bytes
// received, checked against the size and sha256 that build.py wrote into config.json. The file is
// fetched only when the page asks for it (a preset on the full data, or the data choice). What it
// leaves out: reading the file (backprop.page.session.Session.load_full) and drawing the progress bar
// (views/presets.js).

import { sha256Hex } from "./digest.js";

const REPORT_EVERY = 0.01; // a progress report per 1 % of the file (and the last byte)

/**
 * The file described by `entry` ({url, bytes, sha256}, from config.json), relative to `site`, as a
 * Uint8Array. `onProgress({received, total, seconds})` follows the stream. Throws an Error that says
 * what went wrong (missing entry, HTTP status, size or checksum mismatch).
 */
export async function fetchFullData(site, entry, onProgress) {
  if (!entry || !entry.url) throw new Error(entry?.unavailable ?? "this site has no full MNIST file");
  const url = new URL(entry.url, site);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new Error(`could not fetch ${url} (${e.message ?? e})`, { cause: e });
  }
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status} ${response.statusText}`.trim());
  const total = entry.bytes;
  const bytes = new Uint8Array(total);
  let received = 0;
  let reported = 0;
  onProgress({ received, total, seconds: 0 });
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > total) {
      reader.cancel();
      throw new Error(`${url} is larger than the ${total.toLocaleString("en-US")} bytes config.json states`);
    }
    bytes.set(value, received);
    received += value.length;
    if (received - reported >= REPORT_EVERY * total || received === total) {
      reported = received;
      onProgress({ received, total, seconds: seconds() });
    }
  }
  if (received !== total) {
    throw new Error(`${url} ended after ${received.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} bytes`);
  }
  if (crypto?.subtle) { // only in secure contexts (https, localhost); the reader in Python checks the format anyway
    const hex = await sha256Hex(bytes);
    if (entry.sha256 && hex !== entry.sha256) {
      throw new Error(`${url} has sha256 ${hex}, not the ${entry.sha256} of config.json (damaged or replaced)`);
    }
  }
  return { bytes, seconds: seconds() };
}
