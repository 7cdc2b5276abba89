// Invitations: an admin invites a dispatcher or an admin by email; the invitee opens the one-time link, chooses
// a password and is logged in. Without email on the server the link is shown here once, to hand over. Open
// invitations can be sent again (a new link; the older one stops working) or revoked.
import { html, nothing } from 'lit-html';
import { ApiError } from '../../shared/api.js';
import { t } from '../../shared/i18n.js';
import { check, focusFirstError, formView, payloadFrom, serverErrors } from '../form.js';
import { api, errorText, notify, state, update } from '../store.js';

const blank = () => ({ name: '', email: '', role: 'dispatcher', language: 'en' });
const page = { items: null, draft: blank(), errors: {}, problem: '', busy: false, shownLink: null };

function fields() {
  return [
    { name: 'name', label: t('a.f.name'), required: true, autocomplete: 'off' },
    { name: 'email', label: t('a.f.email'), type: 'email', required: true },
    { name: 'role', label: t('a.f.role'), type: 'select', options: ['dispatcher', 'admin'].map((role) => [role, t(`a.role.${role}`)]) },
    { name: 'language', label: t('a.f.language'), type: 'select', options: [['en', 'English'], ['fr', 'Français']],
      hint: t('a.inv.languageHint') },
  ];
}

export async function loadInvitations() {
  try {
    page.items = await api.get('/api/v1/invitations');
  } catch (error) {
    page.items = page.items || [];
    notify('error', errorText(error));
  }
  update();
}

function sent(answer) {
  const { invitation } = answer;
  page.shownLink = answer.link ? { id: invitation.id, email: invitation.email, link: answer.link } : null;
  notify('ok', answer.emailed ? t('a.inv.emailed', { email: invitation.email }) : t('a.inv.noEmail', { email: invitation.email }));
}

async function submit() {
  page.errors = check(fields(), page.draft);
  page.problem = Object.keys(page.errors).length ? t('a.err.fix') : '';
  if (page.problem) {
    update();
    focusFirstError('invite-form');
    return;
  }
  page.busy = true;
  update();
  try {
    sent(await api.post('/api/v1/invitations', payloadFrom(fields(), page.draft)));
    // The next invitation starts empty but keeps the role and language picked (often the same for a team).
    page.draft = { ...blank(), role: page.draft.role, language: page.draft.language };
    state.dirty = false;
    await loadInvitations();
  } catch (error) {
    if (error instanceof ApiError) {
      const { byName, rest } = serverErrors(fields(), error.body);
      page.errors = byName;
      page.problem = Object.keys(byName).length && !rest.length ? t('a.err.fix') : [error.message, ...rest].join(' ');
    } else {
      page.problem = errorText(error);
    }
    focusFirstError('invite-form');
  }
  page.busy = false;
  update();
}

async function resend(invitation) {
  try {
    sent(await api.post(`/api/v1/invitations/${invitation.id}/resend`, {}));
    await loadInvitations();
  } catch (error) {
    notify('error', errorText(error));
  }
}

async function revoke(invitation) {
  if (!window.confirm(t('a.inv.confirmRevoke', { email: invitation.email }))) return;
  try {
    await api.delete(`/api/v1/invitations/${invitation.id}`);
    if (page.shownLink?.id === invitation.id) page.shownLink = null;
    notify('ok', t('a.inv.revoked', { email: invitation.email }));
    await loadInvitations();
  } catch (error) {
    notify('error', errorText(error));
  }
}

function stateText(invitation) {
  if (invitation.state === 'open') return t('a.inv.state.open', { when: new Date(invitation.expires_at).toLocaleString() });
  return t(`a.inv.state.${invitation.state}`);
}

function linkView() {
  const shown = page.shownLink;
  if (!shown) return nothing;
  return html`<div class="secret" role="status">
    <p><strong>${t('a.inv.linkOnce', { email: shown.email })}</strong></p>
    <label for="invitation-link">${t('a.inv.link')}</label>
    <input id="invitation-link" readonly .value=${shown.link}>
    <div class="form-actions">
      <button type="button" @click=${async () => {
        await navigator.clipboard?.writeText(shown.link).catch(() => {});
        notify('ok', t('a.copied'));
      }}>${t('a.copy')}</button>
      <button type="button" @click=${() => { page.shownLink = null; update(); }}>${t('a.inv.linkHandedOver')}</button>
    </div>
  </div>`;
}

export function invitationsView() {
  if (page.items === null) return html`<p role="status">${t('a.loading')}</p>`;
  return html`<section class="invitations list" aria-labelledby="invitations-title">
    <h2 id="invitations-title">${t('a.inv.title')}</h2>
    <p class="hint">${t('a.inv.intro')}</p>
    ${linkView()}
    ${formView({ id: 'invite-form', fields: fields(), draft: page.draft, errors: page.errors, problem: page.problem,
      busy: page.busy, submitLabel: t('a.inv.send'), columns: 2,
      onInput: (name, value) => {
        page.draft[name] = value;
        state.dirty = true;
        if (page.errors[name]) { delete page.errors[name]; update(); }
      },
      onSubmit: submit })}
    ${page.items.length ? html`<table data-testid="invitations-table"><thead><tr>
        <th scope="col">${t('a.f.name')}</th><th scope="col">${t('a.f.email')}</th><th scope="col">${t('a.f.role')}</th>
        <th scope="col">${t('a.f.status')}</th><th scope="col"><span class="visually-hidden">${t('a.actions')}</span></th></tr></thead>
      <tbody>${page.items.map((invitation) => html`<tr>
        <td>${invitation.name}</td><td>${invitation.email}</td><td>${t(`a.role.${invitation.role}`)}</td>
        <td>${stateText(invitation)}</td>
        <td class="row-actions">${['open', 'expired'].includes(invitation.state) ? html`
          <button type="button" aria-label=${t('a.inv.resendNamed', { email: invitation.email })}
            @click=${() => resend(invitation)}>${t('a.inv.resend')}</button>
          <button type="button" class="danger" aria-label=${t('a.inv.revokeNamed', { email: invitation.email })}
            @click=${() => revoke(invitation)}>${t('a.inv.revoke')}</button>` : nothing}</td>
      </tr>`)}</tbody></table>` : html`<p class="empty">${t('a.inv.none')}</p>`}
  </section>`;
}
