// Lateness in the console: stops planned after their window (and why), and late-risk alerts kept as one
// line per route that updates, never one line per stop. Finished stops are never "at risk".
import { html, nothing } from 'lit-html';
import { catalogue, t, tn } from '../shared/i18n.js';

const MESSAGES = {
  en: {
    'd.late.passed': 'Planned late: its window had ended ({end}) when the route was planned',
    'd.late.by': 'Planned {minutes} min after its window (ends {end})',
    'd.late.plan.one': '1 stop planned after its window: it is flagged on its route.',
    'd.late.plan.other': '{count} stops planned after their window: they are flagged on their routes.',
    'd.late.afterShift': 'Planned after the end of the shift (routes start now): {drivers}',
    'd.late.feed.one': '{driver}: 1 stop at risk of missing its window — {stops}',
    'd.late.feed.other': '{driver}: {count} stops at risk of missing their window — {stops}',
    'd.late.feedStop': '{address} (ETA {eta}, window ends {end})',
  },
  fr: {
    'd.late.passed': 'Prévu en retard : sa plage était déjà finie ({end}) quand la tournée a été planifiée',
    'd.late.by': 'Prévu {minutes} min après sa plage (fin {end})',
    'd.late.plan.one': '1 arrêt prévu après sa plage : il est signalé sur sa tournée.',
    'd.late.plan.other': '{count} arrêts prévus après leur plage : ils sont signalés sur leurs tournées.',
    'd.late.afterShift': 'Planifié après la fin du quart (les tournées partent maintenant) : {drivers}',
    'd.late.feed.one': '{driver} : 1 arrêt risque de manquer sa plage — {stops}',
    'd.late.feed.other': '{driver} : {count} arrêts risquent de manquer leur plage — {stops}',
    'd.late.feedStop': '{address} (HPA {eta}, fin de plage {end})',
  },
};

export function mergeLatenessMessages() {
  for (const [language, messages] of Object.entries(MESSAGES)) {
    if (!catalogue[language]) continue;
    for (const [key, text] of Object.entries(messages)) {
      if (!(key in catalogue[language])) catalogue[language][key] = text;
    }
  }
}

/** The badge of a stop the plan puts after its window (the server's planned_late), or nothing. */
export function plannedLateView(stop, time) {
  const late = stop.planned_late;
  if (!late || stop.status !== 'pending') return nothing;
  const end = time(late.window_end);
  const text = late.window_passed ? t('d.late.passed', { end })
    : t('d.late.by', { minutes: Math.max(1, Math.round(late.late_by_s / 60)), end });
  return html`<strong class="risk planned-late" data-testid="planned-late">${text}</strong>`;
}

/** The plan's answer: how many stops it had to put after their window, and whose shift was over. */
export function planLatenessView(result, driverName) {
  if (!result) return nothing;
  const late = result.late || [];
  const afterShift = result.after_shift_driver_ids || [];
  return html`${late.length ? html`<p class="late" data-testid="plan-late">${tn('d.late.plan', late.length)}</p>` : nothing}
    ${afterShift.length ? html`<p class="late" data-testid="plan-after-shift">${t('d.late.afterShift', {
    drivers: afterShift.map(driverName).join(', ') })}</p>` : nothing}`;
}

/** The feed line of a route's late-risk alert: every stop of it still to do now at risk, in one line. */
export function lateRouteText(alert, driver, time) {
  const stops = (alert.stops || []).slice(0, 3).map((s) => t('d.late.feedStop', {
    address: s.address, eta: time(s.eta), end: time(s.window_end) })).join('; ');
  const more = (alert.stops || []).length > 3 ? ' …' : '';
  return tn('d.late.feed', alert.count ?? (alert.stops || []).length, { driver, stops: stops + more });
}
