// Accepting an invitation: the link's #invitation=<token> (a fragment, so no server log holds it) opens this
// form on the landing page; the invitee sees who invited them to what, chooses a password and is logged in.
import { html, nothing } from 'lit-html';
import { ApiError, request, setCsrfToken } from '../shared/api.js';
import { setLanguage, t } from '../shared/i18n.js';
import { focusFirstError, formView } from '../admin/form.js';

export const invitation = { token: null, info: null, failure: '', draft: { name: '', password: '', confirm: '' },
  errors: {}, problem: '', busy: false };

export function invitationToken() {
  const match = location.hash.match(/^#invitation=([\w-]{20,100})$/);
  return match ? match[1] : null;
}

function failureText(error) {
  if (error instanceof ApiError && error.code === 'invitation_expired') return t('h.inv.expired');
  if (error instanceof ApiError && error.status === 404) return t('h.inv.notFound');
  if (error instanceof ApiError && error.status === 422) return t('h.inv.notFound');
  return t('h.signup.network');
}

export async function loadInvitation(token, { chosenLanguage }) {
  invitation.token = token;
  try {
    invitation.info = await request('POST', '/api/v1/invitations/preview', { json: { token } });
    invitation.draft.name = invitation.info.name;
    if (!chosenLanguage) setLanguage(invitation.info.language);
  } catch (error) {
    invitation.failure = failureText(error);
  }
}

const fields = () => [
  { name: 'name', label: t('h.inv.name'), required: true, autocomplete: 'name' },
  { name: 'password', label: t('h.signup.password'), type: 'password', required: true, autocomplete: 'new-password',
    hint: t('h.signup.password.hint') },
  { name: 'confirm', label: t('h.inv.confirm'), type: 'password', required: true, autocomplete: 'new-password' },
];

async function accept(draw) {
  const { draft } = invitation;
  const errors = {};
  for (const field of fields()) if (!String(draft[field.name] || '').trim()) errors[field.name] = t('h.signup.required');
  if (!errors.password && draft.password.length < 8) errors.password = t('h.signup.short');
  if (!errors.confirm && draft.confirm !== draft.password) errors.confirm = t('h.inv.mismatch');
  invitation.errors = errors;
  invitation.problem = Object.keys(errors).length ? t('h.signup.fix') : '';
  if (invitation.problem) {
    draw();
    focusFirstError('invitation');
    return;
  }
  invitation.busy = true;
  draw();
  try {
    const session = await request('POST', '/api/v1/invitations/accept',
      { json: { token: invitation.token, password: draft.password, name: draft.name.trim() } });
    await setCsrfToken(session.csrf_token);
    history.replaceState(null, '', '/'); // the spent link leaves the address bar and the history
    location.assign(session.user.role === 'admin' ? '/admin' : '/dispatch');
    return;
  } catch (error) {
    invitation.busy = false;
    const fieldErrors = error instanceof ApiError ? error.fields || {} : {};
    invitation.errors = Object.fromEntries(Object.entries(fieldErrors).filter(([name]) => name in draft)
      .map(([name, list]) => [name, [].concat(list).join(' ')]));
    invitation.problem = error instanceof ApiError && (error.status === 404 || error.status === 410)
      ? failureText(error) : (Object.keys(invitation.errors).length ? t('h.signup.fix') : (error.message || t('h.signup.network')));
  }
  draw();
  focusFirstError('invitation');
}

export function invitationView(draw) {
  if (!invitation.token) return nothing;
  const { info } = invitation;
  return html`<section class="signup" aria-labelledby="invitation-title">
    <h2 id="invitation-title">${t('h.inv.title')}</h2>
    ${invitation.failure ? html`<p role="alert" class="form-problem">${invitation.failure}</p>`
      : !info ? html`<p role="status">${t('h.inv.loading')}</p>`
      : html`<p>${t('h.inv.intro', { org: info.organization, role: t(`h.inv.role.${info.role}`), email: info.email })}</p>
        ${formView({ id: 'invitation', fields: fields(), draft: invitation.draft, errors: invitation.errors,
          problem: invitation.problem, busy: invitation.busy, submitLabel: t('h.inv.submit'), columns: 1,
          onInput: (name, value) => {
            invitation.draft[name] = value;
            if (invitation.errors[name]) { delete invitation.errors[name]; draw(); }
          },
          onSubmit: () => accept(draw) })}`}
  </section>`;
}
