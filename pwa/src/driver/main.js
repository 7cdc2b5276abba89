// The driver app: today's route stop by stop, offline first.
// Everything the driver does is written to the IndexedDB outbox and shown at once (applyPending);
// the outbox is replayed on `online`, on start, on socket (re)connect and by Background Sync.
// state and the phone's handles: store.js; the route and outbox: sync.js; session and socket:
// session.js; what the driver does: actions.js, pod.js; what the app shows: views/.
import { html, render } from 'lit-html';
import { t } from '../shared/i18n.js';
import { dialogView, onDialogChange, showPendingDialog } from './dialog.js';
import { mergeMessages } from './messages.js';
import { onNoticesChange } from './notices.js';
import { attachSignaturePad } from './pod.js';
import { boot, listenToThePhone } from './session.js';
import {
  currentRoute, findStop, followDuty, parsePath, setRenderer, showView, state,
} from './store.js';
import { loginView, navLinks, routeView, statusBar } from './views/route.js';
import { historyView, showHistoryIfOpen } from './views/notices.js';
import { deliverView, failView, stopView } from './views/stop.js';
import './styles.css';

const root = document.getElementById('app');
// lit-html renders next to existing children: drop the static "loading" text of index.html first.
root.replaceChildren();

// The guidance screen and its map load when first opened: the first screen stays light.
let guideScreen = null;
let guideLoading = null;

function loadGuideScreen() {
  guideLoading = import('./guide/view.js').then((module) => {
    guideScreen = module;
  }).catch(() => {
    guideLoading = false; // offline before it was ever fetched: tried again when the phone is back online
  }).finally(update);
}
window.addEventListener('online', () => { if (guideLoading === false) guideLoading = null; });

function guideUnavailable(stop) {
  return html`<p class="notice warn" data-testid="guide-waiting">${t('stop.directionsUnavailable')}</p>${navLinks(stop)}`;
}

function update() {
  const route = currentRoute();
  const onDuty = followDuty(route);
  render(appView(route, onDuty), root);
  const guided = state.view.name === 'guide' ? findStop(route, state.view.stopId) : null;
  if (guided && guideScreen) guideScreen.attachGuideScreen(route, guided);
  else guideScreen?.detachGuideScreen();
  if (state.view.name === 'deliver') attachSignaturePad();
  showPendingDialog();
  showHistoryIfOpen();
}

function appView(route, onDuty) {
  if (state.booting) return html`<p class="boot">${t('app.name')}…</p>`;
  if (!state.session) return loginView();
  let screen;
  const stop = state.view.stopId ? findStop(route, state.view.stopId) : null;
  if (state.view.name !== 'route' && stop) {
    if (state.view.name === 'deliver') screen = deliverView(route, stop);
    else if (state.view.name === 'guide') {
      if (!guideScreen && guideLoading == null) loadGuideScreen();
      screen = guideScreen ? guideScreen.guideView(route, stop) : guideLoading ? html`<p class="boot">…</p>` : guideUnavailable(stop);
    }
    else if (state.view.name === 'fail') screen = failView(stop);
    else screen = stopView(route, stop);
  } else {
    screen = routeView(route);
  }
  return html`${statusBar(route, onDuty)}${screen}${historyView()}${dialogView()}`;
}

mergeMessages();
setRenderer(update);
onNoticesChange(update);
onDialogChange(update);
// A stop becomes late by the clock alone: look again every half minute.
setInterval(() => { if (state.session && !document.hidden) update(); }, 30000);
window.addEventListener('popstate', () => showView(parsePath(location.pathname)));
listenToThePhone();

if ('serviceWorker' in navigator && !import.meta.env.DEV) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
}

boot();
