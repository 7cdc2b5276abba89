// The wording of every message customers receive, per kind and language, with a live preview filled with
// an example order and the number of SMS segments it costs (what carriers bill: 160 GSM characters, or 70
// once any other character appears; the same rule as backend/notify/sms_segments.py).
import { html, nothing } from 'lit-html';
import { ApiError } from '../../shared/api.js';
import { t } from '../../shared/i18n.js';
import { focusFirstError, formView, serverErrors } from '../form.js';
import { api, errorText, mayLeave, notify, state, update } from '../store.js';

export const PLACEHOLDERS = ['recipient_name', 'first_name', 'org_name', 'order_ref', 'window', 'eta', 'tracking_url', 'reason'];
const GSM_BASIC = new Set('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà');
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

/** {segments, characters, unicode}: what one text of `text` costs. */
export function smsSegments(text) {
  const characters = [...(text || '')];
  if (!characters.length) return { segments: 0, characters: 0, unicode: false };
  if (characters.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c))) {
    const septets = characters.reduce((sum, c) => sum + (GSM_EXTENSION.has(c) ? 2 : 1), 0);
    return { segments: septets <= 160 ? 1 : Math.ceil(septets / 153), characters: septets, unicode: false };
  }
  const units = characters.reduce((sum, c) => sum + (c.codePointAt(0) > 0xffff ? 2 : 1), 0);
  return { segments: units <= 70 ? 1 : Math.ceil(units / 67), characters: units, unicode: true };
}

const page = { templates: null, key: null, draft: null, errors: {}, problem: '', busy: false, language: '' };
const keyOf = (item) => `${item.kind}|${item.language}`;
// A kind added on the server before this screen knows its name still shows, in plain words.
const kindLabel = (kind) => { const text = t(`a.kind.${kind}`); return text === `a.kind.${kind}` ? kind.replaceAll('_', ' ') : text; };
const current = () => page.templates?.find((item) => keyOf(item) === page.key) || null;

// Each language the server words messages in, named in itself, with the window, ETA and reason as the server
// writes them in it (backend/notify/templates.py); a language added on the server first shows by its code.
const LANGUAGES = {
  en: { name: 'English', window: 'on Monday, November 30, 10:00 AM–12:00 PM', eta: '10:40 AM', reason: 'nobody was home' },
  fr: { name: 'Français', window: 'le lundi 30 novembre, 10 h 00 – 12 h 00', eta: '10 h 40', reason: "personne n'était présent" },
  es: { name: 'Español', window: 'el lunes 30 de noviembre, de 10:00 a 12:00', eta: '10:40', reason: 'no había nadie en casa' },
  pt: { name: 'Português', window: 'na segunda-feira, 30 de novembro, das 10:00 às 12:00', eta: '10:40',
    reason: 'não havia ninguém em casa' },
  de: { name: 'Deutsch', window: 'am Montag, 30. November, 10:00–12:00 Uhr', eta: '10:40 Uhr', reason: 'es war niemand zu Hause' },
};
const languageName = (language) => LANGUAGES[language]?.name || language;

function example(language) {
  const words = LANGUAGES[language] || LANGUAGES.en;
  return {
    recipient_name: 'Camille Tremblay', first_name: 'Camille', org_name: state.org?.name || 'Lastmile',
    order_ref: 'ORD-1042', window: words.window, eta: words.eta, tracking_url: `${location.origin}/t/AbC123xYz`,
    reason: words.reason,
  };
}

const fill = (text, values) => String(text || '').replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));

export async function loadTemplates() {
  try {
    page.templates = await api.get('/api/v1/notify/templates');
  } catch (error) {
    page.templates = page.templates || [];
    notify('error', errorText(error));
  }
  update();
}

function open(item) {
  if (page.key === keyOf(item) || !mayLeave()) return;
  page.key = keyOf(item);
  page.draft = { subject: item.subject, body: item.body };
  page.errors = {};
  page.problem = '';
  update();
  requestAnimationFrame(() => document.getElementById('template-form-body')?.focus());
}

const fields = () => [
  { name: 'subject', label: t('a.f.subject'), hint: t('a.h.subject'), wide: true },
  { name: 'body', label: t('a.f.body'), type: 'textarea', rows: 5, required: true, wide: true,
    hint: t('a.h.body', { names: PLACEHOLDERS.map((name) => `{${name}}`).join(' ') }) },
];

function unknownPlaceholders(text) {
  return [...String(text || '').matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]).filter((name) => !PLACEHOLDERS.includes(name));
}

async function save(restore = false) {
  const item = current();
  page.errors = {};
  if (!restore) {
    if (!page.draft.body.trim()) page.errors.body = t('a.err.required');
    for (const name of ['subject', 'body']) {
      const unknown = unknownPlaceholders(page.draft[name]);
      if (unknown.length) page.errors[name] = t('a.err.placeholder', { names: unknown.map((u) => `{${u}}`).join(', ') });
    }
    if (Object.keys(page.errors).length) {
      page.problem = t('a.err.fix');
      update();
      focusFirstError('template-form');
      return;
    }
  }
  page.busy = true;
  page.problem = '';
  update();
  try {
    page.templates = await api.put('/api/v1/notify/templates', { kind: item.kind, language: item.language,
      body: restore ? '' : page.draft.body, subject: restore ? '' : page.draft.subject });
    const fresh = current();
    page.draft = { subject: fresh.subject, body: fresh.body };
    state.dirty = false;
    notify('ok', restore ? t('a.templateRestored') : t('a.templateSaved'));
  } catch (error) {
    if (error instanceof ApiError) {
      const { byName, rest } = serverErrors(fields(), error.body);
      page.errors = byName;
      page.problem = [Object.keys(byName).length && !rest.length ? t('a.err.fix') : error.message, ...rest].join(' ');
    } else page.problem = errorText(error);
    focusFirstError('template-form');
  }
  page.busy = false;
  update();
}

function previewView(item) {
  const values = example(item.language);
  const body = fill(page.draft.body, values);
  const cost = smsSegments(body);
  return html`<section class="template-preview" aria-labelledby="preview-title">
    <h3 id="preview-title">${t('a.preview')}</h3>
    ${page.draft.subject ? html`<p class="subject"><strong>${fill(page.draft.subject, values)}</strong></p>` : nothing}
    <p class="sms" data-testid="template-preview">${body}</p>
    <p class="hint" data-testid="segments" aria-live="polite">${t(cost.segments === 1 ? 'a.segments.one' : 'a.segments.other',
      { count: cost.segments, characters: cost.characters })}${cost.unicode ? ` ${t('a.segments.unicode')}` : ''}</p>
  </section>`;
}

export function templatesView() {
  if (!page.templates) return html`<p role="status">${t('a.loading')}</p>`;
  const item = current();
  return html`<div class="resource">
    <section class="list" aria-labelledby="templates-title">
      <h2 id="templates-title">${t('a.templatesTitle')}</h2>
      <label class="inline-filter">${t('a.tpl.languageFilter')} <select data-testid="templates-language"
        @change=${(event) => { page.language = event.target.value; update(); }}>
        <option value="" ?selected=${!page.language}>${t('a.tpl.allLanguages')}</option>
        ${[...new Set(page.templates.map((row) => row.language))].map((code) => html`<option value=${code}
          ?selected=${page.language === code} lang=${code}>${languageName(code)}</option>`)}
      </select></label>
      <table data-testid="templates-table"><thead><tr><th scope="col">${t('a.f.kind')}</th><th scope="col">${t('a.f.language')}</th>
        <th scope="col">${t('a.f.wording')}</th><th scope="col"><span class="visually-hidden">${t('a.actions')}</span></th></tr></thead>
        <tbody>${page.templates.filter((row) => !page.language || row.language === page.language).map((row) => html`<tr class=${keyOf(row) === page.key ? 'selected' : ''}>
          <td>${kindLabel(row.kind)}</td><td lang=${row.language}>${languageName(row.language)}</td>
          <td>${row.custom ? t('a.wording.custom') : t('a.wording.builtIn')}</td>
          <td><button type="button" aria-label=${t('a.editNamed', { name: `${kindLabel(row.kind)} (${row.language})` })}
            @click=${() => open(row)}>${t('a.edit')}</button></td></tr>`)}</tbody></table>
    </section>
    ${item ? html`<section class="editor" aria-labelledby="template-editor-title">
      <h2 id="template-editor-title">${kindLabel(item.kind)} — <span lang=${item.language}>${languageName(item.language)}</span></h2>
      ${formView({ id: 'template-form', fields: fields(), draft: page.draft, errors: page.errors, problem: page.problem,
        busy: page.busy, submitLabel: t('a.save'), columns: 1, onSubmit: () => save(false),
        onInput: (name, value) => { page.draft[name] = value; state.dirty = true; delete page.errors[name]; update(); },
        actions: item.custom ? html`<button type="button" @click=${() => save(true)}>${t('a.restoreBuiltIn')}</button>` : nothing })}
      ${previewView(item)}
    </section>` : nothing}
  </div>`;
}
