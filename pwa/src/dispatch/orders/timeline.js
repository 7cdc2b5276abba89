// An order's event log in plain words ("On the way", "Not delivered: nobody home"), never internal codes.
import { t } from '../../shared/i18n.js';
import { formatDate, formatTime } from '../../shared/time.js';

const KNOWN = new Set(['updated', 'pin_corrected', 'rescheduled_to', 'eta_changed', 'late_alert', 'next_stop', 'rated',
  'reassigned', 'instructions_updated', 'conflict']);

export function statusName(status) {
  return status ? t(`o.statusName.${status}`) : '';
}

export function failureName(reason) {
  return reason ? t(`o.failure.${reason}`) : '';
}

/** One event of GET /orders/<id>/events as a sentence in the user's language. */
export function describeEvent(event, timeZone) {
  const details = event.details || {};
  if (event.type === 'status') {
    if (event.to_status === 'failed') return t('o.ev.status.failed', { reason: failureName(details.reason) || t('o.failure.other') });
    return t('o.ev.status', { status: statusName(event.to_status) });
  }
  if (event.type === 'created') return t(details.source === 'csv' ? 'o.ev.created.csv' : 'o.ev.created');
  if (event.type === 'rebooked') return t('o.ev.rebooked', { day: details.date ? formatDate(`${details.date}T12:00:00Z`, 'UTC') : '' });
  if (!KNOWN.has(event.type)) return t('o.ev.other', { type: event.type.replace(/_/g, ' ') });
  const fields = (details.fields || []).map((name) => t(`o.field.${name}`)).filter((v, i, all) => all.indexOf(v) === i);
  return t(`o.ev.${event.type}`, {
    fields: fields.join(', '),
    day: details.to ? formatDate(`${details.to}T12:00:00Z`, 'UTC') : '',
    time: formatTime(details.eta, timeZone),
    score: details.score ?? '',
    message: details.message || '',
  });
}

/** Who did it, in words ("by the driver", "automatically"). */
export function describeActor(event) {
  const kind = event.actor_type;
  if (kind === 'user' && event.type === 'status' && ['out_for_delivery', 'arrived', 'delivered', 'failed'].includes(event.to_status)) {
    return t('o.ev.by.driver');
  }
  if (kind === 'user') return '';
  return ['system', 'customer', 'api_key'].includes(kind) ? t(`o.ev.by.${kind}`) : '';
}
