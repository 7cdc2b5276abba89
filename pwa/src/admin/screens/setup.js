// Getting started: what a new organization still has to set up before its first day, each item a link to
// the screen that does it. The server decides what is done (a depot, vehicles, drivers, the wording, a test
// message that reached the admin).
import { html, nothing } from 'lit-html';
import { t } from '../../shared/i18n.js';
import { api, errorText, notify, update } from '../store.js';
import { loadTestMessages, testMessageView } from './test-message.js';

const LINKS = { depot: '#depots', vehicles: '#vehicles', drivers: '#drivers', wording: '#templates' };
let checklist = null;

export async function loadChecklist() {
  try {
    checklist = await api.get('/api/v1/setup/checklist');
  } catch (error) {
    notify('error', errorText(error));
  }
  update();
  await loadTestMessages(reloadChecklistOnly);
}

export async function reloadChecklistOnly() {
  try {
    checklist = await api.get('/api/v1/setup/checklist');
  } catch (error) {
    notify('error', errorText(error));
  }
  update();
}

async function keepWording() {
  try {
    checklist = await api.post('/api/v1/setup/checklist/wording', {});
    notify('ok', t('a.setup.wordingKept'));
  } catch (error) {
    notify('error', errorText(error));
  }
}

export function checklistView() {
  if (!checklist) return html`<p role="status">${t('a.loading')}</p>`;
  const left = checklist.items.filter((item) => !item.done).length;
  return html`<section class="checklist" aria-labelledby="checklist-title">
    <h2 id="checklist-title">${left ? t('a.setup.left', { count: left, total: checklist.items.length }) : t('a.setup.allDone')}</h2>
    <ol data-testid="checklist">${checklist.items.map((item) => html`<li class=${item.done ? 'done' : 'todo'}>
      <span class="mark" aria-hidden="true">${item.done ? '✓' : '○'}</span>
      <span class="what"><strong>${t(`a.setup.${item.key}`)}</strong>
        <span class="visually-hidden">${item.done ? t('a.setup.isDone') : t('a.setup.toDo')}</span>
        <small>${t(`a.setup.${item.key}.hint`)}</small></span>
      ${LINKS[item.key] ? html`<a href=${LINKS[item.key]}>${item.done ? t('a.setup.review') : t('a.setup.do')}</a>` : nothing}
      ${item.key === 'wording' && !item.done ? html`<button type="button" @click=${keepWording}>${t('a.setup.keepWording')}</button>` : nothing}
    </li>`)}</ol>
    ${testMessageView()}
  </section>`;
}
