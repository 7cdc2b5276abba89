// After `vite build`: draw the icons, write the web app manifests, build the service worker with
// the exact list of files to precache and a version derived from their contents (a new build means
// a new cache; the old one is deleted on activate), and check the driver app's size budget.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { drawIcon } from './png.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const DRIVER_BUDGET_GZIP_BYTES = 150 * 1024;

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

/** The entry's own file, its static imports and their CSS: what a phone downloads for the app. */
function entryFiles(viteManifest, entryKey) {
  const files = new Set();
  const visit = (key) => {
    const chunk = viteManifest[key];
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const css of chunk.css || []) files.add(css);
    for (const imported of chunk.imports || []) visit(imported);
  };
  visit(entryKey);
  return [...files];
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

const viteManifest = JSON.parse(readFileSync(join(DIST, '.vite/manifest.json'), 'utf8'));
writeIcons();
writeManifest('driver', { title: 'Lastmile Driver', shortName: 'Lastmile', startUrl: '/driver',
  description: "Today's route, navigation and proof of delivery, offline." });
writeManifest('dispatch', { title: 'Lastmile Dispatch', shortName: 'Dispatch', startUrl: '/dispatch',
  description: 'Plan, dispatch and follow the day.' });

const driverFiles = entryFiles(viteManifest, 'driver/index.html');
// URL -> file in dist. The server maps /driver to dist/driver/index.html.
const precached = new Map([
  ['/driver', 'driver/index.html'],
  ['/driver.webmanifest', 'driver.webmanifest'],
  ...ICONS.map((icon) => [`/${icon.file}`, icon.file]),
  ...driverFiles.map((file) => [`/${file}`, file]),
]);
const hash = createHash('sha256');
for (const [url, file] of precached) hash.update(url).update(readFileSync(join(DIST, file)));
hash.update(readFileSync(join(ROOT, 'sw/sw.js')));
hash.update(readFileSync(join(ROOT, 'sw/push.js')));
const version = hash.digest('hex').slice(0, 12);
await buildServiceWorker([...precached.keys()], version);

const sizes = driverFiles.filter((file) => /\.(js|css)$/.test(file)).map((file) => {
  const content = readFileSync(join(DIST, file));
  return { file, bytes: content.length, gzip: gzipSync(content, { level: 9 }).length };
});
const total = sizes.reduce((sum, entry) => sum + entry.gzip, 0);
writeFileSync(join(DIST, 'size.json'), `${JSON.stringify({ app: 'driver', version, gzip_bytes: total, files: sizes }, null, 2)}\n`);
for (const entry of sizes) console.log(`  ${entry.file.padEnd(40)} ${(entry.bytes / 1024).toFixed(1).padStart(7)} KB  gzip ${(entry.gzip / 1024).toFixed(1).padStart(6)} KB`);
console.log(`driver JS+CSS: ${(total / 1024).toFixed(1)} KB gzipped (budget ${DRIVER_BUDGET_GZIP_BYTES / 1024} KB); service worker ${version}`);
if (total > DRIVER_BUDGET_GZIP_BYTES) {
  console.error('The driver app is over its size budget.');
  process.exit(1);
}
writeFileSync(join(DIST, '.built'), `${version}\n`);
