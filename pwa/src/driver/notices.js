// What changed on the route, told calmly: one banner at a time, each for a few seconds (or until
// dismissed), the next one after it; every notice also goes to a history the driver can open later.
// A burst (dispatch re-plans five stops at once) does not become five banners in a row: whatever waits
// behind the current banner is summed up in one "N more changes" banner that opens the history.
import { t, tn } from '../shared/i18n.js';
import { newKey } from '../shared/outbox.js';

export const BANNER_MS = 6000;
const HISTORY_SIZE = 50;

export const notices = {
  banner: null, // {id, text, more} on screen now
  waiting: [], // notices behind it, oldest first
  history: [], // [{id, text, at}] newest first
  unread: 0,
  historyOpen: false,
};

let timer = null;
let render = () => {};

export function onNoticesChange(callback) {
  render = callback;
}

function showNext() {
  clearTimeout(timer);
  timer = null;
  const [next, ...rest] = notices.waiting;
  if (!next) {
    notices.banner = null;
  } else if (rest.length) {
    // Several at once: one sentence for all of them, the details in the history.
    notices.banner = { id: newKey(), text: tn('notice.more', notices.waiting.length), more: true };
    notices.waiting = [];
  } else {
    notices.banner = next;
    notices.waiting = [];
  }
  if (notices.banner) timer = setTimeout(showNext, BANNER_MS);
  render();
}

/** Tell the driver something changed: a banner now or after the current one, and a line in the history. */
export function addNotice(text, at = Date.now()) {
  if (!text) return;
  const notice = { id: newKey(), text, at };
  notices.history = [notice, ...notices.history].slice(0, HISTORY_SIZE);
  notices.unread += 1;
  notices.waiting.push(notice);
  if (!notices.banner) showNext();
  else render();
}

export function dismissBanner() {
  showNext();
}

export function openHistory() {
  notices.historyOpen = true;
  notices.unread = 0;
  notices.waiting = [];
  clearTimeout(timer);
  notices.banner = null;
  render();
}

export function closeHistory() {
  notices.historyOpen = false;
  render();
}

export const historyLabel = () => (notices.unread ? t('notice.historyUnread', { count: notices.unread }) : t('notice.history'));
