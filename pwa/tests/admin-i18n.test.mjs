// The admin screens' strings: every one in English and French, with the same placeholders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminMessages } from '../src/admin/messages.js';

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test('English and French admin messages match', () => {
  assert.deepEqual(Object.keys(adminMessages.fr).sort(), Object.keys(adminMessages.en).sort());
  // a.h.subject shows its braces as they are: "{placeholders}" / "{champs}" is a word, not a value.
  for (const [key, english] of Object.entries(adminMessages.en).filter(([key]) => key !== 'a.h.subject')) {
    assert.deepEqual(placeholders(adminMessages.fr[key]), placeholders(english), key);
  }
});

test('English and French landing page messages match', async () => {
  const { homeMessages } = await import('../src/home/messages.js');
  assert.deepEqual(Object.keys(homeMessages.fr).sort(), Object.keys(homeMessages.en).sort());
  for (const [key, english] of Object.entries(homeMessages.en)) {
    assert.deepEqual(placeholders(homeMessages.fr[key]), placeholders(english), key);
  }
});
