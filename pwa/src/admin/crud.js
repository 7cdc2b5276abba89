// One screen shape for the things an admin keeps a list of (drivers, vehicles, depots, users): a table,
// an "Add" button and an editor beside it. A screen gives its columns, its fields and how it saves.
import { html, nothing } from 'lit-html';
import { ApiError } from '../shared/api.js';
import { t } from '../shared/i18n.js';
import { check, draftFrom, focusFirstError, formView, serverErrors } from './form.js';
import { errorText, mayLeave, notify, state, update } from './store.js';

export class ResourceScreen {
  /**
   * config: key, title(), load() -> items, columns() -> [[label, item => text]], fields(item|null) -> fields,
   * save(draft, item|null) -> saved item (throws ApiError), itemLabel(item), extra(item) -> more for the editor.
   */
  constructor(config) {
    this.config = config;
    this.items = null;
    this.loading = null;
    this.editing = null; // null, 'new' or an item id
    this.draft = null;
    this.errors = {};
    this.problem = '';
    this.busy = false;
  }

  async load() {
    this.loading = this.config.load().then((items) => {
      this.items = items;
      this.loading = null;
      update();
    }, (error) => {
      this.loading = null;
      this.items = this.items || [];
      notify('error', errorText(error));
    });
    return this.loading;
  }

  item() {
    return this.editing === 'new' ? null : this.items?.find((item) => item.id === this.editing) || null;
  }

  open(id) {
    if (this.editing === id || !mayLeave()) return;
    this.editing = id;
    const item = this.item();
    this.draft = draftFrom(this.config.fields(item), item || {});
    this.errors = {};
    this.problem = '';
    update();
    requestAnimationFrame(() => document.querySelector(`#${this.config.key}-form input, #${this.config.key}-form select`)?.focus());
  }

  close() {
    if (!mayLeave()) return;
    this.editing = null;
    this.draft = null;
    update();
  }

  onInput(name, value) {
    this.draft[name] = value;
    state.dirty = true;
    if (this.errors[name]) {
      delete this.errors[name];
      update();
    }
  }

  async submit() {
    const item = this.item();
    const fields = this.config.fields(item);
    this.errors = check(fields, this.draft);
    this.problem = '';
    if (Object.keys(this.errors).length) {
      this.problem = t('a.err.fix');
      update();
      focusFirstError(`${this.config.key}-form`);
      return;
    }
    this.busy = true;
    update();
    try {
      const saved = await this.config.save(this.draft, item);
      state.dirty = false;
      this.busy = false;
      await this.load();
      this.editing = saved?.id ?? null;
      const fresh = this.item();
      this.draft = fresh ? draftFrom(this.config.fields(fresh), fresh) : null;
      if (!fresh) this.editing = null;
      notify('ok', t('a.saved', { name: this.config.itemLabel(saved || item || {}) }));
    } catch (error) {
      this.busy = false;
      if (error instanceof ApiError) {
        const { byName, rest } = serverErrors(fields, error.body);
        this.errors = byName;
        // A refusal about this form's fields says so in the page's language; the server's words stay for the rest.
        this.problem = [Object.keys(byName).length && !rest.length ? t('a.err.fix') : error.message, ...rest].join(' ');
      } else {
        this.problem = errorText(error);
      }
      update();
      focusFirstError(`${this.config.key}-form`);
    }
  }

  view() {
    const { config } = this;
    if (this.items === null) {
      if (!this.loading) this.load();
      return html`<p role="status">${t('a.loading')}</p>`;
    }
    const columns = config.columns();
    const item = this.item();
    return html`<div class="resource">
      <section class="list" aria-labelledby="${config.key}-list-title">
        <div class="list-head">
          <h2 id="${config.key}-list-title">${config.title()} (${this.items.length})</h2>
          <button type="button" class="primary" @click=${() => this.open('new')}>${config.addLabel()}</button>
        </div>
        ${this.items.length ? html`<table data-testid="${config.key}-table">
          <thead><tr>${columns.map(([label]) => html`<th scope="col">${label}</th>`)}<th scope="col"><span class="visually-hidden">${t('a.actions')}</span></th></tr></thead>
          <tbody>${this.items.map((row) => html`<tr class=${row.id === this.editing ? 'selected' : ''}>
            ${columns.map(([, cell]) => html`<td>${cell(row)}</td>`)}
            <td><button type="button" aria-label=${t('a.editNamed', { name: config.itemLabel(row) })}
              @click=${() => this.open(row.id)}>${t('a.edit')}</button></td>
          </tr>`)}</tbody>
        </table>` : html`<p class="empty">${config.empty()}</p>`}
      </section>
      ${this.editing !== null && this.draft ? html`<section class="editor" aria-labelledby="${config.key}-editor-title">
        <h2 id="${config.key}-editor-title">${item ? t('a.editing', { name: config.itemLabel(item) }) : config.addLabel()}</h2>
        ${formView({ id: `${config.key}-form`, fields: config.fields(item), draft: this.draft, errors: this.errors,
          problem: this.problem, busy: this.busy, submitLabel: item ? t('a.save') : config.addLabel(),
          onInput: (name, value) => this.onInput(name, value), onSubmit: () => this.submit(),
          actions: html`<button type="button" @click=${() => this.close()}>${t('a.close')}</button>` })}
        ${item && config.extra ? config.extra(item, this) : nothing}
      </section>` : nothing}
    </div>`;
  }
}
