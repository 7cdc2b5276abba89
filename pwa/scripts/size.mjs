// What each app's first screen downloads (its entry, the chunks it imports statically, their CSS), gzipped,
// and the budgets that must hold. The build runs this check (scripts/postbuild.mjs); `npm run size`
// prints the same table for the last build. Budgets live here and nowhere else:
//   - the driver app: JS+CSS within 150 KB gzipped (issue #18: a phone on a weak network, every morning);
//   - the driver app's first screen carries no map: the shared Leaflet wrapper (src/shared/map.js) is
//     imported dynamically, when a map is opened.
// Writes dist/size.json. Exits 1 when a budget is broken (run as a script).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
const KB = 1024;

export const APPS = {
  driver: { entry: 'driver/index.html', budgetGzip: 150 * KB, withoutMap: true },
  track: { entry: 'track/index.html' },
  dispatch: { entry: 'dispatch/index.html' },
};
// A string only Leaflet's code holds (the class of every map pane): its presence means a map was bundled.
const LEAFLET_MARK = 'leaflet-pane';

export function readManifest(dist = DIST) {
  return JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
}

/** The entry's own file, its static imports and their CSS: what a browser downloads for the app. */
export function entryFiles(viteManifest, entryKey) {
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

/** Sizes per app, and the budgets each breaks (empty when all hold). */
export function measure(dist = DIST) {
  const viteManifest = readManifest(dist);
  const apps = {};
  const broken = [];
  for (const [name, app] of Object.entries(APPS)) {
    const files = entryFiles(viteManifest, app.entry).filter((file) => /\.(js|css)$/.test(file)).map((file) => {
      const content = readFileSync(join(dist, file));
      return { file, bytes: content.length, gzip: gzipSync(content, { level: 9 }).length,
        leaflet: file.endsWith('.js') && content.includes(LEAFLET_MARK) };
    });
    const gzip = files.reduce((sum, entry) => sum + entry.gzip, 0);
    apps[name] = { gzip_bytes: gzip, budget_gzip_bytes: app.budgetGzip ?? null,
      files: files.map(({ file, bytes, gzip: zipped }) => ({ file, bytes, gzip: zipped })) };
    if (app.budgetGzip && gzip > app.budgetGzip) {
      broken.push(`${name}: ${(gzip / KB).toFixed(1)} KB gzipped, over its budget of ${app.budgetGzip / KB} KB`);
    }
    const withMap = files.filter((entry) => entry.leaflet).map((entry) => entry.file);
    if (app.withoutMap && withMap.length) {
      broken.push(`${name}: the map (Leaflet) is in the first download (${withMap.join(', ')}); import src/shared/map.js dynamically`);
    }
  }
  return { apps, broken };
}

export function report({ apps, broken }, log = console.log) {
  for (const [name, app] of Object.entries(apps)) {
    const budget = app.budget_gzip_bytes ? ` (budget ${app.budget_gzip_bytes / KB} KB)` : '';
    log(`${name} first load: ${(app.gzip_bytes / KB).toFixed(1)} KB JS+CSS gzipped${budget}`);
    for (const entry of app.files) {
      log(`  ${entry.file.padEnd(40)} ${(entry.bytes / KB).toFixed(1).padStart(7)} KB  gzip ${(entry.gzip / KB).toFixed(1).padStart(6)} KB`);
    }
  }
  for (const line of broken) console.error(`Over budget: ${line}`);
}

/** Measure, print, write dist/size.json; true when every budget holds. */
export function checkSizes({ dist = DIST, version = null } = {}) {
  const result = measure(dist);
  report(result);
  writeFileSync(join(dist, 'size.json'), `${JSON.stringify({ version, apps: result.apps, broken: result.broken }, null, 2)}\n`);
  return result.broken.length === 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  let ok;
  try {
    ok = checkSizes();
  } catch (error) {
    console.error(`No build to measure (${error.message}): run \`npm run build\` first.`);
    process.exit(2);
  }
  process.exit(ok ? 0 : 1);
}
