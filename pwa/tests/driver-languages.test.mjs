// The driver app in every language it offers: each one has every message the driver can see, with the
// same placeholders as English (a missing one would show English mid-sentence, a wrong one "{count}").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogue } from '../src/shared/i18n.js';
import { DRIVER_MESSAGES, mergeMessages } from '../src/driver/messages.js';
import { PARKED_MESSAGES } from '../src/driver/parked.js';
import { SCAN_MESSAGES } from '../src/driver/scan-messages.js';
import de from '../src/driver/messages/de.js';
import es from '../src/driver/messages/es.js';
import pt from '../src/driver/messages/pt.js';

globalThis.document ??= { documentElement: {} };
mergeMessages();

// The shared catalogue's keys the driver app shows (the rest belong to the tracking page and the console).
const DRIVER_PREFIXES = ['app.', 'common.', 'login.', 'route.', 'push.', 'stop.', 'pod.', 'fail.', 'change.', 'notice.',
  'settings.', 'parked.', 'scan.'];
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

const english = Object.fromEntries(Object.entries({ ...catalogue.en, ...DRIVER_MESSAGES.en, ...PARKED_MESSAGES.en, ...SCAN_MESSAGES.en })
  .filter(([key]) => DRIVER_PREFIXES.some((prefix) => key.startsWith(prefix))));

test('the driver strings exist in English and French alike', () => {
  assert.deepEqual(Object.keys(DRIVER_MESSAGES.fr).sort(), Object.keys(DRIVER_MESSAGES.en).sort());
  assert.deepEqual(Object.keys(SCAN_MESSAGES.fr).sort(), Object.keys(SCAN_MESSAGES.en).sort());
});

for (const [language, messages] of Object.entries({ es, pt, de })) {
  test(`${language}: every driver message, with the same placeholders`, () => {
    const missing = Object.keys(english).filter((key) => !(key in messages));
    assert.deepEqual(missing, [], `${language} lacks ${missing.join(', ')}`);
    for (const [key, text] of Object.entries(english)) {
      assert.deepEqual(placeholders(messages[key]), placeholders(text), `${language} ${key}`);
    }
  });
}
