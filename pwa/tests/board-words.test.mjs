// The day's board words: English and French have the same keys and the same placeholders, and every
// plural has both forms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BOARD_MESSAGES } from '../src/dispatch/board_messages.js';

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test('English and French board words match, placeholders included', () => {
  assert.deepEqual(Object.keys(BOARD_MESSAGES.fr).sort(), Object.keys(BOARD_MESSAGES.en).sort());
  for (const [key, english] of Object.entries(BOARD_MESSAGES.en)) {
    assert.deepEqual(placeholders(BOARD_MESSAGES.fr[key]), placeholders(english), key);
  }
  for (const key of Object.keys(BOARD_MESSAGES.en).filter((k) => k.endsWith('.one'))) {
    assert.ok(BOARD_MESSAGES.en[key.replace(/\.one$/, '.other')], `${key} has its .other`);
  }
});
