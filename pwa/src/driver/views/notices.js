// Live updates on screen: the one banner (top of the screen, away from the action buttons under the thumb),
// the history button in the status bar, and the history itself as a modal sheet.
import { html, nothing } from 'lit-html';
import { t } from '../../shared/i18n.js';
import { formatTime } from '../../shared/time.js';
import { closeHistory, dismissBanner, historyLabel, notices, openHistory } from '../notices.js';
import { timeZone } from '../store.js';

export function bannerView() {
  const banner = notices.banner;
  // The live region stays in the page so screen readers announce each new banner.
  return html`<div class="banner-slot" role="status" aria-live="polite">${banner ? html`
    <p class="banner" data-testid="change-notice"><span>${banner.text}</span>
      ${banner.more
        ? html`<button class="link" @click=${openHistory}>${t('notice.history')}</button>`
        : html`<button class="link" @click=${dismissBanner}>${t('common.dismiss')}</button>`}</p>` : nothing}</div>`;
}

// Always there once logged in: a button appearing with the first change would push the page down.
export function historyButton() {
  return html`<button class="pill history ${notices.unread ? 'warn' : ''}" data-testid="history-button"
    @click=${openHistory}>${historyLabel()}</button>`;
}

export function historyView() {
  if (!notices.historyOpen) return nothing;
  return html`
    <dialog id="history" class="app-dialog sheet" aria-labelledby="history-title" data-testid="history"
      @cancel=${(event) => { event.preventDefault(); closeHistory(); }}>
      <h2 id="history-title">${t('notice.historyTitle')}</h2>
      ${notices.history.length ? html`<ol class="history-list">${notices.history.map((notice) => html`
        <li><time datetime=${new Date(notice.at).toISOString()}>${formatTime(new Date(notice.at).toISOString(), timeZone())}</time>
          <span>${notice.text}</span></li>`)}</ol>` : html`<p>${t('notice.historyEmpty')}</p>`}
      <div class="dialog-actions"><button type="button" class="primary" @click=${closeHistory}>${t('common.close')}</button></div>
    </dialog>`;
}

/** After each render: open the history as a modal once it is asked for. */
export function showHistoryIfOpen() {
  const element = document.getElementById('history');
  if (element && !element.open) {
    element.showModal();
    element.querySelector('button')?.focus();
  }
}
