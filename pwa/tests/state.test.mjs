// Unit tests of the driver app's pure route logic: `npm test` (node's own test runner, no browser).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setLanguage } from '../src/shared/i18n.js';
import { mergeMessages, ordinal } from '../src/driver/messages.js';
import {
  applyPending, describeChange, isDone, lateness, navigationLinks, nextStop, shownStatus,
} from '../src/driver/state.js';

globalThis.document ??= { documentElement: {} };
mergeMessages();

function stop(id, sequence, status = 'pending', address = `${id} Rue Ontario Est`) {
  return { id, sequence, status, order: { address, lat: 45.5 + id / 1000, lon: -73.6, parcels: [{ barcode: `P${id}`, loaded_at: null, delivered_at: null }] } };
}

function route(stops, extra = {}) {
  return { id: 7, version: 3, status: 'in_progress', on_break: false, stops, ...extra };
}

function action(type, stopId, data = {}) {
  return { kind: 'action', body: { type, route_id: 7, stop_id: stopId, at: '2026-11-24T15:00:00Z', data } };
}

test('writes waiting in the outbox show on the route at once, in order', () => {
  const server = route([stop(1, 1), stop(2, 2), stop(3, 3)]);
  const shown = applyPending(server, [
    action('stop.arrive', 1), action('stop.complete', 1), action('stop.fail', 2, { reason: 'not_home' }),
    action('break.start'),
  ]);
  assert.deepEqual(shown.stops.map((s) => s.status), ['completed', 'failed', 'pending']);
  assert.equal(shown.stops[0].order.parcels[0].delivered_at, '2026-11-24T15:00:00Z');
  assert.equal(shown.on_break, true);
  assert.equal(nextStop(shown).id, 3);
  assert.equal(server.stops[0].status, 'pending', 'the server snapshot itself is left untouched');
});

test("another route's writes and finished stops are not changed", () => {
  const server = route([stop(1, 1, 'failed')]);
  const other = { ...action('stop.complete', 1), body: { ...action('stop.complete', 1).body, route_id: 8 } };
  assert.equal(applyPending(server, [other, action('stop.complete', 1)]).stops[0].status, 'failed');
});

test('parcel.load marks the parcel loaded wherever it is on the route', () => {
  const shown = applyPending(route([stop(1, 1), stop(2, 2)], { status: 'published' }), [action('parcel.load', null, { barcode: 'P2' })]);
  assert.equal(shown.stops[1].order.parcels[0].loaded_at, '2026-11-24T15:00:00Z');
  assert.equal(shown.stops[0].order.parcels[0].loaded_at, null);
});

test("the dispatcher's move is told from the event's change, else found by diffing sequences", () => {
  const before = route([stop(1, 1), stop(2, 2), stop(3, 3), stop(4, 4)]);
  const after = route([stop(1, 1), stop(2, 2), stop(4, 3), stop(3, 4)].map((s, i) => ({ ...s, sequence: i + 1 })));
  const change = { kind: 'resequenced', stop_id: 4, address: '14 Rue Ontario', from_sequence: 4, to_sequence: 3 };
  assert.equal(describeChange(before, after, change), 'Stop 4 moved to 3rd: 14 Rue Ontario');
  const moved = route([stop(4, 1), stop(1, 2), stop(2, 3), stop(3, 4)]);
  assert.equal(describeChange(before, moved, null), 'Stop 4 moved to 1st: 4 Rue Ontario Est');
  setLanguage('fr');
  assert.equal(describeChange(before, after, change), 'L’arrêt 4 passe en 3e position : 14 Rue Ontario');
  setLanguage('en');
});

test('a changed stop is named with what changed on it: the instructions quoted, who wrote them', () => {
  const before = route([stop(1, 1), stop(2, 2)]);
  const after = structuredClone(before);
  after.stops[1].order.delivery_instructions = 'Gate code 4521';
  const change = { kind: 'instructions', stop_id: 2, by: 'customer', address: '2 Rue Ontario Est', sequence: 2 };
  assert.equal(describeChange(before, after, change), 'New instructions from the customer (stop 2): Gate code 4521');
  assert.equal(describeChange(before, after, { ...change, by: 'dispatch' }), 'New instructions for stop 2: Gate code 4521');
  after.stops[1].order.delivery_instructions = 'x'.repeat(400);
  assert.ok(describeChange(before, after, change).length < 220, 'a long text is cut, the history keeps the sentence short');
  const windowed = structuredClone(before);
  windowed.stops[0].order.time_windows = [{ start: '2026-11-24T15:00:00Z', end: '2026-11-24T17:00:00Z' }];
  assert.equal(describeChange(before, windowed, { kind: 'updated', stop_id: 1 }, { windowText: () => '10:00–12:00' }),
    'Stop 1: new time window 10:00–12:00');
});

test('an order cancelled by dispatch is told as "do not deliver", with its stop', () => {
  const before = route([stop(1, 1), stop(2, 2)]);
  const after = structuredClone(before);
  after.stops[1].status = 'skipped';
  const change = { kind: 'cancelled', stop_id: 2, by: 'dispatch', address: '2 Rue Ontario Est', sequence: 2 };
  assert.equal(describeChange(before, after, change), 'Stop 2 cancelled, do not deliver: 2 Rue Ontario Est. Keep the parcel.');
  setLanguage('fr');
  assert.equal(describeChange(before, after, change), 'Arrêt 2 annulé, ne pas livrer : 2 Rue Ontario Est. Gardez le colis.');
  setLanguage('en');
});

test('ordinals in each language', () => {
  assert.deepEqual([1, 2, 3, 4, 11, 12, 22].map((n) => ordinal(n, 'en')), ['1st', '2nd', '3rd', '4th', '11th', '12th', '22nd']);
  assert.equal(ordinal(1, 'fr'), '1re');
  assert.equal(ordinal(4, 'de'), '4.');
});

test('a stop is late once its window has ended, or when its ETA falls after the window', () => {
  const late = stop(1, 1);
  late.order.time_windows = [{ start: '2026-11-24T15:00:00Z', end: '2026-11-24T17:00:00Z' }];
  const at = (iso) => Date.parse(iso);
  assert.equal(lateness(late, at('2026-11-24T16:00:00Z')), null);
  assert.equal(lateness(late, at('2026-11-24T17:01:00Z')).kind, 'window');
  late.eta_at = '2026-11-24T17:20:00Z';
  assert.equal(lateness(late, at('2026-11-24T16:00:00Z')).kind, 'eta');
  assert.equal(lateness({ ...late, status: 'completed' }, at('2026-11-24T18:00:00Z')), null);
  assert.equal(lateness(stop(2, 2), at('2026-11-24T18:00:00Z')), null, 'no window, never late');
});

test("the driver's own actions coming back are not announced", () => {
  const before = route([stop(1, 1)]);
  const after = route([stop(1, 1, 'completed')]);
  assert.equal(describeChange(before, after, { kind: 'updated', stop_id: 1 }), null);
  assert.equal(describeChange(before, after, { kind: 'started' }), null);
  assert.equal(describeChange(before, after, null), null);
});

test('navigation links all point at the stop', () => {
  const links = navigationLinks(stop(5, 1));
  for (const href of Object.values(links)) assert.match(href, /45\.505,-73\.6/);
  assert.match(links.geo, /^geo:/);
});

test('a stop whose order dispatch cancelled is no longer to do, and says so', () => {
  const server = route([stop(1, 1), stop(2, 2)]);
  server.stops[0].order.status = 'cancelled';
  assert.equal(nextStop(server).id, 2);
  assert.equal(isDone(server.stops[0]), true);
  assert.equal(shownStatus(server.stops[0]), 'cancelled');
  assert.equal(shownStatus(server.stops[1]), 'pending');
});
