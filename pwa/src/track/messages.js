// The tracking page's rebooking strings (English and French), merged into the shared catalogue on load.
import { catalogue } from '../shared/i18n.js';

const MESSAGES = {
  en: {
    'rebook.title': 'Choose a new delivery',
    'rebook.missedWindow': 'The attempt was planned for',
    'rebook.doneTitle': 'New delivery booked',
    'rebook.titleChange': 'Not home that day?',
    'rebook.introFailed': 'Pick the day and time that suit you. We will plan your delivery again.',
    'rebook.introScheduled': 'You can move your delivery until {day} at {time}.',
    'rebook.open': 'Change day or drop-off',
    'rebook.day': 'Day',
    'rebook.window': 'Time',
    'rebook.noDays': 'No day can be booked right now. Reply to our text message and we will help you.',
    'rebook.dropOff': 'If you are not home',
    'rebook.dropOff.in_person': 'Hand it to me (I will be home)',
    'rebook.dropOff.door': 'Leave it at my door',
    'rebook.dropOff.neighbour': 'Leave it with a neighbour',
    'rebook.neighbour': 'Neighbour’s name and door number',
    'rebook.confirm': 'Confirm: {day}, {window}',
    'rebook.pick': 'Choose a day and a time',
    'rebook.done': 'Done: your delivery is now {day}, {window}. We sent you a confirmation.',
    'rebook.loading': 'Loading the days available…',
    'rebook.cancel': 'Keep my current delivery',
    'rebook.error.day_closed': 'We do not deliver on that day. Choose another one.',
    'rebook.error.beyond_horizon': 'That day is too far ahead. Choose an earlier one.',
    'rebook.error.after_cutoff': 'It is too late to book that day. Choose a later one.',
    'rebook.error.window_not_offered': 'That time is not available that day. Choose another one.',
    'rebook.error.in_the_past': 'That day has passed. Choose another one.',
    'rebook.error.neighbour_required': 'Tell us which neighbour (name and door number).',
    'rebook.error.on_the_way': 'The driver is already on the way: the delivery can no longer move.',
    'rebook.error.order_closed': 'This delivery can no longer be changed.',
    'rebook.error.other': 'Could not change the delivery: {message}',
  },
  fr: {
    'rebook.title': 'Choisir une nouvelle livraison',
    'rebook.missedWindow': 'La tentative était prévue',
    'rebook.doneTitle': 'Nouvelle livraison réservée',
    'rebook.titleChange': 'Absent ce jour-là ?',
    'rebook.introFailed': 'Choisissez le jour et l’heure qui vous conviennent. Nous replanifierons votre livraison.',
    'rebook.introScheduled': 'Vous pouvez déplacer votre livraison jusqu’au {day} à {time}.',
    'rebook.open': 'Changer le jour ou le dépôt',
    'rebook.day': 'Jour',
    'rebook.window': 'Heure',
    'rebook.noDays': 'Aucun jour n’est disponible pour le moment. Répondez à notre texto et nous vous aiderons.',
    'rebook.dropOff': 'Si vous êtes absent',
    'rebook.dropOff.in_person': 'En main propre (je serai là)',
    'rebook.dropOff.door': 'Devant ma porte',
    'rebook.dropOff.neighbour': 'Chez un voisin',
    'rebook.neighbour': 'Nom et numéro de porte du voisin',
    'rebook.confirm': 'Confirmer : {day}, {window}',
    'rebook.pick': 'Choisissez un jour et une heure',
    'rebook.done': 'C’est noté : votre livraison est maintenant le {day}, {window}. Une confirmation vous a été envoyée.',
    'rebook.loading': 'Chargement des jours disponibles…',
    'rebook.cancel': 'Garder ma livraison actuelle',
    'rebook.error.day_closed': 'Nous ne livrons pas ce jour-là. Choisissez-en un autre.',
    'rebook.error.beyond_horizon': 'Ce jour est trop éloigné. Choisissez-en un plus proche.',
    'rebook.error.after_cutoff': 'Il est trop tard pour ce jour. Choisissez-en un plus tard.',
    'rebook.error.window_not_offered': 'Cette heure n’est pas disponible ce jour-là. Choisissez-en une autre.',
    'rebook.error.in_the_past': 'Ce jour est passé. Choisissez-en un autre.',
    'rebook.error.neighbour_required': 'Indiquez quel voisin (nom et numéro de porte).',
    'rebook.error.on_the_way': 'Le livreur est déjà en route : la livraison ne peut plus être déplacée.',
    'rebook.error.order_closed': 'Cette livraison ne peut plus être modifiée.',
    'rebook.error.other': 'Impossible de modifier la livraison : {message}',
  },
};

/** Adds the rebooking strings to the shared catalogue (keys it already has are left alone). */
export function mergeMessages() {
  for (const [language, messages] of Object.entries(MESSAGES)) {
    if (!catalogue[language]) continue;
    for (const [key, text] of Object.entries(messages)) {
      if (!(key in catalogue[language])) catalogue[language][key] = text;
    }
  }
}

export const rebookMessages = MESSAGES;
