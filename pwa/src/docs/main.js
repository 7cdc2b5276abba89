// The API reference (/api/docs): renders the server's own OpenAPI document (/api/v1/openapi.json), so the
// page can never drift from the API. Everything from the document goes through lit-html text bindings
// (escaped, never innerHTML); no inline script or style, as the server's CSP requires.
// Problem types have anchors (#problem-<code>): the `type` URI of every error answer points here.
import { html, nothing, render } from 'lit-html';
import { chooseLanguage, setLanguage, t, catalogue } from '../shared/i18n.js';
import './styles.css';

const MESSAGES = {
  en: {
    'docs.loading': 'Loading the API reference…',
    'docs.failed': 'The API document could not be loaded ({message}).',
    'docs.raw': 'OpenAPI document (JSON)',
    'docs.filter': 'Filter endpoints',
    'docs.shown': '{shown} of {total} endpoints',
    'docs.auth': 'Authentication: an API key as `Authorization: Bearer <key>`, or the session cookie of the apps (writes then need the X-CSRF-Token header).',
    'docs.contents': 'Contents',
    'docs.problems': 'Errors (problem types)',
    'docs.problemsIntro': 'Every error is an RFC 9457 problem (application/problem+json) with a stable `code`; its `type` links to the entry below.',
    'docs.roles': 'Who may call it',
    'docs.public': 'Anyone (no login)',
    'docs.parameters': 'Parameters',
    'docs.body': 'Request body',
    'docs.noBody': 'No request body.',
    'docs.answers': 'Answers',
    'docs.example': 'Example',
    'docs.field': 'Field',
    'docs.type': 'Type',
    'docs.where': 'In',
    'docs.required': 'required',
    'docs.description': 'Description',
  },
  fr: {
    'docs.loading': 'Chargement de la référence de l’API…',
    'docs.failed': 'Le document de l’API n’a pas pu être chargé ({message}).',
    'docs.raw': 'Document OpenAPI (JSON)',
    'docs.filter': 'Filtrer les points d’accès',
    'docs.shown': '{shown} points d’accès sur {total}',
    'docs.auth': 'Authentification : une clé d’API en `Authorization: Bearer <clé>`, ou le cookie de session des applis (les écritures demandent alors l’en-tête X-CSRF-Token).',
    'docs.contents': 'Sommaire',
    'docs.problems': 'Erreurs (types de problème)',
    'docs.problemsIntro': 'Chaque erreur est un problème RFC 9457 (application/problem+json) avec un `code` stable; son `type` renvoie à l’entrée ci-dessous.',
    'docs.roles': 'Qui peut l’appeler',
    'docs.public': 'Tout le monde (sans connexion)',
    'docs.parameters': 'Paramètres',
    'docs.body': 'Corps de la requête',
    'docs.noBody': 'Pas de corps de requête.',
    'docs.answers': 'Réponses',
    'docs.example': 'Exemple',
    'docs.field': 'Champ',
    'docs.type': 'Type',
    'docs.where': 'Où',
    'docs.required': 'obligatoire',
    'docs.description': 'Description',
  },
};
for (const [language, messages] of Object.entries(MESSAGES)) Object.assign(catalogue[language], messages);

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const root = document.getElementById('app');
const state = { document: null, error: null, filter: '' };

function schemas() {
  return state.document?.components?.schemas || {};
}

function resolve(schema) {
  let current = schema || {};
  for (let hops = 0; current.$ref && hops < 20; hops += 1) current = schemas()[current.$ref.split('/').pop()] || {};
  return current;
}

function typeName(schema) {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop();
  if (schema.oneOf) return schema.oneOf.map(typeName).join(' | ');
  if (schema.enum) return schema.enum.filter((value) => value !== null).map(String).join(' | ');
  if (schema.type === 'array') return `${typeName(schema.items)}[]`;
  const base = schema.format ? `${schema.type} (${schema.format})` : schema.type || 'object';
  return schema.nullable ? `${base} | null` : base;
}

function fieldRows(schema, writing) {
  const resolved = resolve(schema);
  const target = resolved.type === 'array' ? resolve(resolved.items) : resolved;
  const required = new Set(target.required || []);
  return Object.entries(target.properties || {})
    .filter(([, field]) => !(writing ? resolve(field).readOnly : resolve(field).writeOnly))
    .map(([name, field]) => html`<tr><td><code>${name}</code>${required.has(name)
      ? html` <span class="required">${t('docs.required')}</span>` : nothing}</td>
      <td><code>${typeName(field)}</code></td><td>${resolve(field).description || field.description || ''}</td></tr>`);
}

function fieldsTable(schema, writing) {
  const rows = fieldRows(schema, writing);
  if (!rows.length) return nothing;
  return html`<table><thead><tr><th>${t('docs.field')}</th><th>${t('docs.type')}</th>
    <th>${t('docs.description')}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function example(media) {
  if (!media || media.example === undefined) return nothing;
  const text = typeof media.example === 'string' ? media.example : JSON.stringify(media.example, null, 2);
  return html`<details><summary>${t('docs.example')}</summary><pre><code>${text}</code></pre></details>`;
}

function parameters(operation) {
  const list = operation.parameters || [];
  if (!list.length) return nothing;
  return html`<h4>${t('docs.parameters')}</h4><table><thead><tr><th>${t('docs.field')}</th><th>${t('docs.where')}</th>
    <th>${t('docs.type')}</th><th>${t('docs.description')}</th></tr></thead><tbody>
    ${list.map((parameter) => html`<tr><td><code>${parameter.name}</code>${parameter.required
      ? html` <span class="required">${t('docs.required')}</span>` : nothing}</td><td>${parameter.in}</td>
      <td><code>${typeName(parameter.schema)}</code></td><td>${parameter.description || ''}</td></tr>`)}</tbody></table>`;
}

function requestBody(operation, method) {
  const content = operation.requestBody?.content;
  if (!content) return ['post', 'put', 'patch'].includes(method) ? html`<h4>${t('docs.body')}</h4><p>${t('docs.noBody')}</p>` : nothing;
  return html`<div data-testid="request-body"><h4>${t('docs.body')}</h4>${Object.entries(content).map(([type, media]) => html`
    <p class="meta"><code>${type}</code> · <code>${typeName(media.schema)}</code></p>
    ${fieldsTable(media.schema, true)}${example(media)}`)}</div>`;
}

function answers(operation) {
  return html`<h4>${t('docs.answers')}</h4><dl class="answers">${Object.entries(operation.responses || {}).map(([status, answer]) => html`
    <dt class="status s${status[0]}">${status}</dt><dd>${answer.description || ''}
      ${Object.entries(answer.content || {}).map(([type, media]) => html`<span class="meta">
        · <code>${type}</code>${media.schema ? html` <code>${typeName(media.schema)}</code>` : nothing}</span>
        ${status.startsWith('2') ? example(media) : nothing}`)}</dd>`)}</dl>`;
}

function roles(operation) {
  const allowed = operation['x-roles'] || [];
  const text = allowed.length ? allowed.join(', ') : t('docs.public');
  return html`<p class="meta">${t('docs.roles')}: ${text}</p>`;
}

function operationView(path, method, operation) {
  return html`<section class="operation" id=${`op-${operation.operationId}`} data-testid="operation">
    <h3><span class="method ${method}">${method.toUpperCase()}</span> <code class="path">${path}</code></h3>
    <p>${operation.summary || ''}</p>${operation.description ? html`<p class="meta">${operation.description}</p>` : nothing}
    ${roles(operation)}${parameters(operation)}${requestBody(operation, method)}${answers(operation)}</section>`;
}

function allOperations() {
  const result = [];
  for (const [path, item] of Object.entries(state.document.paths || {})) {
    for (const method of METHODS) if (item[method]) result.push({ path, method, operation: item[method] });
  }
  return result;
}

function matches(entry) {
  const words = state.filter.toLowerCase().split(/\s+/).filter(Boolean);
  const haystack = `${entry.method} ${entry.path} ${entry.operation.summary || ''}`.toLowerCase();
  return words.every((word) => haystack.includes(word));
}

function problemsView() {
  const types = state.document['x-problem-types'] || {};
  return html`<section id="problems"><h2>${t('docs.problems')}</h2><p>${t('docs.problemsIntro')}</p>
    <dl>${Object.entries(types).map(([code, text]) => html`<dt id=${`problem-${code}`}><code>${code}</code></dt>
      <dd>${text}</dd>`)}</dl></section>`;
}

function page() {
  if (state.error) return html`<p class="error" role="alert">${t('docs.failed', { message: state.error })}</p>`;
  if (!state.document) return html`<p class="boot">${t('docs.loading')}</p>`;
  const info = state.document.info || {};
  const every = allOperations();
  const shown = every.filter(matches);
  const tags = [...new Set(shown.map((entry) => entry.operation.tags?.[0] || 'api'))];
  return html`
    <header><h1>${info.title} <span class="meta">${info.version}</span></h1><p>${info.description || ''}</p>
      <p>${t('docs.auth')}</p>
      <p><a href="/api/v1/openapi.json">${t('docs.raw')}</a> · <a href="#problems">${t('docs.problems')}</a></p>
      <label for="filter">${t('docs.filter')}</label>
      <input id="filter" type="search" autocomplete="off" .value=${state.filter}
        @input=${(event) => { state.filter = event.target.value; update(); }}>
      <p class="meta" role="status">${t('docs.shown', { shown: shown.length, total: every.length })}</p></header>
    <nav aria-label=${t('docs.contents')}><ul>${tags.map((tag) => html`<li><a href=${`#tag-${tag}`}>${tag}</a></li>`)}</ul></nav>
    ${tags.map((tag) => html`<section class="tag" id=${`tag-${tag}`}><h2>${tag}</h2>
      ${shown.filter((entry) => (entry.operation.tags?.[0] || 'api') === tag)
        .map((entry) => operationView(entry.path, entry.method, entry.operation))}</section>`)}
    ${problemsView()}`;
}

function update() {
  render(page(), root);
}

async function start() {
  setLanguage(chooseLanguage());
  root.replaceChildren();
  update();
  try {
    const response = await fetch('/api/v1/openapi.json', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    state.document = await response.json();
  } catch (error) {
    state.error = error.message;
  }
  update();
  // Opened on an anchor (e.g. a problem's `type` URI): scroll there now that it exists.
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
}

start();
