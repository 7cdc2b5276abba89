// The order panel's Notifications list in plain words: "Text message: Delivery scheduled, to +1 514…,
// waiting to be sent (Mon. Nov. 30, 14:02)" instead of the outbox's codes (sms · scheduled → … pending).
import { html, nothing } from 'lit-html';
import { catalogue, language, t } from '../../shared/i18n.js';

export const NOTIFICATION_MESSAGES = {
  en: {
    'n.channel.sms': 'Text message',
    'n.channel.email': 'Email',
    'n.channel.push': 'App notification',
    'n.channel.webhook': 'Webhook',
    'n.kind.scheduled': 'Delivery scheduled',
    'n.kind.out_for_delivery': 'Out for delivery',
    'n.kind.approaching': 'Driver approaching',
    'n.kind.delayed': 'Delivery delayed',
    'n.kind.delivered': 'Delivered',
    'n.kind.failed': 'Delivery failed',
    'n.kind.rebooked': 'Rebooking confirmed',
    'n.kind.dispatcher_reply': 'Your answer',
    'n.kind.event': 'Event “{type}”',
    'n.status.pending': 'waiting to be sent',
    'n.status.pendingAt': 'waiting to be sent at {time}',
    'n.status.pendingSince': 'waiting to be sent since {time}',
    'n.status.sending': 'being sent',
    'n.status.sent': 'sent {time}',
    'n.status.delivered': 'delivered {time}',
    'n.status.failed': 'could not be sent',
    'n.status.failedBecause': 'could not be sent: {reason}',
    'n.status.cancelled': 'not sent (no longer needed, or the customer opted out)',
    'n.status.suppressed': 'not sent (practice organization)',
    'n.state.sent': 'sent',
    'n.state.delivered': 'delivered',
    'n.line': '{channel}: {kind}, to {destination}, {status}',
  },
  fr: {
    'n.channel.sms': 'Texto',
    'n.channel.email': 'Courriel',
    'n.channel.push': "Notification de l'app",
    'n.channel.webhook': 'Webhook',
    'n.kind.scheduled': 'Livraison planifiée',
    'n.kind.out_for_delivery': 'En route',
    'n.kind.approaching': 'Livreur tout proche',
    'n.kind.delayed': 'Livraison retardée',
    'n.kind.delivered': 'Livrée',
    'n.kind.failed': 'Livraison impossible',
    'n.kind.rebooked': 'Report confirmé',
    'n.kind.dispatcher_reply': 'Votre réponse',
    'n.kind.event': 'Événement « {type} »',
    'n.status.pending': "en attente d'envoi",
    'n.status.pendingAt': "en attente d'envoi à {time}",
    'n.status.pendingSince': "en attente d'envoi depuis {time}",
    'n.status.sending': "en cours d'envoi",
    'n.status.sent': 'envoyé {time}',
    'n.status.delivered': 'reçu {time}',
    'n.status.failed': "n'a pas pu être envoyé",
    'n.status.failedBecause': "n'a pas pu être envoyé : {reason}",
    'n.status.cancelled': "non envoyé (plus nécessaire, ou le client s'est désabonné)",
    'n.status.suppressed': "non envoyé (organisation d'entraînement)",
    'n.state.sent': 'envoyé',
    'n.state.delivered': 'reçu',
    'n.line': '{channel} : {kind}, à {destination}, {status}',
  },
};

/** Adds these strings to the shared catalogue (keys it already has are left alone). */
export function mergeNotificationMessages() {
  for (const [lang, messages] of Object.entries(NOTIFICATION_MESSAGES)) {
    if (!catalogue[lang]) continue;
    for (const [key, text] of Object.entries(messages)) {
      if (!(key in catalogue[lang])) catalogue[lang][key] = text;
    }
  }
}

const LOCALES = { en: 'en-CA', fr: 'fr-CA' };

/** A day and time in the depot's zone ("Mon, Nov 30, 14:02"): a message may be from another day. */
export function formatWhen(iso, timeZone) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const options = { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false };
  try {
    return new Intl.DateTimeFormat(LOCALES[language()] || language(), { timeZone, ...options }).format(date);
  } catch {
    return new Intl.DateTimeFormat(LOCALES[language()] || language(), options).format(date); // an unknown zone name
  }
}

const has = (key) => key in (catalogue[language()] || {}) || key in catalogue.en;

/** What a message says, in words ("Delivery scheduled"); a webhook's event type as it is named. */
export function kindName(kind) {
  if (has(`n.kind.${kind}`)) return t(`n.kind.${kind}`);
  return t('n.kind.event', { type: String(kind || '').replace(/[._]/g, ' ') }); // a webhook's event type
}

function statusWords(n, timeZone) {
  const when = (iso) => formatWhen(iso, timeZone);
  switch (n.status) {
    case 'pending': // due later (quiet hours, a retry) or already due and queued
      if (n.next_attempt_at && new Date(n.next_attempt_at) > Date.now()) return t('n.status.pendingAt', { time: when(n.next_attempt_at) });
      return n.created_at ? t('n.status.pendingSince', { time: when(n.created_at) }) : t('n.status.pending');
    case 'sent': return t('n.status.sent', { time: when(n.sent_at || n.created_at) });
    case 'delivered': return t('n.status.delivered', { time: when(n.delivered_at || n.sent_at || n.created_at) });
    case 'failed': return n.last_error ? t('n.status.failedBecause', { reason: n.last_error }) : t('n.status.failed');
    default: return has(`n.status.${n.status}`) ? t(`n.status.${n.status}`) : String(n.status || '');
  }
}

/** Where a message stands, in one or two words ("waiting to be sent", "sent"). */
export function statusWord(status) {
  if (has(`n.state.${status}`)) return t(`n.state.${status}`);
  return has(`n.status.${status}`) ? t(`n.status.${status}`) : String(status || '');
}

/** One outbox message as a sentence in the user's language. */
export function describeNotification(n, timeZone) {
  const channel = has(`n.channel.${n.channel}`) ? t(`n.channel.${n.channel}`) : String(n.channel || '');
  return t('n.line', { channel, kind: kindName(n.kind), destination: n.destination || '', status: statusWords(n, timeZone) });
}

export function notificationsView(notifications, timeZone) {
  if (!notifications) return nothing;
  return html`<h3>${t('d.order.notifications')}</h3>
    ${notifications.length ? html`<ul data-testid="notifications">${notifications.map((n) => html`<li data-status=${n.status}
        title=${n.provider_status || nothing}>${describeNotification(n, timeZone)}</li>`)}</ul>`
      : html`<p>${t('d.order.noNotification')}</p>`}`;
}
