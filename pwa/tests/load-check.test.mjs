// The load check's parcels: what leaves the depot in the van (scanned there), not what is collected on the way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parcelsOf } from '../src/driver/state.js';

const order = (id, barcodes) => ({ id, address: `${id} Rue Ontario Est`, parcels: barcodes.map((barcode) => ({ barcode, loaded_at: null })) });
const stop = (id, sequence, theOrder, kind = 'delivery') => ({ id, sequence, status: 'pending', kind, order: theOrder });

test("a delivery's parcels are loaded at the depot; a return's and a pickup-then-delivery pair's are collected on the way", () => {
  const plain = order(1, ['A1', 'A2']);
  const returned = order(2, ['R1']);
  const pair = order(3, ['P1']);
  const route = { stops: [stop(10, 1, pair, 'pickup'), stop(11, 2, plain), stop(12, 3, returned, 'pickup'), stop(13, 4, pair)] };
  assert.deepEqual(parcelsOf(route).map((parcel) => parcel.barcode), ['A1', 'A2']);
});

test('a route of deliveries only: every parcel, in stop order', () => {
  const route = { stops: [stop(11, 2, order(2, ['B1'])), stop(10, 1, order(1, ['A1', 'A2']))] };
  assert.deepEqual(parcelsOf(route).map((parcel) => [parcel.barcode, parcel.stop.id]), [['A1', 10], ['A2', 10], ['B1', 11]]);
});
