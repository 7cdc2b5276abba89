// The driver app's own strings (live updates, dialogs, late stops, settings), merged into the shared
// catalogue when the app starts; the shared catalogue keeps the strings the apps have in common.
import { catalogue } from '../shared/i18n.js';

export const DRIVER_MESSAGES = {
  en: {
    'notice.more.one': '{count} more change: see the history',
    'notice.more.other': '{count} more changes: see the history',
    'notice.history': 'Changes',
    'notice.historyUnread': 'Changes ({count} new)',
    'notice.historyTitle': 'What changed today',
    'notice.historyEmpty': 'Nothing has changed yet.',
    'common.close': 'Close',
    'change.moved': 'Stop {from} moved to {nth}: {address}',
    'change.movedTo': 'Now stop {to}: {address}',
    'change.addedAt': 'New stop {sequence}: {address}',
    'change.removedStop': 'Stop {sequence} taken off your route: {address}',
    'change.cancelledStop': 'Stop {sequence} cancelled, do not deliver: {address}. Keep the parcel.',
    'change.withdrawn': 'Dispatch took this route back. Wait for dispatch before you go on.',
    'change.instructionsCustomer': 'New instructions from the customer (stop {sequence}): {text}',
    'change.instructionsDispatch': 'New instructions for stop {sequence}: {text}',
    'change.instructionsCleared': 'Stop {sequence}: the delivery instructions were removed',
    'change.window': 'Stop {sequence}: new time window {window}',
    'change.notes': 'New note for stop {sequence}: {text}',
    'change.address': 'Stop {sequence} has a new address: {address}',
    'change.updatedStop': 'Stop {sequence} was updated: {address}',
    'route.confirmStart': 'Start your route?',
    'route.startAnyway': 'Start anyway',
    'route.confirmEndText': 'You go off duty and your location stops being shared.',
    'route.endOfDay': 'End of the day',
    'stop.late': 'Late',
    'stop.lateWindowPassed': 'Late: the window ended at {time}',
    'stop.lateEta': 'Late: expected at {eta}, the window ends at {time}',
    'stop.instructionsNew': 'New',
    'fail.needReason': 'Choose why you could not deliver.',
    'login.phone': 'Phone number',
    'login.email': 'Email',
    'login.useEmail': 'Use my email instead',
    'login.usePhone': 'Use my phone number instead',
    'settings.title': 'Display and language',
    'settings.language': 'Language',
    'settings.followPhone': 'Same as the phone',
    'settings.highContrast': 'High contrast (bright sunlight)',
    'stop.kind.pickup': 'Pickup',
    'stop.collected': 'Collected',
    'stop.pickupInstructions': 'Pickup instructions',
    'stop.collectFrom': 'Collect parcel from {name}',
    'stop.collectHere': 'Collect the parcel here',
    'stop.sender': 'Sender',
    'stop.collect': 'Collect',
    'stop.returnToDepot': 'Bring it back to the depot',
    'pod.collectTitle': 'Proof of collection',
    'pod.handedBy': 'Handed over by',
    'pod.collectSubmit': 'Confirm collection',
    'fail.collectTitle': 'Could not collect',
    'fail.collectSubmit': 'Confirm failed collection',
  },
  fr: {
    'notice.more.one': '{count} autre changement : voir l’historique',
    'notice.more.other': '{count} autres changements : voir l’historique',
    'notice.history': 'Changements',
    'notice.historyUnread': 'Changements ({count} nouveaux)',
    'notice.historyTitle': 'Les changements du jour',
    'notice.historyEmpty': 'Rien n’a changé pour l’instant.',
    'common.close': 'Fermer',
    'change.moved': 'L’arrêt {from} passe en {nth} position : {address}',
    'change.movedTo': 'Désormais arrêt {to} : {address}',
    'change.addedAt': 'Nouvel arrêt {sequence} : {address}',
    'change.removedStop': 'Arrêt {sequence} retiré de votre tournée : {address}',
    'change.cancelledStop': 'Arrêt {sequence} annulé, ne pas livrer : {address}. Gardez le colis.',
    'change.withdrawn': 'La répartition a repris cette tournée. Attendez ses consignes avant de continuer.',
    'change.instructionsCustomer': 'Nouvelles consignes du client (arrêt {sequence}) : {text}',
    'change.instructionsDispatch': 'Nouvelles consignes pour l’arrêt {sequence} : {text}',
    'change.instructionsCleared': 'Arrêt {sequence} : les consignes de livraison ont été retirées',
    'change.window': 'Arrêt {sequence} : nouveau créneau {window}',
    'change.notes': 'Nouvelle note pour l’arrêt {sequence} : {text}',
    'change.address': 'L’arrêt {sequence} a une nouvelle adresse : {address}',
    'change.updatedStop': 'L’arrêt {sequence} a été modifié : {address}',
    'route.confirmStart': 'Commencer la tournée ?',
    'route.startAnyway': 'Commencer quand même',
    'route.confirmEndText': 'Vous n’êtes plus en service et votre position n’est plus partagée.',
    'route.endOfDay': 'Fin de journée',
    'stop.late': 'En retard',
    'stop.lateWindowPassed': 'En retard : le créneau a pris fin à {time}',
    'stop.lateEta': 'En retard : arrivée prévue à {eta}, le créneau finit à {time}',
    'stop.instructionsNew': 'Nouveau',
    'fail.needReason': 'Choisissez pourquoi la livraison n’a pas pu se faire.',
    'login.phone': 'Numéro de téléphone',
    'login.email': 'Courriel',
    'login.useEmail': 'Utiliser mon courriel',
    'login.usePhone': 'Utiliser mon numéro de téléphone',
    'settings.title': 'Affichage et langue',
    'settings.language': 'Langue',
    'settings.followPhone': 'Celle du téléphone',
    'settings.highContrast': 'Contraste élevé (plein soleil)',
    'stop.kind.pickup': 'Collecte',
    'stop.collected': 'Collecté',
    'stop.pickupInstructions': 'Consignes de collecte',
    'stop.collectFrom': 'Récupérer le colis chez {name}',
    'stop.collectHere': 'Récupérer le colis ici',
    'stop.sender': 'Expéditeur',
    'stop.collect': 'Collecter',
    'stop.returnToDepot': 'À rapporter au dépôt',
    'pod.collectTitle': 'Preuve de collecte',
    'pod.handedBy': 'Remis par',
    'pod.collectSubmit': 'Confirmer la collecte',
    'fail.collectTitle': 'Collecte impossible',
    'fail.collectSubmit': 'Confirmer l’échec de la collecte',
  },
};

/** "4th", "4e", "4.º", "4.": the position of a stop, in the app's language. */
export function ordinal(n, language) {
  switch (language) {
    case 'fr':
      return n === 1 ? '1re' : `${n}e`;
    case 'es':
    case 'pt':
      return `${n}.º`;
    case 'de':
      return `${n}.`;
    default: {
      const suffix = { one: 'st', two: 'nd', few: 'rd', other: 'th' }[new Intl.PluralRules('en', { type: 'ordinal' }).select(n)];
      return `${n}${suffix}`;
    }
  }
}

/** Adds the driver app's strings to the shared catalogue (a language it does not have yet is added whole). */
export function mergeMessages(messages = DRIVER_MESSAGES) {
  for (const [language, texts] of Object.entries(messages)) {
    catalogue[language] = { ...texts, ...(catalogue[language] || {}) };
  }
}
