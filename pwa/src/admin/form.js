// Forms of the admin screens, declared as a list of fields. What is typed lives in a draft (strings, as
// typed) until the server accepts it: a refused save keeps every edit and puts each error beside its
// field (the server's `fields` of its problem+json, or the checks made here first).
import { html, nothing } from 'lit-html';
import { language, t } from '../shared/i18n.js';

/** Cents as the screen's language writes the amount: "0.35" in English, "0,35" in French (both are read back). */
export function moneyText(cents) {
  const text = (cents / 100).toFixed(2);
  return language() === 'fr' ? text.replace('.', ',') : text;
}

/** The draft a form starts from: the item's values as the inputs show them. */
export function draftFrom(fields, item = {}) {
  const draft = {};
  for (const field of fields) {
    const value = field.get ? field.get(item) : item[field.name];
    if (field.type === 'checkbox') draft[field.name] = value ?? field.default ?? false;
    else if (field.type === 'money') draft[field.name] = value == null ? '' : moneyText(value);
    else if (field.type === 'tags') draft[field.name] = value == null ? (field.default ?? '') : value.join(', ');
    else draft[field.name] = value == null ? (field.default ?? '') : String(value);
  }
  return draft;
}

/** Checks a person can be told about before sending; the server checks everything again. */
export function check(fields, draft) {
  const errors = {};
  for (const field of fields) {
    const raw = draft[field.name];
    const text = typeof raw === 'string' ? raw.trim() : raw;
    if (field.required && (text === '' || text == null)) errors[field.name] = t('a.err.required');
    else if ((field.type === 'number' || field.type === 'money') && text !== '') {
      const number = Number(String(text).replace(',', '.'));
      if (!Number.isFinite(number)) errors[field.name] = t('a.err.number');
      else if (field.min != null && number < field.min) errors[field.name] = t('a.err.min', { min: field.min });
      else if (field.max != null && number > field.max) errors[field.name] = t('a.err.max', { max: field.max });
    }
  }
  return errors;
}

/** The JSON a draft sends: numbers as numbers, money in integer cents, tags as a list, '' as null. */
export function payloadFrom(fields, draft, { only } = {}) {
  const payload = {};
  for (const field of fields) {
    if (field.readonly || field.send === false || (only && !only.includes(field.name))) continue;
    const raw = draft[field.name];
    const text = typeof raw === 'string' ? raw.trim() : raw;
    let value;
    if (field.type === 'checkbox') value = Boolean(raw);
    else if (field.type === 'number') value = text === '' ? (field.empty ?? null) : Number(String(text).replace(',', '.'));
    else if (field.type === 'money') value = text === '' ? 0 : Math.round(Number(String(text).replace(',', '.')) * 100);
    else if (field.type === 'tags') value = String(text || '').split(',').map((tag) => tag.trim()).filter(Boolean);
    else if (field.type === 'select' && field.numeric) value = text === '' ? null : Number(text);
    else value = text === '' ? (field.empty !== undefined ? field.empty : null) : text;
    if (value === undefined) continue;
    payload[field.send || field.name] = value;
  }
  return payload;
}

/** The server's field errors on this form's fields (its names may differ: `send`); the rest stay general. */
export function serverErrors(fields, problem) {
  const byName = {};
  const rest = [];
  for (const [name, messages] of Object.entries(problem?.fields || {})) {
    const field = fields.find((f) => (f.send || f.name) === name);
    const text = Array.isArray(messages) ? messages.flat(Infinity).map(String).join(' ') : JSON.stringify(messages);
    if (field) byName[field.name] = text;
    else rest.push(`${name}: ${text}`);
  }
  return { byName, rest };
}

function control(field, id, value, invalid, describedBy, onInput) {
  const common = { id, name: field.name };
  const input = (event) => onInput(field.name, field.type === 'checkbox' ? event.target.checked : event.target.value);
  if (field.type === 'select') {
    return html`<select id=${common.id} name=${common.name} aria-invalid=${invalid ? 'true' : 'false'}
      aria-describedby=${describedBy || nothing} ?required=${field.required} @change=${input}>
      ${(field.options || []).map(([optionValue, label]) => html`<option value=${optionValue}
        ?selected=${String(optionValue) === String(value)}>${label}</option>`)}
    </select>`;
  }
  if (field.type === 'checkbox') {
    return html`<input id=${common.id} name=${common.name} type="checkbox" .checked=${Boolean(value)}
      aria-describedby=${describedBy || nothing} @change=${input}>`;
  }
  if (field.type === 'textarea') {
    return html`<textarea id=${common.id} name=${common.name} rows=${field.rows || 4} .value=${value}
      aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${describedBy || nothing} @input=${input}></textarea>`;
  }
  const type = { money: 'text', number: 'text', tags: 'text' }[field.type] || field.type || 'text';
  const inputMode = { money: 'decimal', number: field.step === 1 ? 'numeric' : 'decimal' }[field.type];
  return html`<input id=${common.id} name=${common.name} type=${type} .value=${value ?? ''} ?required=${field.required}
    inputmode=${inputMode || nothing} autocomplete=${field.autocomplete || 'off'} ?readonly=${field.readonly}
    aria-invalid=${invalid ? 'true' : 'false'} aria-describedby=${describedBy || nothing} @input=${input}>`;
}

/**
 * A form: `fields` (name, label, type, required, options, hint, unit...; type 'custom' with render() and
 * send: false for a part that is not one input), the `draft`, the `errors` by field
 * and a general `problem` text. Every error is tied to its input (aria-describedby, aria-invalid).
 */
export function formView({ id, fields, draft, errors = {}, problem = '', onInput, onSubmit, submitLabel, busy = false,
  actions = nothing, columns = 2, before = nothing }) {
  return html`<form id=${id} class="admin-form cols-${columns}" novalidate @submit=${(event) => { event.preventDefault(); onSubmit(); }}>
    ${problem ? html`<p class="form-problem" role="alert" id="${id}-problem">${problem}</p>` : nothing}
    ${fields.map((field) => {
      if (field.type === 'custom') return html`<div class="wide">${field.render()}</div>`; // e.g. a map to place a pin
      const controlId = `${id}-${field.name}`;
      const error = errors[field.name];
      const described = [field.hint ? `${controlId}-hint` : '', error ? `${controlId}-error` : ''].filter(Boolean).join(' ');
      const label = field.unit ? `${field.label} (${field.unit})` : field.label;
      return html`<div class="field ${field.type === 'checkbox' ? 'check' : ''} ${field.wide ? 'wide' : ''} ${error ? 'invalid' : ''}">
        ${field.type === 'checkbox'
          ? html`${control(field, controlId, draft[field.name], Boolean(error), described, onInput)}<label for=${controlId}>${label}</label>`
          : html`<span class="label-row"><label for=${controlId}>${label}</label>${field.required
            ? html`<span class="required" aria-hidden="true">*</span>` : nothing}</span>
            ${control(field, controlId, draft[field.name], Boolean(error), described, onInput)}`}
        ${field.hint ? html`<small id="${controlId}-hint" class="hint">${field.hint}</small>` : nothing}
        ${error ? html`<p class="field-error" id="${controlId}-error">${error}</p>` : nothing}
      </div>`;
    })}
    ${before}
    <div class="form-actions">
      <button type="submit" class="primary" ?disabled=${busy}>${busy ? t('a.saving') : submitLabel}</button>
      ${actions}
    </div>
  </form>`;
}

/** After a refused save: the first field in error gets the focus (else the form's problem is read out). */
export function focusFirstError(formId) {
  requestAnimationFrame(() => {
    const target = document.querySelector(`#${formId} [aria-invalid=true]`) || document.getElementById(`${formId}-problem`);
    target?.focus?.();
  });
}
