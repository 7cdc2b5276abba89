// Lighthouse on one page of a running server, with Debian's chromium (CHROME_PATH) and Lighthouse's
// default mobile emulation and simulated slow-4G throttling.
//   node scripts/lighthouse.mjs http://127.0.0.1:5000/driver [--cookie 'session=...'] [--out report.json]
// Prints the four scores and a JSON line; exits 1 when a score is under its target.
import { writeFileSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const TARGETS = { performance: 90, accessibility: 95, 'best-practices': 95 };
const args = process.argv.slice(2);
const url = args.find((arg) => !arg.startsWith('--') && !args[args.indexOf(arg) - 1]?.startsWith('--'));
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : null);
if (!url) {
  console.error('usage: lighthouse.mjs URL [--cookie COOKIE] [--out FILE]');
  process.exit(2);
}

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-gpu',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
let result;
try {
  const cookie = option('--cookie');
  result = await lighthouse(url, {
    port: chrome.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
    extraHeaders: cookie ? { Cookie: cookie } : undefined,
  });
} finally {
  await chrome.kill();
}
const { lhr } = result;
if (option('--out')) writeFileSync(option('--out'), result.report);
const scores = Object.fromEntries(Object.entries(lhr.categories).map(([id, category]) => [id, Math.round(category.score * 100)]));
for (const [id, score] of Object.entries(scores)) {
  const target = TARGETS[id];
  console.log(`${id.padEnd(16)} ${String(score).padStart(3)}${target ? `  (target >= ${target})` : ''}`);
}
const failing = Object.entries(TARGETS).filter(([id, target]) => scores[id] < target);
for (const [id] of failing) {
  const audits = lhr.categories[id].auditRefs.map((ref) => lhr.audits[ref.id])
    .filter((audit) => audit.score !== null && audit.score < 1 && audit.scoreDisplayMode !== 'informative');
  console.log(`  ${id}: ${audits.map((audit) => audit.id).join(', ')}`);
}
const metrics = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift']
  .map((id) => `${id}=${lhr.audits[id]?.displayValue ?? '?'}`).join(' ');
console.log(metrics);
console.log(JSON.stringify({ benchmark: 'lighthouse', url, form_factor: lhr.configSettings.formFactor,
  throttling: lhr.configSettings.throttlingMethod, scores }));
process.exit(failing.length ? 1 : 0);
