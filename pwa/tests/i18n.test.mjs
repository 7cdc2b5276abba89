// The message catalogue: every message exists in both languages with the same placeholders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogue, setLanguage, t, tn } from '../src/shared/i18n.js';

globalThis.document ??= { documentElement: {} };

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test('English and French have the same messages and placeholders', () => {
  assert.deepEqual(Object.keys(catalogue.fr).sort(), Object.keys(catalogue.en).sort());
  for (const [key, english] of Object.entries(catalogue.en)) {
    assert.deepEqual(placeholders(catalogue.fr[key]), placeholders(english), key);
  }
});

test('placeholders are filled and counted messages follow each language', () => {
  setLanguage('en');
  assert.equal(t('common.toSync', { count: 3 }), '3 to sync');
  assert.equal(tn('stop.parcels', 1), '1 parcel');
  assert.equal(tn('stop.parcels', 2), '2 parcels');
  setLanguage('fr');
  assert.equal(tn('stop.parcels', 0), '0 colis');
  assert.equal(t('change.resequenced', { address: '14 Rue Ontario', to: 3 }), "Le répartiteur a déplacé 14 Rue Ontario à l'arrêt 3");
  setLanguage('en');
});
