// API keys for integrations: the secret is shown once, right after creation, with a copy button; a revoked key
// stops working at once. Only a hash of each secret is kept on the server.
import { html, nothing } from 'lit-html';
import { t } from '../../shared/i18n.js';
import { check, focusFirstError, formView, payloadFrom, serverErrors } from '../form.js';
import { ApiError } from '../../shared/api.js';
import { api, errorText, notify, state, update } from '../store.js';

const page = { keys: null, draft: { name: '', role: 'dispatcher' }, errors: {}, problem: '', busy: false, secret: null };

const fields = () => [
  { name: 'name', label: t('a.f.keyName'), required: true, hint: t('a.h.keyName') },
  { name: 'role', label: t('a.f.role'), type: 'select', options: [['dispatcher', t('a.role.dispatcher')], ['admin', t('a.role.admin')]] },
];

export async function loadKeys() {
  try {
    page.keys = await api.get('/api/v1/api-keys');
  } catch (error) {
    page.keys = page.keys || [];
    notify('error', errorText(error));
  }
  update();
}

async function create() {
  page.errors = check(fields(), page.draft);
  page.problem = Object.keys(page.errors).length ? t('a.err.fix') : '';
  if (page.problem) {
    update();
    focusFirstError('key-form');
    return;
  }
  page.busy = true;
  update();
  try {
    const key = await api.post('/api/v1/api-keys', payloadFrom(fields(), page.draft));
    page.secret = { name: key.name, value: key.secret };
    page.draft = { name: '', role: 'dispatcher' };
    state.dirty = false;
    await loadKeys();
    requestAnimationFrame(() => document.getElementById('new-secret')?.focus());
  } catch (error) {
    if (error instanceof ApiError) {
      const { byName, rest } = serverErrors(fields(), error.body);
      page.errors = byName;
      page.problem = [error.message, ...rest].join(' ');
    } else page.problem = errorText(error);
    focusFirstError('key-form');
  }
  page.busy = false;
  update();
}

async function revoke(key) {
  if (!window.confirm(t('a.confirmRevoke', { name: key.name }))) return;
  try {
    await api.delete(`/api/v1/api-keys/${key.id}`);
    notify('ok', t('a.revoked', { name: key.name }));
    await loadKeys();
  } catch (error) {
    notify('error', errorText(error));
  }
}

const when = (value) => (value ? new Date(value).toLocaleString() : t('a.never'));

export function keysView() {
  if (!page.keys) return html`<p role="status">${t('a.loading')}</p>`;
  return html`<div class="resource">
    <section class="list" aria-labelledby="keys-title">
      <h2 id="keys-title">${t('a.nav.keys')} (${page.keys.length})</h2>
      ${page.keys.length ? html`<table data-testid="keys-table"><thead><tr>
        <th scope="col">${t('a.f.keyName')}</th><th scope="col">${t('a.f.prefix')}</th><th scope="col">${t('a.f.role')}</th>
        <th scope="col">${t('a.f.lastUsed')}</th><th scope="col">${t('a.f.status')}</th>
        <th scope="col"><span class="visually-hidden">${t('a.actions')}</span></th></tr></thead>
        <tbody>${page.keys.map((key) => html`<tr>
          <td>${key.name}</td><td><code>lm_${key.prefix}_…</code></td><td>${t(`a.role.${key.role}`)}</td>
          <td>${when(key.last_used_at)}</td>
          <td>${key.revoked_at ? t('a.revokedOn', { when: when(key.revoked_at) }) : t('a.active')}</td>
          <td>${key.revoked_at ? nothing : html`<button type="button" class="danger" aria-label=${t('a.revokeNamed', { name: key.name })}
            @click=${() => revoke(key)}>${t('a.revoke')}</button>`}</td></tr>`)}</tbody></table>`
        : html`<p class="empty">${t('a.empty.keys')}</p>`}
    </section>
    <section class="editor" aria-labelledby="new-key-title">
      <h2 id="new-key-title">${t('a.addKey')}</h2>
      ${page.secret ? html`<div class="secret" role="status">
        <p><strong>${t('a.secretOnce', { name: page.secret.name })}</strong></p>
        <label for="new-secret">${t('a.f.secret')}</label>
        <input id="new-secret" readonly .value=${page.secret.value} @focus=${(event) => event.target.select()}>
        <div class="form-actions"><button type="button" @click=${async () => {
          await navigator.clipboard?.writeText(page.secret.value).catch(() => {});
          notify('ok', t('a.copied'));
        }}>${t('a.copy')}</button>
        <button type="button" @click=${() => { page.secret = null; update(); }}>${t('a.secretStored')}</button></div>
      </div>` : nothing}
      ${formView({ id: 'key-form', fields: fields(), draft: page.draft, errors: page.errors, problem: page.problem, busy: page.busy,
        submitLabel: t('a.addKey'), columns: 1, onSubmit: create,
        onInput: (name, value) => { page.draft[name] = value; state.dirty = true; if (page.errors[name]) { delete page.errors[name]; update(); } } })}
    </section>
  </div>`;
}
