// Webhooks: where order events are POSTed (signed with the endpoint's secret, shown once), and each endpoint's
// delivery log (status, HTTP answer, attempts, the last error) so an integrator can see what reached them.
import { html, nothing } from 'lit-html';
import { t } from '../../shared/i18n.js';
import { ResourceScreen } from '../crud.js';
import { payloadFrom } from '../form.js';
import { api, errorText, notify, update } from '../store.js';

const shownSecret = { id: null, value: null };
const deliveries = new Map(); // webhook id -> {items} | 'loading' | {error}

function webhookFields() {
  return [
    { name: 'url', label: t('a.f.url'), type: 'url', required: true, wide: true, hint: t('a.h.url') },
    { name: 'description', label: t('a.f.description'), empty: '', wide: true },
    { name: 'event_types', label: t('a.f.events'), type: 'tags', required: true, wide: true, default: '*',
      hint: t('a.h.events') },
    { name: 'active', label: t('a.f.active'), type: 'checkbox', default: true },
  ];
}

async function loadDeliveries(hook) {
  deliveries.set(hook.id, 'loading');
  try {
    deliveries.set(hook.id, await api.get(`/api/v1/webhooks/${hook.id}/deliveries?per_page=20`));
  } catch (error) {
    deliveries.set(hook.id, { error: errorText(error) });
  }
  update();
}

/** The worker sends the test within moments: read the log again until its newest entry has an answer. */
function followTest(hook, until) {
  const newest = deliveries.get(hook.id)?.items?.[0];
  if (!newest || !['pending', 'sending'].includes(newest.status) || Date.now() > until) return;
  setTimeout(async () => {
    await loadDeliveries(hook);
    followTest(hook, until);
  }, 1500);
}

async function sendTest(hook) {
  try {
    await api.post(`/api/v1/webhooks/${hook.id}/test`, {});
    notify('ok', t('a.webhookTestSent'));
    await loadDeliveries(hook);
    followTest(hook, Date.now() + 60_000);
  } catch (error) {
    notify('error', error.code === 'webhook_inactive' ? t('a.webhookTestOff') : errorText(error));
  }
}

function deliveriesView(hook) {
  const log = deliveries.get(hook.id);
  if (log === undefined) loadDeliveries(hook);
  return html`<section class="deliveries" aria-labelledby="deliveries-title">
    <h3 id="deliveries-title">${t('a.deliveries')}</h3>
    <div class="form-actions">
      <button type="button" @click=${() => sendTest(hook)}>${t('a.webhookTest')}</button>
      <button type="button" @click=${() => loadDeliveries(hook)}>${t('a.refresh')}</button>
    </div>
    ${!log || log === 'loading' ? html`<p role="status">${t('a.loading')}</p>`
      : log.error ? html`<p role="alert">${log.error}</p>`
      : log.items.length ? html`<table data-testid="deliveries-table"><thead><tr><th scope="col">${t('a.f.when')}</th>
        <th scope="col">${t('a.f.event')}</th><th scope="col">${t('a.f.status')}</th><th scope="col">${t('a.f.answer')}</th></tr></thead>
        <tbody>${log.items.map((d) => html`<tr><td>${new Date(d.created_at).toLocaleString()}</td><td>${d.event_type}</td>
          <td>${d.status}${d.attempts > 1 ? ` (${d.attempts})` : ''}</td>
          <td>${d.response_code ?? '—'}${d.last_error ? html`<br><small>${d.last_error}</small>` : nothing}</td></tr>`)}</tbody></table>`
      : html`<p class="empty">${t('a.noDeliveries')}</p>`}
  </section>`;
}

export const webhooks = new ResourceScreen({
  key: 'webhooks',
  title: () => t('a.nav.webhooks'),
  addLabel: () => t('a.addWebhook'),
  empty: () => t('a.empty.webhooks'),
  load: () => api.get('/api/v1/webhooks'),
  itemLabel: (hook) => hook.description || hook.url || '',
  columns: () => [
    [t('a.f.url'), (hook) => hook.url],
    [t('a.f.events'), (hook) => hook.event_types.join(', ')],
    [t('a.f.status'), (hook) => (hook.active ? t('a.active') : t('a.inactive'))],
  ],
  fields: webhookFields,
  save: async (draft, hook) => {
    const payload = payloadFrom(webhookFields(), draft);
    if (hook) return api.patch(`/api/v1/webhooks/${hook.id}`, payload);
    const created = await api.post('/api/v1/webhooks', payload);
    Object.assign(shownSecret, { id: created.id, value: created.secret });
    return created;
  },
  extra: (hook) => html`${shownSecret.id === hook.id ? html`<div class="secret" role="status">
      <p><strong>${t('a.webhookSecretOnce')}</strong></p>
      <label for="webhook-secret">${t('a.f.signingSecret')}</label>
      <input id="webhook-secret" readonly .value=${shownSecret.value}>
      <div><button type="button" @click=${() => { shownSecret.id = null; update(); }}>${t('a.secretStored')}</button></div>
    </div>` : nothing}${deliveriesView(hook)}`,
});
