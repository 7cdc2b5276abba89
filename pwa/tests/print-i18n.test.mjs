// The route sheet's strings: every one in English and French with the same placeholders, and every route
// status the API can answer named in words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sheetMessages } from '../src/print/messages.js';

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test('English and French route sheet messages match', () => {
  assert.deepEqual(Object.keys(sheetMessages.fr).sort(), Object.keys(sheetMessages.en).sort());
  for (const [key, english] of Object.entries(sheetMessages.en)) {
    assert.deepEqual(placeholders(sheetMessages.fr[key]), placeholders(english), key);
  }
});

test('every route status has words', () => {
  for (const status of ['draft', 'published', 'in_progress', 'completed']) {
    for (const language of ['en', 'fr']) assert.ok(sheetMessages[language][`sheet.status.${status}`], `${language} ${status}`);
  }
});
