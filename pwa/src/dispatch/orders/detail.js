// What the order panel (views/console.js orderView) offers beyond reading: edit, duplicate, cancel, a new
// day; and its timeline in plain words.
import { html, nothing } from 'lit-html';
import { post } from '../../shared/api.js';
import { t } from '../../shared/i18n.js';
import { openOrder } from '../actions.js';
import { errorMessage, state, time, timeZone, update } from '../store.js';
import { openForm } from './form.js';
import { describeActor, describeEvent, failureName, statusName } from './timeline.js';

const FINAL = new Set(['delivered', 'cancelled']);
const MOVABLE = new Set(['created', 'rescheduled', 'failed']);

async function refreshDesk() {
  const { desk, loadOrders } = await import('./desk.js');
  if (desk.result) await loadOrders();
}

async function cancel(order) {
  const reason = window.prompt(`${t('o.cancel.confirm', { ref: order.external_ref })}\n${t('o.cancel.reason')}`, '');
  if (reason === null) return;
  try {
    await post(`/api/v1/orders/${order.id}/cancel`, { reason });
    state.notice = { kind: 'ok', text: t('o.cancelled', { ref: order.external_ref }) };
    await openOrder(order.id);
    await refreshDesk();
  } catch (error) {
    state.notice = { kind: 'error', text: errorMessage(error) };
    update();
  }
}

async function moveToDay(order, day) {
  if (!day) return;
  try {
    const result = await post('/api/v1/dispatch/orders/actions', { order_ids: [order.id], action: 'set_date', delivery_date: day });
    const item = result.results[0];
    state.notice = item.ok ? { kind: 'ok', text: t('o.rescheduled', { ref: order.external_ref, day }) }
      : { kind: 'error', text: t('o.bulk.refused', { ref: order.external_ref, reason: item.code === 'on_route' ? t('o.reason.on_route') : item.message }) };
    await openOrder(order.id);
    await refreshDesk();
  } catch (error) {
    state.notice = { kind: 'error', text: errorMessage(error) };
    update();
  }
}

export function orderStatusLine(order) {
  return order.status === 'failed' && order.failure_reason
    ? t('o.ev.status.failed', { reason: failureName(order.failure_reason) }) : statusName(order.status);
}

export function orderActionsView(order) {
  const edit = () => { state.order = null; openForm('edit', order); };
  const copy = () => { state.order = null; openForm('copy', order); };
  return html`<div class="row" data-testid="order-actions">
    ${FINAL.has(order.status) ? nothing : html`<button type="button" @click=${edit}>${t('o.edit')}</button>`}
    <button type="button" @click=${copy}>${t('o.duplicate')}</button>
    ${FINAL.has(order.status) ? nothing : html`<button type="button" data-testid="order-cancel" @click=${() => cancel(order)}>${t('o.cancel')}</button>`}
    ${MOVABLE.has(order.status) ? html`<label class="inline">${t('o.reschedule')}<input type="date" data-testid="order-new-day"
      @change=${(e) => moveToDay(order, e.target.value)}></label>` : nothing}
  </div>`;
}

export function timelineView(events) {
  const zone = timeZone();
  return html`<ol class="timeline" data-testid="order-events">${events.map((e) => {
    const who = describeActor(e);
    return html`<li><time>${time(e.at)}</time> ${describeEvent(e, zone)}${who ? html` <small>${who}</small>` : nothing}</li>`;
  })}</ol>`;
}
