// Customers in the console: their SMS replies and rebookings arrive as alerts (the live feed), each order's
// SMS conversation shows in its detail panel where a dispatcher answers, and texts from numbers nobody knows
// are listed so none is lost. Text from customers goes through lit-html's escaping (never innerHTML).
import { html, nothing } from 'lit-html';
import { get, post } from '../shared/api.js';
import { catalogue, t } from '../shared/i18n.js';
import { reloadSoon } from './actions.js';
import { kindName, statusWord } from './orders/notifications.js';
import { formatDate } from '../shared/time.js';
import { addFeed, errorMessage, state, time, timeZone, update } from './store.js';

const MESSAGES = {
  en: {
    'd.feed.customerReply': 'Customer reply ({ref}): “{body}”',
    'd.feed.rebooked': '{ref} rebooked by the customer for {date}, {start}–{end} — to plan again',
    'd.feed.unmatched': 'Text from an unknown number {from}: “{body}”',
    'd.convo.title': 'Conversation with the customer',
    'd.convo.empty': 'No text exchanged yet.',
    'd.convo.in': 'Customer',
    'd.convo.out': 'To the customer ({kind})',
    'd.convo.by': 'You ({name})',
    'd.convo.reply': 'Answer by text',
    'd.convo.send': 'Send text',
    'd.convo.sent': 'Text queued for {phone}.',
    'd.convo.cannot': 'Cannot answer: {reason}',
    'd.unmatched.title': 'Texts from unknown numbers',
    'd.unmatched.none': 'None.',
  },
  fr: {
    'd.feed.customerReply': 'Réponse du client ({ref}) : « {body} »',
    'd.feed.rebooked': '{ref} reprogrammée par le client : {date}, {start}–{end} — à replanifier',
    'd.feed.unmatched': 'Texto d’un numéro inconnu {from} : « {body} »',
    'd.convo.title': 'Conversation avec le client',
    'd.convo.empty': 'Aucun texto échangé.',
    'd.convo.in': 'Client',
    'd.convo.out': 'Au client ({kind})',
    'd.convo.by': 'Vous ({name})',
    'd.convo.reply': 'Répondre par texto',
    'd.convo.send': 'Envoyer le texto',
    'd.convo.sent': 'Texto en file pour {phone}.',
    'd.convo.cannot': 'Réponse impossible : {reason}',
    'd.unmatched.title': 'Textos de numéros inconnus',
    'd.unmatched.none': 'Aucun.',
  },
};

for (const [language, messages] of Object.entries(MESSAGES)) {
  for (const [key, text] of Object.entries(messages)) {
    if (catalogue[language] && !(key in catalogue[language])) catalogue[language][key] = text;
  }
}

const conversation = { orderId: null, data: null, loading: false, draft: '', sending: false, note: null, error: null };
export const unmatched = { items: [], loaded: false };

export async function loadConversation(orderId) {
  conversation.orderId = orderId;
  conversation.loading = true;
  try {
    conversation.data = await get(`/api/v1/orders/${orderId}/conversation`);
    conversation.error = null;
  } catch (error) {
    conversation.data = null;
    conversation.error = errorMessage(error);
  } finally {
    conversation.loading = false;
  }
  update();
}

export async function loadUnmatched() {
  try {
    unmatched.items = (await get('/api/v1/notify/inbound/unmatched?per_page=20')).items;
    unmatched.loaded = true;
  } catch { /* the list is a convenience; the alerts still arrive */ }
  update();
}

/** The customer-facing alerts; true when this module handled it. */
export function onCustomerAlert(alert) {
  if (alert.kind === 'customer_reply') {
    addFeed(t('d.feed.customerReply', { ref: alert.external_ref || `#${alert.order_id ?? '?'}`, body: alert.body }), 'bad',
      alert.order_id);
    if (alert.order_id && alert.order_id === state.order?.id) loadConversation(alert.order_id);
    return true;
  }
  if (alert.kind === 'customer_rebooked') {
    addFeed(t('d.feed.rebooked', { ref: alert.external_ref, date: formatDate(alert.window_start, timeZone()),
      start: time(alert.window_start),
      end: time(alert.window_end) }), 'info', alert.order_id);
    reloadSoon(); // the order left its route and waits to be planned
    return true;
  }
  if (alert.kind === 'unmatched_reply') {
    addFeed(t('d.feed.unmatched', { from: alert.from, body: alert.body }), 'bad');
    unmatched.items.unshift({ id: alert.id, from_phone: alert.from, body: alert.body, received_at: alert.at });
    return true;
  }
  return false;
}

async function sendReply(event, orderId) {
  event.preventDefault();
  const body = conversation.draft.trim();
  if (!body) return;
  conversation.sending = true;
  conversation.note = null;
  update();
  try {
    await post(`/api/v1/orders/${orderId}/conversation`, { body });
    conversation.draft = '';
    conversation.note = t('d.convo.sent', { phone: conversation.data?.phone || '' });
    await loadConversation(orderId);
  } catch (error) {
    conversation.note = t('d.error', { message: errorMessage(error) });
  } finally {
    conversation.sending = false;
  }
  update();
}

export function conversationView(order) {
  if (conversation.orderId !== order.id) {
    Object.assign(conversation, { data: null, draft: '', note: null, error: null });
    loadConversation(order.id);
  }
  const data = conversation.data;
  return html`<section class="conversation" aria-labelledby="convo-title" data-testid="conversation">
    <h3 id="convo-title">${t('d.convo.title')}</h3>
    ${conversation.error ? html`<p class="error">${conversation.error}</p>` : nothing}
    ${data && !data.messages.length ? html`<p>${t('d.convo.empty')}</p>` : nothing}
    ${data?.messages.length ? html`<ol class="messages">${data.messages.map((m) => html`<li class=${m.direction}
        data-direction=${m.direction}>
      <span class="who">${m.direction === 'in' ? t('d.convo.in') : m.by ? t('d.convo.by', { name: m.by })
        : t('d.convo.out', { kind: kindName(m.kind) })} · <time>${time(m.at)}</time>${m.status ? ` · ${statusWord(m.status)}` : ''}</span>
      <span class="body">${m.body}</span></li>`)}</ol>` : nothing}
    ${data && !data.can_reply ? html`<p class="muted">${t('d.convo.cannot', { reason: data.cannot_reply })}</p>` : nothing}
    ${data?.can_reply ? html`<form @submit=${(e) => sendReply(e, order.id)} data-testid="reply-form">
      <label for="reply">${t('d.convo.reply')}</label>
      <textarea id="reply" rows="2" maxlength="1000" .value=${conversation.draft}
        @input=${(e) => { conversation.draft = e.target.value; }}></textarea>
      <button class="primary" type="submit" ?disabled=${conversation.sending}>${t('d.convo.send')}</button>
      <p role="status">${conversation.note || ''}</p>
    </form>` : nothing}
  </section>`;
}

export function unmatchedView() {
  return html`<h3>${t('d.unmatched.title')}</h3>
    <ul class="unmatched" data-testid="unmatched">${unmatched.items.length
    ? unmatched.items.map((m) => html`<li><time>${time(m.received_at)}</time> <strong>${m.from_phone}</strong>: ${m.body}</li>`)
    : html`<li>${t('d.unmatched.none')}</li>`}</ul>`;
}
