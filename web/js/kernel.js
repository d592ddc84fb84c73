// The WebAssembly SIMD matrix kernel (kernel/gemm.wasm, built by kernel/gen_gemm.py), installed
// under the numpy network: loaded as an emscripten side module into Pyodide's own heap, so that it
// works on numpy arrays in place, and registered as the Python module `_backprop_kernel`, which
// backprop.nn.backend picks up, with a whole SGD step built on it (sgd-step.js). Anything that goes
// wrong leaves numpy in charge: installKernel never throws, it says what happened.

// (module (func (result v128) (v128.const i64x2 0 0))): valid only where WebAssembly has SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);
import { makeSgdStep } from "./sgd-step.js";

const EXPORTS = ["nt", "nn", "tn_update"].flatMap((p) => ["f64", "f32"].map((t) => `gemm_${p}_${t}`));
export const KERNEL_MODULE = "_backprop_kernel";

export function simdSupported() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Load the kernel into `pyodide` (after numpy, before `backprop` does its first product).
 * `source`: the URL of gemm.wasm, or its bytes (ArrayBuffer / typed array).
 * Resolves to {backend: "wasm-simd"} or {backend: "numpy", reason}.
 */
export async function installKernel(pyodide, source) {
  try {
    if (!simdSupported()) return { backend: "numpy", reason: "this browser's WebAssembly has no SIMD" };
    let bytes;
    if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
    else if (ArrayBuffer.isView(source)) bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    else {
      const response = await fetch(source);
      if (!response.ok) throw new Error(`${source} answered HTTP ${response.status}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    }
    // Links against Pyodide's env.memory: the kernel sees the heap even after it grows.
    const exports = await pyodide._module.loadWebAssemblyModule(bytes, { loadAsync: true, allowUndefined: true });
    const missing = EXPORTS.filter((name) => typeof exports[name] !== "function");
    if (missing.length) throw new Error(`gemm.wasm lacks ${missing.join(", ")}`);
    const steps = Object.fromEntries(["f64", "f32"].map((t) => [`sgd_step_${t}`, makeSgdStep(pyodide._module, exports, t)]));
    pyodide.registerJsModule(KERNEL_MODULE, { ...Object.fromEntries(EXPORTS.map((name) => [name, exports[name]])), ...steps });
    return { backend: "wasm-simd" };
  } catch (e) {
    return { backend: "numpy", reason: `the WebAssembly kernel did not load: ${e && e.message ? e.message : e}` };
  }
}
