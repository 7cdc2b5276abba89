// After `vite build`: draw the icons, write the web app manifests, build the service worker with
// the exact list of files to precache and a version derived from their contents (a new build means
// a new cache; the old one is deleted on activate), and check the size budgets (scripts/size.mjs).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { drawIcon } from './png.mjs';
import { checkSizes, entryFiles, readManifest } from './size.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

const ICONS = [
  { file: 'icons/icon-192.png', size: 192, purpose: 'any' },
  { file: 'icons/icon-512.png', size: 512, purpose: 'any' },
  { file: 'icons/icon-maskable-512.png', size: 512, purpose: 'maskable', safe: true },
];

function writeIcons() {
  mkdirSync(join(DIST, 'icons'), { recursive: true });
  for (const icon of ICONS) writeFileSync(join(DIST, icon.file), drawIcon(icon.size, { safe: icon.safe }));
}

function writeManifest(name, { title, shortName, startUrl, description }) {
  const manifest = {
    name: title,
    short_name: shortName,
    description,
    id: startUrl,
    start_url: startUrl,
    scope: startUrl,
    display: 'standalone',
    orientation: 'portrait',
    background_color: '#f2f2f0',
    theme_color: '#0b3d2e',
    icons: ICONS.map((icon) => ({ src: `/${icon.file}`, sizes: `${icon.size}x${icon.size}`, type: 'image/png', purpose: icon.purpose })),
  };
  writeFileSync(join(DIST, `${name}.webmanifest`), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function buildServiceWorker(precache, version) {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    publicDir: false,
    define: { __VERSION__: JSON.stringify(version), __PRECACHE__: JSON.stringify(precache) },
    build: {
      outDir: DIST,
      emptyOutDir: false,
      target: 'es2020',
      copyPublicDir: false,
      lib: { entry: join(ROOT, 'sw/sw.js'), formats: ['iife'], name: 'lastmileServiceWorker', fileName: () => 'sw.js' },
    },
  });
}

const viteManifest = readManifest(DIST);
writeIcons();
writeManifest('driver', { title: 'Lastmile Driver', shortName: 'Lastmile', startUrl: '/driver',
  description: "Today's route, navigation and proof of delivery, offline." });
writeManifest('dispatch', { title: 'Lastmile Dispatch', shortName: 'Dispatch', startUrl: '/dispatch',
  description: 'Plan, dispatch and follow the day.' });

const driverFiles = entryFiles(viteManifest, 'driver/index.html');

/**
 * What the driver app loads on demand (the guidance screen and its map, the languages beyond en/fr, the photo
 * worker): precached too, so each opens offline on a phone that installed the app while online. Not part of the
 * first screen's budget: the service worker fetches them after the app has shown.
 */
function onDemandFiles(manifest, entryKey, firstScreen) {
  const found = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk) return;
    for (const file of [chunk.file, ...(chunk.css || [])]) {
      if (found.has(file)) continue;
      if (!firstScreen.includes(file)) found.add(file);
    }
    for (const next of [...(chunk.imports || []), ...(chunk.dynamicImports || [])]) {
      if (!visited.has(next)) {
        visited.add(next);
        visit(next);
      }
    }
  };
  const visited = new Set([entryKey]);
  visit(entryKey);
  return [...found];
}
const driverLater = onDemandFiles(viteManifest, 'driver/index.html', driverFiles);
// URL -> file in dist. The server maps /driver to dist/driver/index.html.
const precached = new Map([
  ['/driver', 'driver/index.html'],
  ['/driver.webmanifest', 'driver.webmanifest'],
  ...ICONS.map((icon) => [`/${icon.file}`, icon.file]),
  ...driverFiles.map((file) => [`/${file}`, file]),
  ...driverLater.map((file) => [`/${file}`, file]),
]);
const hash = createHash('sha256');
for (const [url, file] of precached) hash.update(url).update(readFileSync(join(DIST, file)));
hash.update(readFileSync(join(ROOT, 'sw/sw.js')));
hash.update(readFileSync(join(ROOT, 'sw/push.js')));
const version = hash.digest('hex').slice(0, 12);
await buildServiceWorker([...precached.keys()], version);

// The server's Content-Security-Policy allows no inline script or style (backend/headers.py): an HTML
// shell with one would be refused by the browser, so the build refuses it first.
function inlineCodeIn(html) {
  const found = [];
  for (const tag of html.match(/<script\b[^>]*>/gi) || []) if (!/\bsrc=/i.test(tag)) found.push(tag);
  if (/<style\b/i.test(html)) found.push('<style>');
  for (const attribute of html.match(/\s(?:style|on[a-z]+)\s*=/gi) || []) found.push(attribute.trim());
  if (/javascript:/i.test(html)) found.push('javascript: URL');
  return found;
}

for (const shell of ['driver/index.html', 'dispatch/index.html', 'track/index.html']) {
  const inline = inlineCodeIn(readFileSync(join(DIST, shell), 'utf8'));
  if (inline.length) {
    console.error(`${shell} has inline code the Content-Security-Policy refuses: ${inline.join(', ')}`);
    process.exit(1);
  }
}
console.log(`service worker ${version}`);
if (!checkSizes({ dist: DIST, version })) {
  console.error('A size budget is broken (scripts/size.mjs).');
  process.exit(1);
}
writeFileSync(join(DIST, '.built'), `${version}\n`);
