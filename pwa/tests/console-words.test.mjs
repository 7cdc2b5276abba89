// The console's notification words and its language choice: English and French match, and the browser's
// languages come before the profile's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NOTIFICATION_MESSAGES } from '../src/dispatch/orders/notifications.js';
import { supportedLanguage } from '../src/shared/i18n.js';

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test('English and French notification words match', () => {
  assert.deepEqual(Object.keys(NOTIFICATION_MESSAGES.fr).sort(), Object.keys(NOTIFICATION_MESSAGES.en).sort());
  for (const [key, english] of Object.entries(NOTIFICATION_MESSAGES.en)) {
    assert.deepEqual(placeholders(NOTIFICATION_MESSAGES.fr[key]), placeholders(english), key);
  }
  for (const status of ['pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled', 'suppressed']) {
    assert.ok(NOTIFICATION_MESSAGES.fr[`n.status.${status}`], status);
  }
});

test('the first offered language wins, by its base tag', () => {
  assert.equal(supportedLanguage(['de-DE', 'fr-CA', 'en']), 'fr');
  assert.equal(supportedLanguage(['en-US', 'fr']), 'en');
  assert.equal(supportedLanguage(['de', null, undefined]), null);
});
