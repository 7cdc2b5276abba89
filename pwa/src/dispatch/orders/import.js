// The CSV import card of the Plan tab: a template to start from; when a file's header names are not ours, a
// step to match them (remembered for the organization: the server reads every later file with it); then
// the check and the import, each problem named by its line in plain words.
import { html, nothing } from 'lit-html';
import { get, request } from '../../shared/api.js';
import { t, tn } from '../../shared/i18n.js';
import { runImport } from '../actions.js';
import { showError, state, update } from '../store.js';

const GUESSES = {
  external_ref: ['ref', 'reference', 'order', 'order id', 'order no', 'order number', 'id', 'numéro', 'commande', 'référence'],
  address: ['street', 'street address', 'adresse', 'addr', 'full address', 'delivery address', 'shipping address'],
  lat: ['latitude'],
  lon: ['lng', 'long', 'longitude'],
  delivery_date: ['date', 'day', 'delivery day', 'jour', 'date de livraison'],
  recipient_name: ['name', 'recipient', 'customer', 'client', 'nom', 'contact'],
  recipient_phone: ['phone', 'tel', 'telephone', 'téléphone', 'mobile', 'cell'],
  recipient_email: ['email', 'e-mail', 'courriel', 'mail'],
  weight_kg: ['weight', 'poids', 'kg'],
  notes: ['note', 'comment', 'comments', 'remarks'],
  delivery_instructions: ['instructions', 'consignes'],
  barcodes: ['barcode', 'parcel', 'parcels', 'tracking'],
  window_start: ['from', 'start', 'window start', 'début'],
  window_end: ['to', 'end', 'until', 'window end', 'fin'],
};

export const importer = { header: null, matching: {}, known: [], required: [], saved: null };

/** The first record's cells: the header, read the way the server reads it (comma, semicolon or tab). */
export function headerOf(text) {
  const firstLine = text.replace(/^\ufeff/, '').split(/\r?\n/)[0] || '';
  const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length]);
  const delimiter = counts.sort((a, b) => b[1] - a[1])[0][0];
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < firstLine.length; i += 1) {
    const c = firstLine[i];
    if (quoted) {
      if (c === '"' && firstLine[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) { cells.push(cell); cell = ''; } else cell += c;
  }
  cells.push(cell);
  return cells.map((name) => name.trim()).filter(Boolean);
}

export function guess(name, known, saved) {
  const key = name.toLowerCase();
  if (known.includes(key)) return key;
  if (saved[key]) return saved[key];
  for (const [column, words] of Object.entries(GUESSES)) if (words.includes(key)) return column;
  return '';
}

async function chooseFile(file) {
  state.imports.file = file || null;
  state.imports.result = null;
  importer.header = null;
  update();
  if (!file) return;
  try {
    if (!importer.saved) {
      const answer = await get('/api/v1/orders/import/columns');
      Object.assign(importer, { saved: answer.columns, known: answer.known, required: answer.required });
    }
    const header = headerOf(await file.slice(0, 65536).text());
    const matching = {};
    const used = new Set();
    for (const name of header) {
      const column = guess(name, importer.known, importer.saved);
      matching[name] = column && !used.has(column) ? column : '';
      if (matching[name]) used.add(matching[name]);
    }
    Object.assign(importer, { header, matching });
  } catch (error) {
    showError(error);
  }
  update();
}

function needsMatching() {
  return importer.header && importer.header.some((name) => importer.matching[name] !== name.toLowerCase());
}

function missingColumns() {
  const chosen = new Set(Object.values(importer.matching));
  return importer.required.filter((column) => !chosen.has(column));
}

/** Save the matching (only names that differ from ours), then check the file with it. */
async function check() {
  if (needsMatching()) {
    const columns = { ...importer.saved };
    for (const [name, column] of Object.entries(importer.matching)) {
      const key = name.toLowerCase();
      if (column && column !== key) columns[key] = column; else delete columns[key];
    }
    try {
      importer.saved = (await request('PUT', '/api/v1/orders/import/columns', { json: { columns } })).columns;
    } catch (error) {
      showError(error);
      return;
    }
  }
  await runImport(true);
}

function matchingView() {
  if (!needsMatching()) return nothing;
  const missing = missingColumns();
  const remembered = importer.header.some((name) => importer.saved?.[name.toLowerCase()]);
  return html`<fieldset class="matching" data-testid="column-matching">
    <legend>${t('o.import.mapping')}</legend>
    <p class="hint">${remembered ? t('o.import.remembered') : t('o.import.mappingHint')}</p>
    <div class="matching-grid">${importer.header.map((name) => html`<label>${t('o.import.column', { name })}
      <select data-column=${name} @change=${(e) => { importer.matching[name] = e.target.value; update(); }}>
        <option value="" ?selected=${!importer.matching[name]}>${t('o.import.ignore')}</option>
        ${importer.known.map((column) => html`<option value=${column} ?selected=${importer.matching[name] === column}
          ?disabled=${importer.matching[name] !== column && Object.values(importer.matching).includes(column)}>${t(`o.colname.${column}`)}</option>`)}
      </select></label>`)}</div>
    ${missing.length ? html`<p class="error" data-testid="matching-missing">${t('o.import.missing', { names: missing.map((c) => t(`o.colname.${c}`)).join(', ') })}</p>` : nothing}
  </fieldset>`;
}

function columnName(field) {
  const key = `o.colname.${field}`;
  return t(key) === key ? field : t(key);
}

function resultView(result) {
  if (result.failed) {
    return html`<div data-testid="import-result" role="alert"><p class="error">${t('o.import.refused', { message: result.failed.message })}</p></div>`;
  }
  const errors = result.errors || [];
  const busy = state.imports.busy;
  return html`<div data-testid="import-result" role="status">
    ${result.dryRun ? (errors.length ? html`<p class="error">${t('d.import.errors', { count: errors.length })}</p>`
      : html`<p>${t('d.import.ok', { count: result.valid ?? result.rows ?? 0 })}</p>`)
      : html`<p>${t('d.import.done', { created: result.created ?? 0, existing: result.existing ?? 0 })}</p>`}
    ${errors.length ? html`<div class="problems"><table class="errors" data-testid="import-problems">
      <thead><tr><th scope="col">${t('d.import.line')}</th><th scope="col">${t('d.import.field')}</th><th scope="col">${t('d.import.message')}</th></tr></thead>
      <tbody>${errors.slice(0, 200).map((e) => html`<tr><td>${e.line}</td><td>${columnName(e.field)}</td><td>${e.message}</td></tr>`)}</tbody>
    </table></div>` : nothing}
    ${result.dryRun ? html`
      ${errors.length ? html`<label class="inline"><input type="checkbox" .checked=${state.imports.skipInvalid}
        @change=${(e) => { state.imports.skipInvalid = e.target.checked; update(); }}>${t('d.import.skipInvalid')}</label>` : nothing}
      <button type="button" class="primary" ?disabled=${busy || !result.valid || (errors.length && !state.imports.skipInvalid)}
        @click=${() => runImport(false)}>${tn('o.import.run', result.valid ?? 0)}</button>` : nothing}
  </div>`;
}

export function importView() {
  const { result, busy, file } = state.imports;
  const blocked = importer.header && missingColumns().length > 0;
  return html`<section class="card" aria-labelledby="import-title">
    <h2 id="import-title">${t('d.import.title')}</h2>
    <p><a href="/api/v1/orders/import/template.csv" download="orders-template.csv" data-testid="import-template">${t('o.import.template')}</a></p>
    <label>${t('d.import.file')}<input type="file" accept=".csv,text/csv" data-testid="csv-file"
      @change=${(e) => chooseFile(e.target.files[0])}></label>
    ${matchingView()}
    <button type="button" data-testid="import-check" ?disabled=${!file || busy || blocked} @click=${check}>${busy ? t('d.import.checking') : t('d.import.check')}</button>
    ${result ? resultView(result) : nothing}
  </section>`;
}
