// Python with numpy and the package already imported, from one snapshot (issue 19, second visit).
//
// Pyodide's own snapshot (makeMemorySnapshot / _loadSnapshot) saves and restores the WebAssembly memory
// of an interpreter; it knows nothing of dynamic libraries. numpy's 14 extension modules are such
// libraries: their code lives outside that memory (each is a WebAssembly instance whose functions sit
// in the shared function table), their data inside it, at addresses the dynamic loader chose. So a
// snapshot taken after `import numpy` restores Python objects that point at code which is not there.
//
// What we keep besides the memory is where each library was placed: while Pyodide loads numpy in the
// worker that makes the snapshot, every library is given a loader handle of our own, on which
// Emscripten's loader writes the library's memory base and table base (the same record it keeps for
// pthreads). On restore, after Pyodide has created its module and before it restores the memory, the
// memory is copied in first, and each library is instantiated again, in the same order, through that
// handle: Emscripten then reuses its recorded bases instead of allocating new ones, and every function
// lands in the table slot the restored memory expects. Pyodide's own restore then copies the memory
// over whatever the libraries' start-up wrote. The files (numpy's and the package's, with their times,
// so the .pyc files Python wrote stay valid) are written back from the same bundle.
//
// This uses Pyodide 0.27.7's internals (the decision recorded in issue 19): pinned to that version and
// checked step by step — the table's length before and after each library, every global offset table
// entry — so that anything else throws, and the loader (pyodide-loader.js) then deletes the bundle and
// loads the normal way. Bundle: [Pyodide's snapshot][the files][pyodide.asm.wasm][meta JSON][meta length
// u32][MAGIC u32], so that Pyodide's own header (its build id at byte 16) comes first, as in a bare
// snapshot; its WebAssembly is instantiated from the bundle (a decompression of 10 MB saved).

export const PYODIDE_VERSION = "0.27.7";
const MAGIC = 0x31535042; // "BPS1", little-endian, at the very end
const HANDLE_BYTES = 64; // Emscripten's struct dso up to its name: the loader reads bytes 8..36
const INTERNALS = ["newDSO", "loadWebAssemblyModule", "mergeLibSymbols", "loadDynamicLibrary", "LDSO", "GOT",
  "wasmTable", "HEAP8", "HEAPU32", "_calloc", "API"];

function checkInternals(module) {
  const missing = INTERNALS.filter((name) => !module?.[name]);
  if (missing.length) throw new Error(`Pyodide's module has no ${missing.join(", ")}`);
}

/** A hash of the global offset table (symbol -> address or table slot), to compare two processes'. */
function gotHash(module) {
  let h = 0x811c9dc5;
  const mix = (text) => {
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  };
  for (const name of Object.keys(module.GOT).sort()) mix(`${name}=${module.GOT[name].value};`);
  return `${Object.keys(module.GOT).length}:${h.toString(16)}`;
}

/**
 * Run `load()` (Pyodide's loadPackage("numpy")) noting where each dynamic library goes. Resolves to
 * the record packSnapshot needs. Only for an interpreter started with `_makeSnapshot: true`.
 */
export async function recordDynlibs(pyodide, load) {
  if (pyodide.version !== PYODIDE_VERSION) throw new Error(`Pyodide ${pyodide.version}, not ${PYODIDE_VERSION}`);
  const module = pyodide._module;
  checkInternals(module);
  const tableStart = module.wasmTable.length;
  const libs = [];
  const original = module.loadDynamicLibrary;
  module.loadDynamicLibrary = function (name, flags, localScope, handle) {
    // Pyodide passes no handle: ours, zeroed, tells Emscripten to allocate and write the bases there
    const own = handle ?? module._calloc(HANDLE_BYTES, 1);
    libs.push({ name, handle: own, global: !!flags?.global, tableBefore: module.wasmTable.length });
    return original.call(this, name, flags, localScope, own);
  };
  try {
    await load();
  } finally {
    module.loadDynamicLibrary = original;
  }
  return { tableStart, libs };
}

function walkFiles(FS, root, out) {
  for (const name of FS.readdir(root)) {
    if (name === "." || name === "..") continue;
    const path = `${root}/${name}`;
    const stat = FS.stat(path);
    if (FS.isDir(stat.mode)) walkFiles(FS, path, out);
    else out.push({ path, mtime: stat.mtime.getTime(), bytes: FS.readFile(path) });
  }
}

/**
 * The bundle of an interpreter that has loaded numpy under recordDynlibs (`record`) and imported what
 * the page needs: its memory (Pyodide's snapshot), every file under `roots`, the libraries' places and,
 * when given, `wasm`: pyodide.asm.wasm's bytes (checked), so that a restore need not fetch and
 * decompress them again.
 */
export function packSnapshot(pyodide, record, roots, wasm = null) {
  const module = pyodide._module;
  const names = new Set(record.libs.map((l) => l.name));
  const byName = module.LDSO.loadedLibsByName;
  for (const [name, dso] of Object.entries(byName)) {
    if (name !== "__main__" && !names.has(name) && !names.has(dso.name)) {
      throw new Error(`the dynamic library ${name} was loaded outside Pyodide's package loader`);
    }
  }
  // handles Python's dlopen made while importing (Emscripten keeps them in JS only), given back on restore
  const handles = Object.entries(module.LDSO.loadedLibsByHandle)
    .filter(([, dso]) => names.has(dso.name)).map(([handle, dso]) => [Number(handle), dso.name]);
  // Pyodide's list of loaded packages is a JS object it refuses to snapshot: emptied meanwhile, kept in the meta
  const loaded = { ...pyodide.loadedPackages };
  for (const name of Object.keys(loaded)) delete pyodide.loadedPackages[name];
  let memory;
  try {
    memory = pyodide.makeMemorySnapshot();
  } finally {
    Object.assign(pyodide.loadedPackages, loaded);
  }
  const files = [];
  for (const root of roots) walkFiles(pyodide.FS, root, files);
  const meta = new TextEncoder().encode(JSON.stringify({
    version: pyodide.version, tableStart: record.tableStart, tableEnd: module.wasmTable.length, got: gotHash(module),
    libs: record.libs, handles, loaded, memoryBytes: memory.length,
    files: files.map((f) => [f.path, f.bytes.length, f.mtime]), wasmBytes: wasm?.length ?? 0,
  }));
  const filesBytes = files.reduce((n, f) => n + f.bytes.length, 0);
  const out = new Uint8Array(memory.length + filesBytes + (wasm?.length ?? 0) + meta.length + 8);
  out.set(memory, 0);
  let at = memory.length;
  for (const f of files) {
    out.set(f.bytes, at);
    at += f.bytes.length;
  }
  if (wasm) {
    out.set(wasm, at);
    at += wasm.length;
  }
  out.set(meta, at);
  new DataView(out.buffer).setUint32(at + meta.length, meta.length, true);
  new DataView(out.buffer).setUint32(at + meta.length + 4, MAGIC, true);
  return out;
}

/** {meta, memory, files: [{path, mtime, bytes}], wasm} of a bundle; throws when it is not one. */
export function readBundle(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || view.getUint32(bytes.length - 4, true) !== MAGIC) {
    throw new Error("the stored snapshot is not one of numpy and the package (no bundle trailer)");
  }
  const metaLength = view.getUint32(bytes.length - 8, true);
  const metaStart = bytes.length - 8 - metaLength;
  let meta;
  try {
    meta = JSON.parse(new TextDecoder().decode(bytes.subarray(metaStart, bytes.length - 8)));
  } catch {
    throw new Error("the stored snapshot's description is not JSON");
  }
  let at = meta.memoryBytes;
  const files = meta.files.map(([path, size, mtime]) => {
    const file = { path, mtime, bytes: bytes.subarray(at, at + size) };
    at += size;
    return file;
  });
  const wasm = meta.wasmBytes ? bytes.subarray(at, at + meta.wasmBytes) : null;
  if (at + (meta.wasmBytes ?? 0) !== metaStart) throw new Error("the stored snapshot's files do not add up");
  return { meta, memory: bytes.subarray(0, meta.memoryBytes), files, wasm };
}

/** Instantiate the libraries of `meta` again, at their recorded places, in Pyodide's new `module`. */
function replayDynlibs(module, meta, memory, compiled) {
  checkInternals(module);
  // Pyodide's restore checks the snapshot's magic number and build id, and copies the memory in:
  // the handles, and every byte the libraries will be instantiated against, are the snapshot's
  module.API.restoreSnapshot(memory);
  const table = module.wasmTable;
  if (table.length !== meta.tableStart) throw new Error(`the function table has ${table.length} slots, not ${meta.tableStart}`);
  return meta.libs.reduce((chain, lib) => chain.then(async () => {
    if (table.length !== lib.tableBefore) throw new Error(`the function table has ${table.length} slots before ${lib.name}, not ${lib.tableBefore}`);
    const dso = module.newDSO(lib.name, lib.handle, "loading");
    dso.global = lib.global;
    const flags = { loadAsync: true, nodelete: true, allowUndefined: true, global: lib.global };
    const exports = await module.loadWebAssemblyModule(compiled.get(lib.name), flags, lib.name, lib.global ? null : {}, lib.handle);
    if (lib.global) module.mergeLibSymbols(exports, lib.name);
    dso.exports = exports;
    const base = lib.name.slice(lib.name.lastIndexOf("/") + 1);
    module.LDSO.loadedLibsByName[base] ||= dso; // as Pyodide's loadDynlib does
  }), Promise.resolve()).then(() => {
    if (table.length !== meta.tableEnd) throw new Error(`the function table has ${table.length} slots, not ${meta.tableEnd}`);
    const got = gotHash(module);
    if (got !== meta.got) throw new Error(`the global offset table differs (${got}, not ${meta.got})`);
    for (const [handle, name] of meta.handles) module.LDSO.loadedLibsByHandle[handle] = module.LDSO.loadedLibsByName[name];
  });
}

function writeFiles(FS, files) {
  for (const { path, mtime, bytes } of files) {
    FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    FS.writeFile(path, bytes);
    FS.utime(path, mtime, mtime);
  }
}

/**
 * Python from the bundle `bytes` (packSnapshot's): numpy and the package imported, their files in
 * place. `loadPyodide` and `options` as for the normal load; pyodide.asm.js must be loaded already
 * (its _createPyodideModule is wrapped for this one call). Throws when anything does not match.
 * `onStage(name)` hears each stage end (the bench's timings); `onCold()` that Pyodide will fetch its
 * WebAssembly itself (a bundle made without it).
 */
export async function loadImported(loadPyodide, options, bytes, onStage = () => {}, onCold = () => {}) {
  const { meta, memory, files, wasm } = readBundle(bytes);
  if (meta.version !== PYODIDE_VERSION) throw new Error(`the snapshot is of Pyodide ${meta.version}, not ${PYODIDE_VERSION}`);
  const create = globalThis._createPyodideModule;
  if (typeof create !== "function") throw new Error("Pyodide's pyodide.asm.js is not loaded");
  const byPath = new Map(files.map((f) => [f.path, f.bytes]));
  // compiled side by side, Pyodide's WebAssembly with them (V8 compiles a module's functions lazily)
  const main = wasm ? WebAssembly.compile(wasm) : null;
  main?.catch(() => {}); // awaited when Pyodide asks for it
  const compiled = new Map(await Promise.all(meta.libs.map(async (lib) => {
    if (!byPath.has(lib.name)) throw new Error(`the snapshot has no file ${lib.name}`);
    return [lib.name, await WebAssembly.compile(byPath.get(lib.name))];
  })));
  onStage("snapshotCompiled");
  globalThis._createPyodideModule = async (settings) => {
    let fail;
    const failed = new Promise((_, reject) => (fail = reject));
    if (wasm) { // Pyodide's WebAssembly from the bundle: no download, no decompression
      settings.instantiateWasm = (imports, receive) => {
        main.then((module) => WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module)))
          .catch(fail);
        return {};
      };
    }
    const module = await Promise.race([create(settings), failed]);
    onStage("snapshotModule");
    await replayDynlibs(module, meta, memory, compiled);
    onStage("snapshotLibs");
    return module;
  };
  if (!wasm) onCold();
  let pyodide;
  try {
    pyodide = await loadPyodide({ ...options, _loadSnapshot: memory });
  } finally {
    globalThis._createPyodideModule = create;
  }
  onStage("snapshotPython");
  writeFiles(pyodide.FS, files);
  Object.assign(pyodide.loadedPackages, meta.loaded);
  onStage("snapshotFiles");
  return pyodide;
}
