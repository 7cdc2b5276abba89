// What the driver reads about a parked write: every reason worded in both languages, never a bare code.
import assert from 'node:assert/strict';
import { test } from 'node:test';

globalThis.document ??= { documentElement: {} };

const { catalogue, setLanguage } = await import('../src/shared/i18n.js');
const { PARKED_MESSAGES, parkedText } = await import('../src/driver/parked.js');

const moved = {
  code: 'conflict', reason: 'stop_moved', status: 200, message: 'Dispatch moved this stop to another route',
  entry: { kind: 'action', body: { type: 'stop.complete', stop_id: 7 }, label: { sequence: 3, address: '14 Rue Ontario' } },
};

test('the parked messages exist in English and French with the same placeholders', () => {
  assert.deepEqual(Object.keys(PARKED_MESSAGES.fr).sort(), Object.keys(PARKED_MESSAGES.en).sort());
  for (const key of Object.keys(PARKED_MESSAGES.en)) assert.ok(catalogue.fr[key], key);
});

test('a conflict names the action, the stop and what to do, in the driver language', () => {
  setLanguage('en');
  const english = parkedText(moved);
  assert.equal(english.title, 'Delivery — stop 3, 14 Rue Ontario');
  assert.match(english.detail, /another driver.*keep the parcel/);
  setLanguage('fr');
  const french = parkedText(moved);
  assert.equal(french.title, 'Livraison — arrêt 3, 14 Rue Ontario');
  assert.match(french.detail, /autre livreur.*gardez le colis/);
  assert.doesNotMatch(french.detail, /Dispatch moved/);
  setLanguage('en');
});

test('each refusal gets its own wording; the server message only fills in where nothing better exists', () => {
  setLanguage('en');
  const cancelled = parkedText({ ...moved, reason: 'order_cancelled' }).detail;
  assert.match(cancelled, /cancelled this order/);
  const clock = parkedText({ code: 'invalid_input', status: 422, fields: { at: ['In the future.'] }, message: 'x',
    entry: { kind: 'action', body: { type: 'stop.arrive' } } });
  assert.equal(clock.title, 'Arrival');
  assert.match(clock.detail, /clock/);
  const other = parkedText({ code: 'invalid_input', status: 422, fields: { note: ['Too long.'] }, message: 'Note too long.',
    entry: { kind: 'action', body: { type: 'parcel.load', data: { barcode: 'P-1' } } } });
  assert.equal(other.title, 'Parcel P-1 loaded');
  assert.match(other.detail, /Note too long\./);
  const texts = [cancelled, clock.detail, other.detail, parkedText({ ...moved, reason: 'stop_finished' }).detail];
  for (const text of texts) assert.doesNotMatch(text, /parked\.|stop_moved|invalid_input/);
});
