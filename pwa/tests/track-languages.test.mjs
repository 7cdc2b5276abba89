// The tracking page in every language it offers (en fr es pt de): each one has every message the page can
// show, with the same placeholders as English (a missing one would show English mid-page, a wrong one "{n}").
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { catalogue } from '../src/shared/i18n.js';
import { rebookMessages } from '../src/track/messages.js';
import { TRACK_LANGUAGES, trackLanguage } from '../src/track/languages.js';
import de from '../src/track/messages/de.js';
import es from '../src/track/messages/es.js';
import pt from '../src/track/messages/pt.js';

const SOURCES = new URL('../src/track/', import.meta.url);
// The shared catalogue's keys the tracking page shows (the rest belong to the driver app and the console).
const PREFIXES = ['track.', 'rebook.', 'fail.reason.', 'common.retry'];
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
const english = Object.fromEntries(Object.entries({ ...catalogue.en, ...rebookMessages.en })
  .filter(([key]) => PREFIXES.some((prefix) => key.startsWith(prefix))));
const french = { ...catalogue.fr, ...rebookMessages.fr };

test('every message the page names is one of the translated ones', () => {
  const used = new Set();
  for (const file of readdirSync(SOURCES).filter((name) => name.endsWith('.js'))) {
    const source = readFileSync(new URL(file, SOURCES), 'utf8');
    for (const [, plural, key] of source.matchAll(/\bt(n?)\(\s*['`]([^'`$]+)['`]/g)) {
      if (plural) ['one', 'other'].forEach((form) => used.add(`${key}.${form}`));
      else used.add(key);
    }
    // Keys built from a value (`track.step.${step}`): their fixed start must be one of the prefixes.
    for (const [, start] of source.matchAll(/\btn?\(\s*`([^`$]*)\$\{/g)) {
      assert.ok(PREFIXES.some((prefix) => start.startsWith(prefix)), `${file}: ${start}…`);
    }
  }
  const unknown = [...used].filter((key) => !(key in english));
  assert.deepEqual(unknown, [], `not in the page's messages: ${unknown.join(', ')}`);
});

for (const [language, messages] of Object.entries({ fr: french, es, pt, de })) {
  test(`${language}: every tracking page message, with the same placeholders`, () => {
    const missing = Object.keys(english).filter((key) => !(key in messages));
    assert.deepEqual(missing, [], `${language} lacks ${missing.join(', ')}`);
    for (const [key, text] of Object.entries(english)) {
      assert.deepEqual(placeholders(messages[key]), placeholders(text), `${language} ${key}`);
    }
  });
}

test('the page follows the customer, then the browser, then English', () => {
  assert.deepEqual(TRACK_LANGUAGES, ['en', 'fr', 'es', 'pt', 'de']);
  assert.equal(trackLanguage(['pt-BR', 'fr-CA']), 'pt');
  assert.equal(trackLanguage([null, 'de-AT', 'en']), 'de');
  assert.equal(trackLanguage(['it', 'es-MX']), 'es');
  assert.equal(trackLanguage(['it', 'nl']), 'en');
});
