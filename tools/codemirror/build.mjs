// Rebuilds web/vendor/codemirror.js from the pinned packages of package-lock.json:
//   cd tools/codemirror && npm ci && npm run build
// and writes web/vendor/codemirror.LICENSE.txt with the licence of every package in the bundle.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "..", "..", "web", "vendor");

const result = await build({
  entryPoints: [join(here, "entry.js")],
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "none", // the notices go to codemirror.LICENSE.txt, whole
  target: "es2020",
  outfile: join(vendor, "codemirror.js"),
  metafile: true,
  banner: { js: "// CodeMirror 6 (MIT), bundled by tools/codemirror/build.mjs; licences in codemirror.LICENSE.txt" },
});

// Every package with code in the bundle, and its licence text.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) packages.add(m[1]);
}
const notices = [...packages].sort().map((name) => {
  const dir = join(here, "node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  let text;
  for (const f of ["LICENSE", "LICENSE.md", "LICENSE.txt", "license"]) {
    try { text = readFileSync(join(dir, f), "utf8"); break; } catch { /* next name */ }
  }
  if (!text) throw new Error(`no licence file in ${name}`);
  return `${name} ${pkg.version} (${pkg.license})\n\n${text.trim()}\n`;
});
writeFileSync(join(vendor, "codemirror.LICENSE.txt"),
  "Third-party code in codemirror.js, bundled by tools/codemirror/build.mjs.\n\n" +
  notices.join("\n" + "-".repeat(72) + "\n\n"));
console.log(`codemirror.js: ${packages.size} packages: ${[...packages].sort().join(", ")}`);
