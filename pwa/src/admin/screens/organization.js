// The organization: its name and branding (the tracking page shows the logo and writes in the colour), and
// its quiet hours (no text to customers between them; a message due then waits until they end), and whether the
// "delivered" email carries the proof-of-delivery receipt (PDF).
import { html, nothing } from 'lit-html';
import { ApiError } from '../../shared/api.js';
import { t } from '../../shared/i18n.js';
import { cssProperties } from '../../shared/style.js';
import { focusFirstError, formView, serverErrors } from '../form.js';
import { api, errorText, notify, state, update } from '../store.js';

const page = { settings: null, draft: null, logo: undefined, errors: {}, problem: '', busy: false };

/** WCAG 2 contrast against white (the same rule the server holds the colour to). */
export function contrastOnWhite(colour) {
  const linear = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 1.05 / (0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2] + 0.05);
}

function toDraft(settings) {
  const [from, to] = (settings.quiet_hours || '').split('-');
  return { name: settings.name, colour: settings.colour,
    quiet_mode: settings.quiet_hours === null ? 'default' : (settings.quiet_hours ? 'custom' : 'none'),
    quiet_from: from || '21:00', quiet_to: to || '08:00', receipt_in_delivered_email: Boolean(settings.receipt_in_delivered_email) };
}

export async function loadOrganization() {
  try {
    page.settings = await api.get('/api/v1/organization/settings');
    page.draft = toDraft(page.settings);
    page.logo = undefined;
  } catch (error) {
    notify('error', errorText(error));
  }
  update();
}

const fields = () => [
  { name: 'name', label: t('a.f.orgName'), required: true, hint: t('a.h.orgName'), wide: true },
  { name: 'colour', label: t('a.f.colour'), type: 'color', hint: t('a.h.colour') },
  { name: 'quiet_mode', label: t('a.f.quiet'), type: 'select', hint: t('a.h.quiet'), options: [
    ['default', page.settings?.quiet_hours_default ? t('a.quiet.default', { hours: page.settings.quiet_hours_default }) : t('a.quiet.defaultNone')],
    ['none', t('a.quiet.none')], ['custom', t('a.quiet.custom')]] },
  ...(page.draft?.quiet_mode === 'custom' ? [
    { name: 'quiet_from', label: t('a.f.quietFrom'), type: 'time', required: true },
    { name: 'quiet_to', label: t('a.f.quietTo'), type: 'time', required: true }] : []),
  { name: 'receipt_in_delivered_email', label: t('a.f.receiptEmail'), type: 'checkbox', hint: t('a.h.receiptEmail') },
];

function localErrors() {
  const errors = {};
  if (!page.draft.name.trim()) errors.name = t('a.err.required');
  const ratio = contrastOnWhite(page.draft.colour);
  if (ratio < 4.5) errors.colour = t('a.err.contrast', { ratio: ratio.toFixed(1) });
  if (page.draft.quiet_mode === 'custom' && page.draft.quiet_from === page.draft.quiet_to) errors.quiet_to = t('a.err.quietSame');
  return errors;
}

async function save() {
  page.errors = localErrors();
  page.problem = Object.keys(page.errors).length ? t('a.err.fix') : '';
  if (page.problem) {
    update();
    focusFirstError('org-form');
    return;
  }
  const body = { name: page.draft.name.trim(), colour: page.draft.colour,
    quiet_hours: { default: null, none: '', custom: `${page.draft.quiet_from}-${page.draft.quiet_to}` }[page.draft.quiet_mode],
    receipt_in_delivered_email: page.draft.receipt_in_delivered_email };
  if (page.logo !== undefined) body.logo = page.logo;
  page.busy = true;
  update();
  try {
    page.settings = await api.patch('/api/v1/organization/settings', body);
    page.draft = toDraft(page.settings);
    page.logo = undefined;
    state.dirty = false;
    state.org = { ...state.org, name: page.settings.name };
    notify('ok', t('a.saved', { name: page.settings.name }));
  } catch (error) {
    if (error instanceof ApiError) {
      const { byName, rest } = serverErrors([...fields(), { name: 'logo' }, { name: 'quiet_to', send: 'quiet_hours' }], error.body);
      page.errors = byName;
      page.problem = [Object.keys(byName).length && !rest.length ? t('a.err.fix') : error.message, ...rest].join(' ');
    } else page.problem = errorText(error);
    focusFirstError('org-form');
  }
  page.busy = false;
  update();
}

function pickLogo(event) {
  const file = event.target.files[0];
  if (!file) return;
  if (file.size > 2_000_000) {
    page.errors = { ...page.errors, logo: t('a.err.logoSize') };
    update();
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    page.logo = reader.result;
    delete page.errors.logo;
    state.dirty = true;
    update();
  };
  reader.readAsDataURL(file);
}

function logoView() {
  const shown = page.logo !== undefined ? page.logo : page.settings.logo;
  const error = page.errors.logo;
  return html`<div class="field wide ${error ? 'invalid' : ''}">
    <label for="org-logo">${t('a.f.logo')}</label>
    ${shown ? html`<img class="logo-preview" src=${shown} alt=${t('a.logoPreview')}>` : html`<p class="hint">${t('a.noLogo')}</p>`}
    <input id="org-logo" type="file" accept="image/png,image/jpeg,image/webp" @change=${pickLogo}
      aria-describedby="org-logo-hint${error ? ' org-logo-error' : ''}" aria-invalid=${error ? 'true' : 'false'}>
    <small class="hint" id="org-logo-hint">${t('a.h.logo')}</small>
    ${error ? html`<p class="field-error" id="org-logo-error">${error}</p>` : nothing}
    ${shown ? html`<div><button type="button" @click=${() => { page.logo = null; state.dirty = true; update(); }}>${t('a.removeLogo')}</button></div>` : nothing}
  </div>`;
}

export function organizationView() {
  if (!page.draft) return html`<p role="status">${t('a.loading')}</p>`;
  return html`<div class="resource">
    <section class="editor" aria-labelledby="org-title">
      <h2 id="org-title">${t('a.orgSettings')}</h2>
      ${formView({ id: 'org-form', fields: fields(), draft: page.draft, errors: page.errors, problem: page.problem,
        busy: page.busy, submitLabel: t('a.save'), onSubmit: save, columns: 1, before: logoView(),
        onInput: (name, value) => {
          page.draft[name] = value;
          state.dirty = true;
          if (page.errors[name] || name === 'quiet_mode') { delete page.errors[name]; update(); }
        } })}
    </section>
    <section class="list preview" aria-labelledby="brand-preview-title">
      <h2 id="brand-preview-title">${t('a.brandPreview')}</h2>
      <div class="track-preview">
        ${(page.logo !== undefined ? page.logo : page.settings.logo) ? html`<img src=${page.logo !== undefined ? page.logo : page.settings.logo} alt="">` : nothing}
        <p class="from">${t('a.preview.from', { name: page.draft.name })}</p>
        <p class="headline">${t('a.preview.headline')}</p>
        <span class="button" style=${cssProperties({ '--preview-brand': page.draft.colour })}>${t('a.preview.button')}</span>
      </div>
    </section>
  </div>`;
}
