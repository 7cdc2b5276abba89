// What the driver reads about a write the server did not apply (parked by the outbox): which action, on
// which stop, why, and what to do — in the driver's language. The server's own message is English and
// only shown when there is no better wording for the refusal.
import { catalogue, t } from '../shared/i18n.js';

const MESSAGES = {
  en: {
    'parked.heading': 'Not recorded',
    'parked.onStop': '{action} — stop {sequence}, {address}',
    'parked.action.stop.complete': 'Delivery',
    'parked.action.stop.fail': 'Failed delivery',
    'parked.action.stop.arrive': 'Arrival',
    'parked.action.route.start': 'Route start',
    'parked.action.route.end': 'Route end',
    'parked.action.break.start': 'Break start',
    'parked.action.break.end': 'Break end',
    'parked.action.parcel.load': 'Parcel {barcode} loaded',
    'parked.action.upload': 'Photo or signature',
    'parked.action.other': 'An action',
    'parked.reason.stop_moved': 'Dispatch gave this stop to another driver before your phone synced, so it was not recorded. Dispatch has been told: keep the parcel and call them.',
    'parked.reason.order_cancelled': 'Dispatch cancelled this order before your phone synced, so it was not recorded as done. Dispatch has been told: keep the parcel and call them.',
    'parked.reason.stop_finished': 'This stop was already finished; nothing was changed.',
    'parked.reason.route_not_startable': 'This route can no longer be started; nothing was changed.',
    'parked.reason.refused': 'It could not be applied ({message}). Dispatch has been told.',
    'parked.reason.clock': "Your phone's clock is wrong, so it was refused. Set the clock to automatic, then do it again.",
    'parked.reason.gone': 'This stop is no longer on your route, so it was not recorded. Call dispatch.',
    'parked.reason.invalid': 'The server refused it ({message}). Do it again or call dispatch.',
    'parked.dismiss': 'OK, got it',
  },
  fr: {
    'parked.heading': 'Non enregistré',
    'parked.onStop': '{action} — arrêt {sequence}, {address}',
    'parked.action.stop.complete': 'Livraison',
    'parked.action.stop.fail': 'Échec de livraison',
    'parked.action.stop.arrive': 'Arrivée',
    'parked.action.route.start': 'Début de tournée',
    'parked.action.route.end': 'Fin de tournée',
    'parked.action.break.start': 'Début de pause',
    'parked.action.break.end': 'Fin de pause',
    'parked.action.parcel.load': 'Colis {barcode} chargé',
    'parked.action.upload': 'Photo ou signature',
    'parked.action.other': 'Une action',
    'parked.reason.stop_moved': "Le répartiteur a confié cet arrêt à un autre livreur avant la synchronisation de votre téléphone : il n'a pas été enregistré. Le répartiteur est prévenu : gardez le colis et appelez-le.",
    'parked.reason.order_cancelled': "Le répartiteur a annulé cette commande avant la synchronisation de votre téléphone : elle n'a pas été enregistrée comme faite. Le répartiteur est prévenu : gardez le colis et appelez-le.",
    'parked.reason.stop_finished': "Cet arrêt était déjà terminé; rien n'a été changé.",
    'parked.reason.route_not_startable': "Cette tournée ne peut plus être commencée; rien n'a été changé.",
    'parked.reason.refused': "Impossible de l'appliquer ({message}). Le répartiteur est prévenu.",
    'parked.reason.clock': "L'horloge de votre téléphone est fausse : refusé. Réglez l'heure en automatique, puis recommencez.",
    'parked.reason.gone': "Cet arrêt n'est plus sur votre tournée : non enregistré. Appelez le répartiteur.",
    'parked.reason.invalid': 'Refusé par le serveur ({message}). Recommencez ou appelez le répartiteur.',
    'parked.dismiss': 'Compris',
  },
};

for (const [language, messages] of Object.entries(MESSAGES)) {
  if (catalogue[language]) Object.assign(catalogue[language], messages);
}

export const PARKED_MESSAGES = MESSAGES;

function actionName(entry) {
  if (entry.kind === 'upload') return t('parked.action.upload');
  const type = entry.body?.type;
  const key = `parked.action.${type}`;
  if (!type || !(key in catalogue.en)) return t('parked.action.other');
  return t(key, { barcode: entry.body?.data?.barcode ?? '' });
}

function reasonText(write) {
  if (write.code === 'conflict') {
    const key = `parked.reason.${write.reason}`;
    return write.reason !== 'refused' && key in catalogue.en ? t(key) : t('parked.reason.refused', { message: write.message });
  }
  if (write.fields && 'at' in write.fields) return t('parked.reason.clock');
  if (write.status === 404) return t('parked.reason.gone');
  return t('parked.reason.invalid', { message: write.message });
}

/** {title, detail}: the action and the stop it was about, then why it was not applied and what to do. */
export function parkedText(write) {
  const entry = write.entry || {};
  const action = actionName(entry);
  const label = entry.label;
  const title = label ? t('parked.onStop', { action, sequence: label.sequence, address: label.address }) : action;
  return { title, detail: reasonText(write) };
}
