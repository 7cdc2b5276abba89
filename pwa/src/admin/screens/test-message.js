// "Send a test message to yourself": a text to the admin's phone, an email to their address or a notification
// to their browsers, through the real provider. The list follows each test until the provider took it (or
// refused it, with its reason), then the checklist is read again: the step is done once a test reached them.
import { html, nothing } from 'lit-html';
import { ApiError } from '../../shared/api.js';
import { t } from '../../shared/i18n.js';
import { pushSupported, subscribeThisBrowser } from '../../shared/push.js';
import { api, errorText, notify, update } from '../store.js';

const WAITING = new Set(['pending', 'sending']);
const POLL_MS = 1500;
const POLL_FOR_MS = 90_000;

let overview = null;
let busy = false;
let fieldError = '';
let onReached = () => {};
let poller = null;

export async function loadTestMessages(reloadChecklist) {
  onReached = reloadChecklist;
  try {
    overview = await api.get('/api/v1/setup/test-messages');
  } catch (error) {
    notify('error', errorText(error));
  }
  update();
}

function follow() {
  clearTimeout(poller);
  const until = Date.now() + POLL_FOR_MS;
  const tick = async () => {
    try {
      const wasReached = overview?.reached;
      overview = await api.get('/api/v1/setup/test-messages');
      if (overview.reached && !wasReached) await onReached();
      update();
    } catch { /* the next tick tries again */ }
    if (overview?.recent.some((row) => WAITING.has(row.status)) && Date.now() < until) poller = setTimeout(tick, POLL_MS);
  };
  poller = setTimeout(tick, POLL_MS);
}

async function send(channel) {
  busy = true;
  fieldError = '';
  update();
  try {
    overview = await api.post('/api/v1/setup/test-messages', { channel });
    notify('ok', t('a.test.sent'));
    follow();
  } catch (error) {
    fieldError = error instanceof ApiError && error.code in REASONS ? REASONS[error.code](channel) : errorText(error);
  }
  busy = false;
  update();
}

async function enablePush() {
  try {
    const body = await subscribeThisBrowser(api.get);
    if (!body) {
      notify('error', t('a.test.pushDenied'));
      return;
    }
    await api.post('/api/v1/push/subscriptions', body);
    notify('ok', t('a.test.pushOn'));
    overview = await api.get('/api/v1/setup/test-messages');
  } catch (error) {
    notify('error', errorText(error));
  }
  update();
}

const REASONS = {
  no_phone: () => t('a.test.why.no_phone'),
  no_email: () => t('a.test.why.no_email'),
  not_configured: (channel) => t(`a.test.why.not_configured.${channel}`),
  no_browser: () => t('a.test.why.no_browser'),
};

const LABELS = {
  sms: (c) => t('a.test.sms', { to: c.destination }),
  email: (c) => t('a.test.email', { to: c.destination }),
  push: (c) => t('a.test.push', { count: c.destination }),
};

function recentView() {
  if (!overview.recent.length) return html`<p class="empty">${t('a.test.none')}</p>`;
  return html`<table data-testid="test-messages"><thead><tr><th scope="col">${t('a.f.when')}</th>
    <th scope="col">${t('a.f.channel')}</th><th scope="col">${t('a.f.status')}</th></tr></thead>
    <tbody>${overview.recent.map((row) => html`<tr><td>${new Date(row.created_at).toLocaleString()}</td>
      <td>${t(`a.test.channel.${row.channel}`)} · ${row.channel === 'push' ? '' : row.destination}</td>
      <td class="status-${row.status}">${t(`a.test.status.${row.status}`)}${row.last_error && !WAITING.has(row.status)
        ? html`<br><small>${row.last_error}</small>` : nothing}</td></tr>`)}</tbody></table>`;
}

export function testMessageView() {
  if (!overview) return nothing;
  const ready = overview.channels.filter((c) => c.ready);
  const blocked = overview.channels.filter((c) => !c.ready);
  const sms = overview.channels.find((c) => c.channel === 'sms');
  const push = overview.channels.find((c) => c.channel === 'push');
  return html`<section class="test-message" aria-labelledby="test-message-title">
    <h3 id="test-message-title">${t('a.test.title')}</h3>
    <div class="test-buttons" role="group" aria-labelledby="test-message-title" aria-describedby="test-message-error">
      ${ready.map((c) => html`<button type="button" ?disabled=${busy} @click=${() => send(c.channel)}>${LABELS[c.channel](c)}</button>`)}
      ${!push.ready && pushSupported() ? html`<button type="button" @click=${enablePush}>${t('a.test.enablePush')}</button>` : nothing}
    </div>
    <p id="test-message-error" class="field-error" role="alert">${fieldError}</p>
    ${blocked.length ? html`<ul class="hint">${blocked.map((c) => html`<li>${REASONS[c.reason](c.channel)}</li>`)}</ul>` : nothing}
    ${sms.ready && sms.log_only ? html`<p class="hint">${t('a.test.logOnly')}</p>` : nothing}
    ${overview.reached ? html`<p class="ok-line" role="status">${t('a.test.reached')}</p>` : nothing}
    <h4>${t('a.test.recent')}</h4>
    ${recentView()}
  </section>`;
}
