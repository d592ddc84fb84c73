"""The committed kernel matches its source: gemm.wat is what gen_gemm.py writes, and gemm.wasm is an
emscripten side module (dylink.0 first) that imports only Pyodide's memory.

Its numbers are checked in Pyodide (tests/test_pyodide.py) and in Chromium (tests/e2e/test_kernel.py).
"""

import importlib.util

from ci_support import ROOT

KERNEL = ROOT / "web" / "kernel"


def generator():
    spec = importlib.util.spec_from_file_location("gen_gemm", KERNEL / "gen_gemm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_wat_is_what_the_generator_writes():
    assert (KERNEL / "gemm.wat").read_text(encoding="utf-8") == generator().module(), (
        "web/kernel/gemm.wat is stale: run `npm ci --prefix web/kernel && python3 web/kernel/gen_gemm.py`"
    )


def leb(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def sections(wasm):
    """{section id: payload} of a wasm module (custom sections, id 0, in order under 0)."""
    out, i = {0: []}, 8
    while i < len(wasm):
        kind, (size, i) = wasm[i], leb(wasm, i + 1)
        if kind == 0:
            out[0].append(wasm[i : i + size])
        else:
            out[kind] = wasm[i : i + size]
        i += size
    return out


def names(payload, i, count, skip):
    """Read ``count`` entries of (module?, name, ...) strings; ``skip`` reads the rest of one entry."""
    found = []
    for _ in range(count):
        parts = []
        for _ in range(2 if skip == "import" else 1):
            n, i = leb(payload, i)
            parts.append(payload[i : i + n].decode())
            i += n
        kind = payload[i]
        i += 1
        if skip == "import":  # a memory import: flags, min (and max)
            flags, i = leb(payload, i)
            _, i = leb(payload, i)
            if flags & 1:
                _, i = leb(payload, i)
        else:
            _, i = leb(payload, i)
        found.append((*parts, kind))
    return found


def test_the_wasm_is_a_side_module_that_imports_only_the_memory():
    wasm = (KERNEL / "gemm.wasm").read_bytes()
    assert wasm.startswith(generator().with_dylink(b"\0asm\1\0\0\0")), "dylink.0 must come first"
    parts = sections(wasm)
    imports = parts[2]
    count, i = leb(imports, 0)
    assert names(imports, i, count, "import") == [("env", "memory", 2)]
    exports = parts[7]
    count, i = leb(exports, 0)
    assert sorted(names(exports, i, count, "export")) == sorted(
        (f"gemm_{p}_{t}", 0) for p in ("nt", "nn", "tn_update") for t in ("f64", "f32")
    )
