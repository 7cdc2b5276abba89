// The console's frame: login, top bar, tabs, notices, the live feed and the order detail panel.
import { html, nothing } from 'lit-html';
import { logout } from '../../shared/api.js';
import { language, setLanguage, t } from '../../shared/i18n.js';
import { loadBoard, openOrder } from '../actions.js';
import { gantt } from '../gantt.js';
import { LANGUAGE_KEY, $, showError, state, time, timeZone, update, windowOf } from '../store.js';
import { driversListView } from '../drivers.js';
import { conversationView, unmatchedView } from '../conversation.js';
import { optimizerView, unplannedView } from './plan.js';
import { importView } from '../orders/import.js';
import { orderActionsView, orderStatusLine, timelineView } from '../orders/detail.js';
import { ordersView } from '../orders/desk.js';
import { failureName, statusName } from '../orders/timeline.js';
import { notificationsView } from '../orders/notifications.js';

export function loginView(onLogin, message = '') {
  return html`<main class="login">
    <form @submit=${onLogin} aria-labelledby="login-title">
      <h1 id="login-title">${t('d.login.title')}</h1>
      <label>${t('d.login.email')}<input name="login" type="email" autocomplete="username" required></label>
      <label>${t('d.login.password')}<input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">${t('d.login.submit')}</button>
      ${message ? html`<p role="alert" class="error">${message}</p>` : nothing}
    </form>
  </main>`;
}

export function barView() {
  return html`<header class="bar">
    <h1>${t('app.name')} — ${t('dispatch.title')}</h1>
    <label>${t('d.date')}<input type="date" .value=${state.date || ''} @change=${(e) => { state.date = e.target.value; state.unassigned = []; loadBoard().catch(showError); }}></label>
    <label>${t('d.depot')}<select @change=${(e) => { state.depotId = Number(e.target.value) || null; loadBoard().catch(showError); }}>
      ${state.depots.map((d) => html`<option value=${d.id} ?selected=${d.id === state.depotId}>${d.name}</option>`)}
    </select></label>
    <label>${t('d.language')}<select @change=${(e) => { localStorage.setItem(LANGUAGE_KEY, e.target.value); setLanguage(e.target.value); update(); }}>
      <option value="en" ?selected=${language() === 'en'}>English</option>
      <option value="fr" ?selected=${language() === 'fr'}>Français</option>
    </select></label>
    <span class="live ${state.connected ? 'on' : 'off'}" role="status" data-testid="connection">${state.connected ? t('d.connected') : t('d.disconnected')}</span>
    ${state.user?.role === 'admin' ? html`<a class="admin-link" href="/admin">${t('d.admin')}</a>` : nothing}
    <button type="button" @click=${async () => { await logout(); location.reload(); }}>${t('d.logout')}</button>
  </header>`;
}

export function tabsView() {
  const tab = (name) => html`<button role="tab" id="tab-${name}" aria-controls="panel" aria-selected=${state.tab === name ? 'true' : 'false'}
    tabindex=${state.tab === name ? 0 : -1} @click=${() => { state.tab = name; update(); }}>${t(`d.tab.${name}`)}</button>`;
  return html`<div role="tablist" class="tabs" @keydown=${(e) => {
    const names = ['plan', 'orders', 'live', 'timeline', 'analytics'];
    if (!['ArrowLeft', 'ArrowRight'].includes(e.key)) return;
    state.tab = names[(names.indexOf(state.tab) + (e.key === 'ArrowRight' ? 1 : names.length - 1)) % names.length];
    update();
    $(`tab-${state.tab}`)?.focus();
  }}>${tab('plan')}${tab('orders')}${tab('live')}${tab('timeline')}${tab('analytics')}</div>`;
}

export function feedView() {
  return html`<section class="card" aria-labelledby="feed-title">
    <h2 id="feed-title">${t('d.feed')}</h2>
    <ol class="feed" data-testid="feed" aria-live="polite">
      ${state.feed.length ? state.feed.map((item) => html`<li class=${item.kind}><time>${time(item.at)}</time>
        ${item.orderId ? html`<a href="#" @click=${(e) => { e.preventDefault(); openOrder(item.orderId); }}>${item.text}</a>` : item.text}</li>`)
        : html`<li>${t('d.feed.empty')}</li>`}
    </ol>
    ${unmatchedView()}
    ${driversListView()}
  </section>`;
}

export function noticeView() {
  if (!state.notice) return nothing;
  return html`<div class="notice ${state.notice.kind}" role=${state.notice.kind === 'ok' ? 'status' : 'alert'} data-testid="notice"
      data-kind=${state.notice.kind}>${state.notice.text}
    <button type="button" aria-label=${t('common.dismiss')} @click=${() => { state.notice = null; update(); }}>×</button></div>`;
}

export function orderView() {
  const detail = state.order;
  if (!detail) return nothing;
  const close = () => { state.order = null; update(); };
  if (detail.loading) return html`<aside class="order" role="dialog" aria-label=${t('d.working')}><p>${t('d.working')}</p></aside>`;
  const { order, events, proofs, notifications } = detail;
  return html`<aside class="order" role="dialog" aria-labelledby="order-title" data-testid="order-detail"
      @keydown=${(e) => e.key === 'Escape' && close()}>
    <h2 id="order-title">${t('d.order.title', { ref: order.external_ref })}</h2>
    <button type="button" class="close" data-testid="order-close" @click=${close}>${t('d.order.close')}</button>
    <p>${order.address}<br>${windowOf(order)} · ${orderStatusLine(order)}</p>
    ${orderActionsView(order)}
    <h3>${t('d.order.timeline')}</h3>
    ${timelineView(events)}
    <h3>${t('d.order.proofs')}</h3>
    ${proofs.length ? proofs.map((p) => html`<div class="proof" data-testid="proof">
      <p>${statusName(p.outcome)}${p.failure_reason ? `: ${failureName(p.failure_reason)}` : ''} · ${time(p.at)}
        ${p.recipient_name ? html`<br>${t('d.order.recipient', { name: p.recipient_name })}` : nothing}
        ${p.distance_from_address_m != null ? html`<br><span class=${p.distance_from_address_m > 200 ? 'late' : ''}>${t('d.order.distance', { metres: p.distance_from_address_m })}</span>` : nothing}</p>
      ${p.photos.map((f) => html`<figure><img src=${f.url} alt=${t('d.order.photo', { time: time(f.captured_at) })} loading="lazy"><figcaption>${t('d.order.photo', { time: time(f.captured_at) })}</figcaption></figure>`)}
      ${p.signature ? html`<figure><img src=${p.signature.url} alt=${t('d.order.signature')} class="signature"><figcaption>${t('d.order.signature')}</figcaption></figure>` : nothing}
    </div>`) : html`<p>${t('d.order.noProof')}</p>`}
    ${order.status === 'delivered' ? html`<p><a class="button" data-testid="order-receipt" href="/api/v1/orders/${order.id}/receipt.pdf"
      download>${t('d.order.receipt')}</a></p>` : nothing}
    ${conversationView(order)}
    ${notificationsView(notifications, timeZone())}
  </aside>`;
}

export function panelView() {
  if (state.tab === 'plan') return html`${importView()}${optimizerView()}${unplannedView()}`;
  if (state.tab === 'live') return feedView();
  if (state.tab === 'orders') return ordersView();
  if (state.tab === 'analytics') return html`<div id="analytics-root"></div>`; // filled by the dashboard module
  return html`<p class="card">${t('d.timeline.where')}</p>`; // the timeline takes the map's place (dayTimelineView)
}

/** The Timeline tab: every route's day side by side, wide beside the route list (in the map's place). */
export function dayTimelineView() {
  return html`<section class="card timeline-card" aria-labelledby="timeline-title" data-testid="gantt">
    <h2 id="timeline-title">${t('d.tab.timeline')}</h2>
    ${gantt(state.board.routes, timeZone(), { open: openOrder })}</section>`;
}
