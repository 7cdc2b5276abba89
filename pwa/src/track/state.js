// Pure logic of the tracking page (no DOM): which steps of the delivery are done, whether the order is
// still live, the token in the address. Kept apart so `npm test` can check it without a browser.

/** Statuses after which nothing more happens to the order: no socket, no polling, no instructions. */
export const CLOSED = new Set(['delivered', 'failed', 'cancelled']);
/** While the driver is on the way the page listens for positions and refreshes every minute. */
export const ON_THE_WAY = new Set(['out_for_delivery', 'arrived']);

// The steps shown to a customer, in order; each order status lands on one of them.
const STEP_OF_STATUS = {
  created: 'received', planned: 'received', dispatched: 'dispatched', rescheduled: 'dispatched',
  out_for_delivery: 'out_for_delivery', arrived: 'arrived', delivered: 'delivered', failed: 'delivered',
  cancelled: 'delivered',
};
const STEPS = ['received', 'dispatched', 'out_for_delivery', 'arrived', 'delivered'];

/** The token of /t/<token> (what the server accepts: 20-64 url-safe characters), or null. */
export function tokenFromPath(pathname) {
  const match = /^\/t\/([A-Za-z0-9_-]{20,64})\/?$/.exec(pathname);
  return match ? match[1] : null;
}

/**
 * The stepper: [{step, state: 'done'|'current'|'todo', at}], the last step named after how the order
 * ended (delivered, failed, cancelled). `at` is the latest time the order entered that step.
 */
export function timelineSteps(view) {
  const reached = {};
  for (const item of view.timeline || []) {
    if (item.type !== 'status' || !item.status) continue;
    const step = STEP_OF_STATUS[item.status];
    if (step) reached[step] = item.at;
  }
  const currentIndex = STEPS.indexOf(STEP_OF_STATUS[view.status] || 'received');
  return STEPS.map((step, index) => {
    const named = step === 'delivered' && ['failed', 'cancelled'].includes(view.status) ? view.status : step;
    let state = 'todo';
    if (index < currentIndex) state = 'done';
    else if (index === currentIndex) state = CLOSED.has(view.status) ? 'done' : 'current';
    return { step: named, state, at: index <= currentIndex ? reached[step] || null : null };
  }).filter((item) => item.step !== 'arrived' || item.at || view.status === 'arrived');
}

export { applicationServerKey, subscriptionBody } from '../shared/push.js';
