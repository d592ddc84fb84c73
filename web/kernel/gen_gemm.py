"""Generate the WebAssembly SIMD matrix kernel: gemm.wat (readable) and gemm.wasm (what the page loads).

    npm ci --prefix web/kernel && python3 web/kernel/gen_gemm.py     # rebuild (wat2wasm from the pinned wabt)

The three products of a training step, each in float64 (f64x2) and float32 (f32x4), on row-major
matrices in the memory the module imports (Pyodide's own heap, so it works on numpy arrays in place,
at ``arr.ctypes.data``). Leading dimensions (row strides) are in elements; rows must be contiguous.

    gemm_nt_T(A, lda, B, ldb, C, ldc, m, n, k, bias)   C(m,n) = A(m,k)·B(n,k)ᵀ + bias(n)    forward: a·Wᵀ + bᵀ
    gemm_nn_T(A, lda, B, ldb, C, ldc, m, n, k)         C(m,n) = A(m,k)·B(k,n)              backward: δ·W
    gemm_tn_update_T(D, ldd, A, lda, W, ldw, m, n, k, decay)
                                                       W(n,k) = decay·W − D(m,n)ᵀ·A(m,k)   BP4 + L2 step

Each is register-blocked (a 2×4 or 4×2 block of vector accumulators, which fits the 16 SIMD registers
of x86-64 and ARM64), with loops for the tails in every dimension. No relaxed SIMD (FMA): it is not in
every browser, and it would change the last bits of results from one machine to the next.

The module is an emscripten *side module*: a minimal ``dylink.0`` custom section (no memory or table
of its own) comes first, so that ``pyodide._module.loadWebAssemblyModule`` links it against Pyodide's
``env.memory``. The generator is plain Python (standard library); only wat2wasm comes from npm.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WAT2WASM = HERE / "node_modules" / ".bin" / "wat2wasm"

ES = {"f64": 8, "f32": 4}  # bytes per element
VL = {"f64": 2, "f32": 4}  # elements per 128-bit vector
VEC = {"f64": "f64x2", "f32": "f32x4"}
NT_BLOCK = (2, 4)  # rows of A × rows of B: 8 accumulators, 6 loads per step
NN_BLOCK = (2, 4)  # rows of A × vectors of columns of B
TN_BLOCK = (4, 2)  # rows of W × vectors along k


# -- a few S-expression helpers ----------------------------------------------------------------------
def get(name):
    return f"(local.get ${name})"


def put(name, expr):
    return f"(local.set ${name} {expr})"


def add(a, b):
    return f"(i32.add {a} {b})"


def mul(a, b):
    return f"(i32.mul {a} {b})"


def const(n):
    return f"(i32.const {n})"


def inc(name, by):
    return put(name, add(get(name), by if isinstance(by, str) else const(by)))


class Labels:
    def __init__(self):
        self.n = 0

    def __call__(self, stem):
        self.n += 1
        return f"{stem}{self.n}"


def while_(label, cond, body):
    """while cond: body — a loop whose exit test comes first."""
    return (
        f"(block ${label}.end (loop ${label} (br_if ${label}.end (i32.eqz {cond}))\n"
        + "\n".join(body)
        + f"\n(br ${label})))"
    )


def zero(name):
    return put(name, "(v128.const i64x2 0 0)")


def hsum(t, v):
    """Sum of a vector's lanes, pairwise."""
    lanes = [f"({VEC[t]}.extract_lane {i} {v})" for i in range(VL[t])]
    while len(lanes) > 1:
        lanes = [f"({t}.add {lanes[i]} {lanes[i + 1]})" for i in range(0, len(lanes), 2)]
    return lanes[0]


# -- C = A·Bᵀ + bias --------------------------------------------------------------------------------
def nt(t):
    es, V = ES[t], VEC[t]
    R0, C0 = NT_BLOCK
    label = Labels()

    def block(R, C):
        code = [put(f"b{c}", add(get("B"), mul(add(get("j"), const(c)), get("ldb")))) for c in range(C)]
        code += [zero(f"acc{r}{c}") for r in range(R) for c in range(C)]
        code.append(put("p", const(0)))
        body = [put(f"va{r}", f"(v128.load {add(get(f'a{r}'), get('p'))})") for r in range(R)]
        body += [put(f"vb{c}", f"(v128.load {add(get(f'b{c}'), get('p'))})") for c in range(C)]
        body += [
            put(f"acc{r}{c}", f"({V}.add {get(f'acc{r}{c}')} ({V}.mul {get(f'va{r}')} {get(f'vb{c}')}))")
            for r in range(R)
            for c in range(C)
        ]
        body.append(inc("p", 16))
        code.append(while_(label("kv"), f"(i32.lt_u {get('p')} {get('kv')})", body))
        code += [put(f"s{r}{c}", hsum(t, get(f"acc{r}{c}"))) for r in range(R) for c in range(C)]
        tail = [put(f"xa{r}", f"({t}.load {add(get(f'a{r}'), get('p'))})") for r in range(R)]
        tail += [put(f"xb{c}", f"({t}.load {add(get(f'b{c}'), get('p'))})") for c in range(C)]
        tail += [
            put(f"s{r}{c}", f"({t}.add {get(f's{r}{c}')} ({t}.mul {get(f'xa{r}')} {get(f'xb{c}')}))")
            for r in range(R)
            for c in range(C)
        ]
        tail.append(inc("p", es))
        code.append(while_(label("kt"), f"(i32.lt_u {get('p')} {get('kb')})", tail))
        for r in range(R):
            for c in range(C):
                col = mul(add(get("j"), const(c)), const(es))
                code.append(
                    f"({t}.store {add(add(get('C'), mul(add(get('i'), const(r)), get('ldc'))), col)} "
                    f"({t}.add {get(f's{r}{c}')} ({t}.load {add(get('bias'), col)})))"
                )
        return code

    def rows(R):
        code = [put(f"a{r}", add(get("A"), mul(add(get("i"), const(r)), get("lda")))) for r in range(R)]
        code.append(put("j", const(0)))
        for C in (C0, 2, 1):  # the column tail in halves: 3 columns are a 2-block and a 1-block
            code.append(
                while_(label("j"), f"(i32.le_s {add(get('j'), const(C))} {get('n')})", block(R, C) + [inc("j", C)])
            )
        return code

    return func(
        f"gemm_nt_{t}",
        "A lda B ldb C ldc m n k",
        "bias",
        t,
        [
            put("lda", mul(get("lda"), const(es))),
            put("ldb", mul(get("ldb"), const(es))),
            put("ldc", mul(get("ldc"), const(es))),
            put("kb", mul(get("k"), const(es))),
            put("kv", mul(f"(i32.and {get('k')} {const(-VL[t])})", const(es))),
            put("i", const(0)),
            while_(label("i"), f"(i32.le_s {add(get('i'), const(R0))} {get('m')})", rows(R0) + [inc("i", R0)]),
            while_(label("i"), f"(i32.lt_s {get('i')} {get('m')})", rows(1) + [inc("i", 1)]),
        ],
        v128=[f"acc{r}{c}" for r in range(R0) for c in range(C0)]
        + [f"va{r}" for r in range(R0)]
        + [f"vb{c}" for c in range(C0)],
        scalars=[f"s{r}{c}" for r in range(R0) for c in range(C0)]
        + [f"xa{r}" for r in range(R0)]
        + [f"xb{c}" for c in range(C0)],
        i32=["i", "j", "p", "kb", "kv"] + [f"a{r}" for r in range(R0)] + [f"b{c}" for c in range(C0)],
    )


# -- C = A·B ----------------------------------------------------------------------------------------
def nn(t):
    es, V, vl = ES[t], VEC[t], VL[t]
    R0, CV0 = NN_BLOCK
    label = Labels()

    def block(R, CV):
        """R rows × CV vectors of columns; CV = 0: one scalar column."""
        cols = range(max(CV, 1))
        code = [put("bp", add(get("B"), mul(get("j"), const(es))))]
        code += [zero(f"acc{r}{c}") if CV else put(f"s{r}0", f"({t}.const 0)") for r in range(R) for c in cols]
        code.append(put("p", const(0)))
        if CV:
            body = [put(f"va{r}", f"(v128.load{8 * es}_splat {add(get(f'a{r}'), get('p'))})") for r in range(R)]
            body += [put(f"vb{c}", f"(v128.load offset={16 * c} {get('bp')})") for c in cols]
            body += [
                put(f"acc{r}{c}", f"({V}.add {get(f'acc{r}{c}')} ({V}.mul {get(f'va{r}')} {get(f'vb{c}')}))")
                for r in range(R)
                for c in cols
            ]
        else:
            body = [put(f"xa{r}", f"({t}.load {add(get(f'a{r}'), get('p'))})") for r in range(R)]
            body.append(put("xb0", f"({t}.load {get('bp')})"))
            body += [
                put(f"s{r}0", f"({t}.add {get(f's{r}0')} ({t}.mul {get(f'xa{r}')} {get('xb0')}))") for r in range(R)
            ]
        body += [inc("p", es), inc("bp", get("ldb"))]
        code.append(while_(label("k"), f"(i32.lt_u {get('p')} {get('kb')})", body))
        for r in range(R):
            row = add(get("C"), mul(add(get("i"), const(r)), get("ldc")))
            at = add(row, mul(get("j"), const(es)))
            if CV:
                code += [f"(v128.store offset={16 * c} {at} {get(f'acc{r}{c}')})" for c in cols]
            else:
                code.append(f"({t}.store {at} {get(f's{r}0')})")
        return code

    def rows(R):
        code = [put(f"a{r}", add(get("A"), mul(add(get("i"), const(r)), get("lda")))) for r in range(R)]
        code.append(put("j", const(0)))
        code.append(
            while_(
                label("j"),
                f"(i32.le_s {add(get('j'), const(CV0 * vl))} {get('n')})",
                block(R, CV0) + [inc("j", CV0 * vl)],
            )
        )
        code.append(
            while_(label("j"), f"(i32.le_s {add(get('j'), const(vl))} {get('n')})", block(R, 1) + [inc("j", vl)])
        )
        code.append(while_(label("j"), f"(i32.lt_s {get('j')} {get('n')})", block(R, 0) + [inc("j", 1)]))
        return code

    return func(
        f"gemm_nn_{t}",
        "A lda B ldb C ldc m n k",
        None,
        t,
        [
            put("lda", mul(get("lda"), const(es))),
            put("ldb", mul(get("ldb"), const(es))),
            put("ldc", mul(get("ldc"), const(es))),
            put("kb", mul(get("k"), const(es))),
            put("i", const(0)),
            while_(label("i"), f"(i32.le_s {add(get('i'), const(R0))} {get('m')})", rows(R0) + [inc("i", R0)]),
            while_(label("i"), f"(i32.lt_s {get('i')} {get('m')})", rows(1) + [inc("i", 1)]),
        ],
        v128=[f"acc{r}{c}" for r in range(R0) for c in range(CV0)]
        + [f"va{r}" for r in range(R0)]
        + [f"vb{c}" for c in range(CV0)],
        scalars=[f"s{r}0" for r in range(R0)] + [f"xa{r}" for r in range(R0)] + ["xb0"],
        i32=["i", "j", "p", "kb", "bp"] + [f"a{r}" for r in range(R0)],
    )


# -- W = decay·W − Dᵀ·A -----------------------------------------------------------------------------
def tn_update(t):
    es, V = ES[t], VEC[t]
    R0, CV0 = TN_BLOCK
    label = Labels()

    def block(R, CV):
        """Rows j..j+R of W × CV vectors from column byte offset pb; CV = 0: one scalar column."""
        cols = range(max(CV, 1))
        code = [put("dp", add(get("D"), mul(get("j"), const(es)))), put("ap", add(get("A"), get("pb")))]
        code += [zero(f"acc{r}{c}") if CV else put(f"s{r}0", f"({t}.const 0)") for r in range(R) for c in cols]
        code.append(put("ii", const(0)))
        if CV:
            body = [put(f"vd{r}", f"(v128.load{8 * es}_splat offset={es * r} {get('dp')})") for r in range(R)]
            body += [put(f"va{c}", f"(v128.load offset={16 * c} {get('ap')})") for c in cols]
            body += [
                put(f"acc{r}{c}", f"({V}.add {get(f'acc{r}{c}')} ({V}.mul {get(f'vd{r}')} {get(f'va{c}')}))")
                for r in range(R)
                for c in cols
            ]
        else:
            body = [put(f"xd{r}", f"({t}.load offset={es * r} {get('dp')})") for r in range(R)]
            body.append(put("xa0", f"({t}.load {get('ap')})"))
            body += [
                put(f"s{r}0", f"({t}.add {get(f's{r}0')} ({t}.mul {get(f'xd{r}')} {get('xa0')}))") for r in range(R)
            ]
        body += [inc("ii", 1), inc("dp", get("ldd")), inc("ap", get("lda"))]
        code.append(while_(label("m"), f"(i32.lt_s {get('ii')} {get('m')})", body))
        for r in range(R):
            at = add(add(get("W"), mul(add(get("j"), const(r)), get("ldw"))), get("pb"))
            if CV:
                code += [put("wp", at)] + [
                    f"(v128.store offset={16 * c} {get('wp')} ({V}.sub ({V}.mul {get('vdecay')} "
                    f"(v128.load offset={16 * c} {get('wp')})) {get(f'acc{r}{c}')}))"
                    for c in cols
                ]
            else:
                code += [
                    put("wp", at),
                    f"({t}.store {get('wp')} ({t}.sub ({t}.mul {get('decay')} ({t}.load {get('wp')})) "
                    f"{get(f's{r}0')}))",
                ]
        return code

    def rows(R):
        code = [put("pb", const(0))]
        code.append(
            while_(
                label("p"),
                f"(i32.le_u {add(get('pb'), const(CV0 * 16))} {get('kb')})",
                block(R, CV0) + [inc("pb", CV0 * 16)],
            )
        )
        code.append(
            while_(label("p"), f"(i32.le_u {add(get('pb'), const(16))} {get('kb')})", block(R, 1) + [inc("pb", 16)])
        )
        code.append(while_(label("p"), f"(i32.lt_u {get('pb')} {get('kb')})", block(R, 0) + [inc("pb", es)]))
        return code

    return func(
        f"gemm_tn_update_{t}",
        "D ldd A lda W ldw m n k",
        "decay",
        t,
        [
            put("ldd", mul(get("ldd"), const(es))),
            put("lda", mul(get("lda"), const(es))),
            put("ldw", mul(get("ldw"), const(es))),
            put("kb", mul(get("k"), const(es))),
            put("vdecay", f"({V}.splat {get('decay')})"),
            put("j", const(0)),
            *(
                while_(label("n"), f"(i32.le_s {add(get('j'), const(R))} {get('n')})", rows(R) + [inc("j", R)])
                for R in (R0, 2, 1)
            ),  # the row tail in halves, as nt's columns
        ],
        v128=[f"acc{r}{c}" for r in range(R0) for c in range(CV0)]
        + [f"vd{r}" for r in range(R0)]
        + [f"va{c}" for c in range(CV0)]
        + ["vdecay"],
        scalars=[f"s{r}0" for r in range(R0)] + [f"xd{r}" for r in range(R0)] + ["xa0"],
        i32=["j", "ii", "pb", "kb", "dp", "ap", "wp"],
    )


def func(name, i32_params, last_param, t, body, v128, scalars, i32):
    """An exported function: i32 params, then ``last_param`` (an i32 pointer ``bias`` or a scalar ``decay``)."""
    params = [f"(param ${p} i32)" for p in i32_params.split()]
    if last_param == "bias":
        params.append("(param $bias i32)")
    elif last_param == "decay":
        params.append(f"(param $decay {t})")
    decl = (
        [f"(local ${v} v128)" for v in v128]
        + [f"(local ${v} {t})" for v in scalars]
        + [f"(local ${v} i32)" for v in i32]
    )
    return f'(func ${name} (export "{name}") {" ".join(params)}\n' + "\n".join(decl) + "\n" + "\n".join(body) + ")\n"


def module():
    parts = [
        "(module",
        ";; generated by gen_gemm.py: do not edit; see the docstring there",
        '(import "env" "memory" (memory 0))',
    ]
    for t in ("f64", "f32"):
        parts += [nt(t), nn(t), tn_update(t)]
    return "\n".join(parts) + ")\n"


def leb128(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def with_dylink(wasm):
    """The module with a ``dylink.0`` section first: one MEM_INFO subsection saying it needs no memory
    and no table of its own (all zeros), which is what makes it an emscripten side module."""
    assert wasm[:8] == b"\0asm\1\0\0\0", "not a wasm module"
    mem_info = b"\x01" + leb128(4) + b"\0\0\0\0"
    payload = leb128(len(b"dylink.0")) + b"dylink.0" + mem_info
    return wasm[:8] + b"\0" + leb128(len(payload)) + payload + wasm[8:]


def main():
    wat = HERE / "gemm.wat"
    wat.write_text(module(), encoding="utf-8")
    if not WAT2WASM.exists():
        sys.exit(f"{WAT2WASM} is missing: run `npm ci --prefix {HERE}` first")
    raw = HERE / "gemm.raw.wasm.tmp-build"
    try:
        subprocess.run([str(WAT2WASM), str(wat), "-o", str(raw)], check=True)
        (HERE / "gemm.wasm").write_bytes(with_dylink(raw.read_bytes()))
    finally:
        raw.unlink(missing_ok=True)
    print(f"wrote {wat} and {HERE / 'gemm.wasm'} ({(HERE / 'gemm.wasm').stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
