// The service worker: keeps the site's files so that, once loaded, the page works with the network
// off (a classroom on a bad network), and replaces them when the site changes.
//
// build.py writes the build's id below and sw-manifest.json beside this file: {build, files: {path:
// sha256}, lazy: [paths]}. A rebuilt site has a new id, so the browser sees a changed sw.js and
// installs it: the new worker downloads every listed file, checks each against its sha256, keeps them
// in a cache named after the build, takes over at once and deletes the older builds' caches. A failed
// download fails the install and the old files stay in use. The page (main.js) registers this worker
// once it is ready, so a first visit downloads nothing twice.
//
// Requests for listed files are answered from the cache (the navigation from index.html); "lazy" files
// (the optional full MNIST) are kept the first time the page downloads them; everything else goes to
// the network. Not handled: a CDN build's Pyodide (another origin: only the browser's HTTP cache keeps
// it, so that build needs the network), and a page already open while the site changes, which goes on
// with the files it has and may fetch new ones if its worker restarts (the next visit is all new).

const BUILD = "dev"; // replaced by build.py; "dev" (web/ served as it is) caches nothing
const PREFIX = "backprop-site-";
const CACHE = PREFIX + BUILD;
const SCOPE = new URL("./", self.location.href);

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** Fetch a listed file past the HTTP cache's freshness (revalidated) and check its sha256. */
async function fetchChecked(path, sha256) {
  const url = new URL(path, SCOPE).href;
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  const bytes = await response.clone().arrayBuffer();
  if (hex(await crypto.subtle.digest("SHA-256", bytes)) !== sha256) {
    throw new Error(`${url} does not have the sha256 of build ${BUILD} (the site changed during the install?)`);
  }
  return [url, response];
}

async function install() {
  const manifestURL = new URL(`sw-manifest.json?build=${BUILD}`, SCOPE);
  const manifest = await (await fetch(manifestURL, { cache: "no-store" })).json();
  if (manifest.build !== BUILD) throw new Error(`sw-manifest.json is of build ${manifest.build}, not ${BUILD}`);
  const cache = await caches.open(CACHE);
  const entries = await Promise.all(Object.entries(manifest.files).map(([path, sha]) => fetchChecked(path, sha)));
  await Promise.all(entries.map(([url, response]) => cache.put(url, response)));
  await cache.put(new URL("sw-manifest.json", SCOPE).href, new Response(JSON.stringify(manifest)));
}

self.addEventListener("install", (event) => {
  if (BUILD === "dev") return;
  event.waitUntil(install().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

let lazy = null; // the manifest's lazy paths, as URLs (read from the cache once)
async function lazyURLs(cache) {
  if (!lazy) {
    const manifest = await (await cache.match(new URL("sw-manifest.json", SCOPE).href))?.json();
    lazy = new Set((manifest?.lazy ?? []).map((p) => new URL(p, SCOPE).href));
  }
  return lazy;
}

async function answer(event) {
  const { request } = event;
  const cache = await caches.open(CACHE);
  const url = new URL(request.url);
  url.search = url.hash = ""; // the page keeps its settings in the query
  const key = request.mode === "navigate" && url.href === SCOPE.href ? new URL("index.html", SCOPE).href : url.href;
  const hit = await cache.match(key);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && (await lazyURLs(cache)).has(key)) {
    event.waitUntil(cache.put(key, response.clone())); // not awaited: the page reads its progress meanwhile
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (BUILD === "dev" || request.method !== "GET" || !request.url.startsWith(SCOPE.href)) return;
  event.respondWith(answer(event));
});
