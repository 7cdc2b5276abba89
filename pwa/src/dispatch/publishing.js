// Publishing texts customers ("scheduled"), so the console first says how many people, on which channels,
// and publishes only once the dispatcher confirms (the app's own card, never the browser's confirm box).
import { html, nothing } from 'lit-html';
import { get } from '../shared/api.js';
import { catalogue, t, tn } from '../shared/i18n.js';
import { publish } from './actions.js';
import { showError, state, update } from './store.js';

const MESSAGES = {
  en: {
    'd.publishAsk.title.one': 'Publish 1 route?',
    'd.publishAsk.title.other': 'Publish {count} routes?',
    'd.publishAsk.customers.one': '1 customer will be told their delivery is scheduled: {channels}.',
    'd.publishAsk.customers.other': '{count} customers will be told their delivery is scheduled: {channels}.',
    'd.publishAsk.nobody': 'No customer will be messaged.',
    'd.publishAsk.practice': 'Practice organization: nothing is sent to anyone.',
    'd.publishAsk.without.one': '1 customer has no channel (no phone, or opted out) and hears nothing.',
    'd.publishAsk.without.other': '{count} customers have no channel (no phone, or opted out) and hear nothing.',
    'd.publishAsk.sms': 'by SMS ({count})',
    'd.publishAsk.email': 'by email ({count})',
    'd.publishAsk.push': 'by browser notification ({count})',
    'd.publishAsk.drivers': 'The drivers\u2019 phones receive their routes at once.',
    'd.publishAsk.confirm': 'Publish and notify',
    'd.publishAsk.cancel': 'Not now',
  },
  fr: {
    'd.publishAsk.title.one': 'Publier 1 tournée ?',
    'd.publishAsk.title.other': 'Publier {count} tournées ?',
    'd.publishAsk.customers.one': '1 client sera informé que sa livraison est prévue : {channels}.',
    'd.publishAsk.customers.other': '{count} clients seront informés que leur livraison est prévue : {channels}.',
    'd.publishAsk.nobody': 'Aucun client ne recevra de message.',
    'd.publishAsk.practice': 'Organisation d\u2019entraînement : rien n\u2019est envoyé à personne.',
    'd.publishAsk.without.one': '1 client n\u2019a aucun canal (pas de téléphone, ou désabonné) et ne recevra rien.',
    'd.publishAsk.without.other': '{count} clients n\u2019ont aucun canal (pas de téléphone, ou désabonnés) et ne recevront rien.',
    'd.publishAsk.sms': 'par SMS ({count})',
    'd.publishAsk.email': 'par courriel ({count})',
    'd.publishAsk.push': 'par notification du navigateur ({count})',
    'd.publishAsk.drivers': 'Les téléphones des livreurs reçoivent leur tournée aussitôt.',
    'd.publishAsk.confirm': 'Publier et prévenir',
    'd.publishAsk.cancel': 'Pas maintenant',
  },
};

export function mergePublishingMessages() {
  for (const [language, messages] of Object.entries(MESSAGES)) {
    if (!catalogue[language]) continue;
    for (const [key, text] of Object.entries(messages)) {
      if (!(key in catalogue[language])) catalogue[language][key] = text;
    }
  }
}

/** Ask the server who publishing these drafts would message, then show the confirmation card. */
export async function askToPublish(routeIds) {
  try {
    const reach = await get(`/api/v1/routes/publish-preview?route_ids=${routeIds.join(',')}`);
    state.publishAsk = { routeIds, reach };
    update();
    document.querySelector('[data-testid=publish-confirm]')?.focus();
  } catch (error) {
    showError(error);
  }
}

function channelsText(byChannel) {
  return ['sms', 'email', 'push'].filter((channel) => byChannel[channel])
    .map((channel) => t(`d.publishAsk.${channel}`, { count: byChannel[channel] })).join(', ');
}

export function publishAskView() {
  const ask = state.publishAsk;
  if (!ask) return nothing;
  const { reach } = ask;
  const close = () => { state.publishAsk = null; update(); };
  let customers;
  if (reach.practice) customers = t('d.publishAsk.practice');
  else if (reach.customers) customers = tn('d.publishAsk.customers', reach.customers, { channels: channelsText(reach.by_channel) });
  else customers = t('d.publishAsk.nobody');
  return html`<section class="card pending" role="dialog" aria-modal="false" aria-labelledby="publish-ask-title"
      data-testid="publish-ask" @keydown=${(e) => { if (e.key === 'Escape') close(); }}>
    <h2 id="publish-ask-title">${tn('d.publishAsk.title', ask.routeIds.length)}</h2>
    <p data-testid="publish-reach">${customers}</p>
    ${!reach.practice && reach.without_channel ? html`<p>${tn('d.publishAsk.without', reach.without_channel)}</p>` : nothing}
    <p>${t('d.publishAsk.drivers')}</p>
    <div class="row">
      <button type="button" class="primary" data-testid="publish-confirm" ?disabled=${state.busy}
        @click=${async () => { close(); await publish(ask.routeIds); }}>${t('d.publishAsk.confirm')}</button>
      <button type="button" data-testid="publish-cancel" @click=${close}>${t('d.publishAsk.cancel')}</button>
    </div>
  </section>`;
}
