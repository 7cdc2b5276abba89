// The order desk's strings: every one in English and French with the same placeholders, and every
// order status and failure reason named in words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ORDER_MESSAGES } from '../src/dispatch/orders/messages.js';

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

test('English and French order desk messages match', () => {
  assert.deepEqual(Object.keys(ORDER_MESSAGES.fr).sort(), Object.keys(ORDER_MESSAGES.en).sort());
  for (const [key, english] of Object.entries(ORDER_MESSAGES.en)) {
    assert.deepEqual(placeholders(ORDER_MESSAGES.fr[key]), placeholders(english), key);
  }
});

test('every status and failure reason has words', () => {
  for (const status of ['created', 'planned', 'dispatched', 'out_for_delivery', 'arrived', 'delivered', 'failed', 'rescheduled', 'cancelled']) {
    assert.ok(ORDER_MESSAGES.en[`o.statusName.${status}`], status);
  }
  for (const reason of ['not_home', 'refused', 'damaged', 'wrong_address', 'no_access', 'other']) {
    assert.ok(ORDER_MESSAGES.fr[`o.failure.${reason}`], reason);
  }
});
