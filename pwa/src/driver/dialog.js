// The app's own confirmation dialog (a modal <dialog>): in the app's language and style, large buttons,
// the safe choice focused first for a dangerous action — where window.confirm() shows the site's address,
// an "OK" in the browser's language, and on some phones can be silenced for the rest of the session.
import { html, nothing } from 'lit-html';
import { t } from '../shared/i18n.js';

const pending = { dialog: null }; // {title, text, confirm, danger, resolve}
let render = () => {};

export function onDialogChange(callback) {
  render = callback;
}

/** Ask the driver; resolves true when they confirm, false when they cancel (button, Esc or back). */
export function confirmDialog({ title, text = '', confirm, danger = false }) {
  pending.dialog?.resolve(false);
  return new Promise((resolve) => {
    pending.dialog = { title, text, confirm, danger, resolve };
    render();
  });
}

function answer(value) {
  const dialog = pending.dialog;
  if (!dialog) return;
  pending.dialog = null;
  document.getElementById('app-dialog')?.close();
  dialog.resolve(value);
  render();
}

export function dialogView() {
  const dialog = pending.dialog;
  if (!dialog) return nothing;
  return html`
    <dialog id="app-dialog" class="app-dialog" aria-labelledby="app-dialog-title" aria-describedby="app-dialog-text"
      data-testid="app-dialog" @cancel=${(event) => { event.preventDefault(); answer(false); }}>
      <h2 id="app-dialog-title">${dialog.title}</h2>
      ${dialog.text ? html`<p id="app-dialog-text">${dialog.text}</p>` : nothing}
      <div class="dialog-actions">
        <button type="button" class="secondary" data-autofocus=${dialog.danger ? 'yes' : 'no'}
          @click=${() => answer(false)}>${t('common.cancel')}</button>
        <button type="button" class=${dialog.danger ? 'danger' : 'primary'} data-autofocus=${dialog.danger ? 'no' : 'yes'}
          @click=${() => answer(true)}>${dialog.confirm}</button>
      </div>
    </dialog>`;
}

/** After each render: open the dialog as a modal (focus trapped, page inert) with the right button focused. */
export function showPendingDialog() {
  const element = document.getElementById('app-dialog');
  if (!element || element.open) return;
  element.showModal();
  element.querySelector('[data-autofocus=yes]')?.focus();
}
