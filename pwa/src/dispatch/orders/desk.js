// The Orders tab: every order of the organization, filtered (days, status, driver, text) and paged by the
// server; a selection is cancelled or moved to another day; the same filter exports as CSV. The form to
// create, edit or duplicate one order is form.js.
import { html, nothing } from 'lit-html';
import { get, post } from '../../shared/api.js';
import { language, t, tn } from '../../shared/i18n.js';
import { openOrder } from '../actions.js';
import { errorMessage, showError, state, update, windowOf } from '../store.js';
import { formView, openForm } from './form.js';
import { statusName } from './timeline.js';

const STATUSES = ['created', 'planned', 'dispatched', 'out_for_delivery', 'arrived', 'delivered', 'failed', 'rescheduled',
  'cancelled'];
const SORTS = ['-delivery_date', 'delivery_date', '-created_at', 'external_ref', 'status'];
const BLANK = { q: '', date_from: '', date_to: '', status: '', driver_id: '', sort: '-delivery_date' };
// The filter lives in the address (o.q=..., so a link or a reload shows the same orders) and is remembered for
// the next visit in this browser.
const URL_PREFIX = 'o.';
const REMEMBERED = 'lastmile.orders.filters';

function startingFilters() {
  const params = new URLSearchParams(location.search);
  const fromUrl = Object.keys(BLANK).filter((name) => params.has(URL_PREFIX + name));
  if (fromUrl.length) return { ...BLANK, ...Object.fromEntries(fromUrl.map((name) => [name, params.get(URL_PREFIX + name)])) };
  try {
    const saved = JSON.parse(localStorage.getItem(REMEMBERED) || 'null');
    if (saved && typeof saved === 'object') {
      return { ...BLANK, ...Object.fromEntries(Object.keys(BLANK).filter((name) => typeof saved[name] === 'string')
        .map((name) => [name, saved[name]])) };
    }
  } catch { /* a damaged memory: start from no filter */ }
  return { ...BLANK };
}

function keepFilters() {
  const params = new URLSearchParams(location.search);
  for (const [name, value] of Object.entries(desk.filters)) {
    if (value && value !== BLANK[name]) params.set(URL_PREFIX + name, value);
    else params.delete(URL_PREFIX + name);
  }
  const search = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
  try {
    localStorage.setItem(REMEMBERED, JSON.stringify(desk.filters));
  } catch { /* private mode: the address still holds it */ }
}

export const desk = {
  filters: startingFilters(),
  confirmCancel: false, // the console's own confirmation before a bulk cancel
  page: 1,
  perPage: 50,
  result: null,
  loading: false,
  selection: new Map(), // id -> external_ref, kept across pages
  bulkDay: '',
  report: null, // what the last bulk action did
  requested: 0,
};

function query({ paged = true } = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(desk.filters)) if (value) params.set(name, value);
  if (paged) {
    params.set('page', desk.page);
    params.set('per_page', desk.perPage);
  }
  return params;
}

export async function loadOrders() {
  const ticket = ++desk.requested;
  desk.loading = true;
  update();
  try {
    const result = await get(`/api/v1/dispatch/orders?${query()}`);
    if (ticket !== desk.requested) return; // a newer search answered first
    desk.result = result;
  } catch (error) {
    if (ticket === desk.requested) showError(error);
  } finally {
    if (ticket === desk.requested) {
      desk.loading = false;
      update();
    }
  }
}

function applyFilters(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  for (const name of Object.keys(BLANK)) desk.filters[name] = String(form.get(name) ?? '');
  desk.filters.status = form.getAll('status').join(',');
  desk.page = 1;
  keepFilters();
  loadOrders();
}

function clearFilters() {
  desk.filters = { ...BLANK };
  desk.page = 1;
  keepFilters();
  loadOrders();
}

function goTo(page) {
  desk.page = page;
  loadOrders().then(() => document.querySelector('[data-testid=orders-table]')?.focus());
}

function reasonOf(item) {
  if (item.code === 'illegal_transition') return t('o.reason.illegal_transition', { status: statusName(item.status).toLowerCase() });
  return item.code && t(`o.reason.${item.code}`) !== `o.reason.${item.code}` ? t(`o.reason.${item.code}`) : (item.message || item.code);
}

function askToCancel() {
  desk.confirmCancel = true;
  update();
  requestAnimationFrame(() => document.querySelector('[data-testid=bulk-cancel-confirm]')?.focus());
}

function keepOrders() {
  desk.confirmCancel = false;
  update();
  document.querySelector('[data-testid=bulk-cancel]')?.focus();
}

async function bulk(action) {
  const ids = [...desk.selection.keys()];
  desk.confirmCancel = false;
  if (!ids.length) return;
  try {
    const body = { order_ids: ids, action };
    if (action === 'set_date') body.delivery_date = desk.bulkDay;
    const result = await post('/api/v1/dispatch/orders/actions', body);
    desk.report = {
      text: t('o.bulk.done', { changed: result.changed, refused: result.refused }),
      refused: result.results.filter((r) => !r.ok).map((r) => t('o.bulk.refused', { ref: r.external_ref || `#${r.id}`, reason: reasonOf(r) })),
    };
    for (const item of result.results) if (item.ok) desk.selection.delete(item.id);
    await loadOrders();
  } catch (error) {
    desk.report = { text: errorMessage(error), refused: [], bad: true };
    update();
  }
}

function assignmentText(order) {
  const placed = order.assignment;
  if (!placed) return t('o.unassigned');
  return t('o.onRoute', { driver: placed.driver_name || t('o.noDriver'), position: placed.sequence });
}

function dayText(order) {
  if (!order.delivery_date) return '—';
  return new Intl.DateTimeFormat(language() === 'fr' ? 'fr-CA' : 'en-CA', { weekday: 'short', day: 'numeric', month: 'short',
    year: 'numeric', timeZone: 'UTC' }).format(new Date(`${order.delivery_date}T12:00:00Z`));
}

function filtersView() {
  const f = desk.filters;
  return html`<form class="order-filters" role="search" aria-label=${t('o.filters')} @submit=${applyFilters}>
    <label class="grow">${t('o.search')}<input name="q" type="search" .value=${f.q} placeholder=${t('o.search.hint')} data-testid="orders-q"></label>
    <label>${t('o.from')}<input name="date_from" type="date" .value=${f.date_from} data-testid="orders-from"></label>
    <label>${t('o.to')}<input name="date_to" type="date" .value=${f.date_to} data-testid="orders-to"></label>
    <fieldset class="statuses" data-testid="orders-status"><legend>${t('o.status')} <small>${f.status ? '' : t('o.status.any')}</small></legend>
      ${STATUSES.map((s) => html`<label class="inline"><input type="checkbox" name="status" value=${s}
        .checked=${f.status.split(',').includes(s)}>${statusName(s)}</label>`)}
    </fieldset>
    <label>${t('o.driver')}<select name="driver_id" data-testid="orders-driver">
      <option value="" ?selected=${!f.driver_id}>${t('o.driver.any')}</option>
      ${state.drivers.map((d) => html`<option value=${d.id} ?selected=${String(d.id) === f.driver_id}>${d.user?.name || `#${d.id}`}</option>`)}
    </select></label>
    <label>${t('o.sort')}<select name="sort">
      ${SORTS.map((s) => html`<option value=${s} ?selected=${f.sort === s}>${t(`o.sort.${s}`)}</option>`)}
    </select></label>
    <div class="row end">
      <button type="submit" class="primary" data-testid="orders-apply">${t('o.apply')}</button>
      <button type="button" @click=${clearFilters}>${t('o.clear')}</button>
    </div>
  </form>`;
}

function bulkView() {
  const count = desk.selection.size;
  return html`<div class="bulk" role="region" aria-label=${t('o.col.select')} data-testid="orders-bulk">
    <strong>${tn('o.selected', count)}</strong>
    ${count ? html`
      <button type="button" data-testid="bulk-cancel" aria-expanded=${desk.confirmCancel ? 'true' : 'false'}
        @click=${askToCancel}>${t('o.bulk.cancel')}</button>
      <label class="inline">${t('o.bulk.day')}<input type="date" .value=${desk.bulkDay} data-testid="bulk-day"
        @input=${(e) => { desk.bulkDay = e.target.value; update(); }}></label>
      <button type="button" data-testid="bulk-set-date" ?disabled=${!desk.bulkDay} @click=${() => bulk('set_date')}>${t('o.bulk.apply')}</button>
      <button type="button" @click=${() => { desk.selection.clear(); update(); }}>${t('o.bulk.clear')}</button>` : nothing}
    ${count && desk.confirmCancel ? html`<section class="card pending confirm" role="dialog" aria-modal="false"
        aria-labelledby="bulk-cancel-title" data-testid="bulk-cancel-ask" @keydown=${(e) => { if (e.key === 'Escape') keepOrders(); }}>
      <h3 id="bulk-cancel-title">${tn('o.bulk.askCancel', count)}</h3>
      <p>${t('o.bulk.askCancel.why')}</p>
      <div class="row">
        <button type="button" class="primary danger" data-testid="bulk-cancel-confirm" @click=${() => bulk('cancel')}>${tn('o.bulk.doCancel', count)}</button>
        <button type="button" data-testid="bulk-cancel-keep" @click=${keepOrders}>${t('o.bulk.keep')}</button>
      </div>
    </section>` : nothing}
    ${desk.report ? html`<div role="status" data-testid="bulk-report" class=${desk.report.bad ? 'error' : ''}>${desk.report.text}
      ${desk.report.refused.length ? html`<ul>${desk.report.refused.map((line) => html`<li>${line}</li>`)}</ul>` : nothing}</div>` : nothing}
  </div>`;
}

function tableView() {
  const result = desk.result;
  if (!result) return html`<p role="status">${t('o.loading')}</p>`;
  if (!result.items.length) return html`<p role="status" data-testid="orders-empty">${t('o.none')}</p>`;
  const pageIds = result.items.map((o) => o.id);
  const allChosen = pageIds.every((id) => desk.selection.has(id));
  const toggle = (order, on) => { if (on) desk.selection.set(order.id, order.external_ref); else desk.selection.delete(order.id); update(); };
  return html`<div class="orders-scroll"><table data-testid="orders-table" tabindex="-1" aria-busy=${desk.loading ? 'true' : 'false'}>
    <caption class="visually-hidden">${t('o.title')}</caption>
    <thead><tr>
      <th scope="col"><input type="checkbox" aria-label=${t('o.col.selectAll')} .checked=${allChosen}
        @change=${(e) => { for (const order of result.items) toggle(order, e.target.checked); }}></th>
      <th scope="col">${t('o.col.ref')}</th><th scope="col">${t('o.col.day')}</th><th scope="col">${t('o.col.window')}</th>
      <th scope="col">${t('o.col.address')}</th><th scope="col">${t('o.col.recipient')}</th>
      <th scope="col">${t('o.col.status')}</th><th scope="col">${t('o.col.driver')}</th><th scope="col">${t('o.col.actions')}</th>
    </tr></thead>
    <tbody>${result.items.map((o) => html`<tr data-order-id=${o.id} class=${desk.selection.has(o.id) ? 'chosen' : ''}>
      <td><input type="checkbox" aria-label=${t('o.col.selectOne', { ref: o.external_ref })} .checked=${desk.selection.has(o.id)}
        @change=${(e) => toggle(o, e.target.checked)}></td>
      <td>${o.external_ref}</td><td>${dayText(o)}</td><td>${windowOf(o)}</td><td>${addressCell(o)}</td>
      <td>${o.recipient?.name || '—'}</td>
      <td><span class="status status-${o.status}">${statusName(o.status)}</span></td>
      <td>${assignmentText(o)}</td>
      <td class="actions"><button type="button" @click=${() => openOrder(o.id)}>${t('o.open')}</button>
        <button type="button" @click=${() => openForm('edit', o)}>${t('o.edit')}</button>
        <button type="button" @click=${() => openForm('copy', o)}>${t('o.duplicate')}</button></td>
    </tr>`)}</tbody>
  </table></div>`;
}

function pagerView() {
  const result = desk.result;
  if (!result || !result.total) return nothing;
  const pages = Math.max(1, Math.ceil(result.total / result.per_page));
  return html`<nav class="pager" aria-label=${t('o.page', { page: result.page, pages })}>
    <button type="button" ?disabled=${result.page <= 1} @click=${() => goTo(result.page - 1)}>${t('o.prev')}</button>
    <span data-testid="orders-page">${t('o.page', { page: result.page, pages })}</span>
    <button type="button" ?disabled=${result.page >= pages} @click=${() => goTo(result.page + 1)} data-testid="orders-next">${t('o.next')}</button>
    <label class="inline">${t('o.perPage')}<select @change=${(e) => { desk.perPage = Number(e.target.value); desk.page = 1; loadOrders(); }}>
      ${[25, 50, 100, 200].map((n) => html`<option value=${n} ?selected=${desk.perPage === n}>${n}</option>`)}</select></label>
  </nav>`;
}

/** A return is where it is collected (its delivery end is the depot); a pair names both ends. */
function addressCell(o) {
  if (o.type === 'return') return html`<small class="kind">${t('o.row.return')}</small> ${o.pickup?.address || ''}`;
  if (o.type === 'pickup_delivery') return html`<small class="kind">${t('o.row.pair')}</small> ${o.pickup?.address || ''} → ${o.address}`;
  return o.address;
}

export function ordersView() {
  if (!desk.result && !desk.loading) loadOrders();
  const total = desk.result?.total;
  return html`<section class="card orders" aria-labelledby="orders-title">
    <div class="row spread">
      <h2 id="orders-title">${t('o.title')}${total != null ? html` <small data-testid="orders-total">(${tn('o.total', total)})</small>` : nothing}</h2>
      <div class="row">
        <button type="button" class="primary" data-testid="order-new" @click=${() => openForm('new')}>${t('o.new')}</button>
        <a class="button" data-testid="orders-export" href=${`/api/v1/dispatch/orders/export.csv?${query({ paged: false })}`} download="orders.csv">${t('o.export')}</a>
      </div>
    </div>
    ${filtersView()}
    ${bulkView()}
    ${tableView()}
    ${pagerView()}
  </section>
  ${formView()}`;
}
