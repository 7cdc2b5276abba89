// Depots: where routes start and end, their opening hours and the time zone every time of the day is shown in.
import { t } from '../../shared/i18n.js';
import { ResourceScreen } from '../crud.js';
import { payloadFrom } from '../form.js';
import { api, getAll } from '../store.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const zones = () => (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : ['UTC']);
const guessedZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** "08:00-12:00, 13:00-18:00" <-> [["08:00","12:00"],["13:00","18:00"]]; an empty day is closed. */
const spansText = (spans) => (spans || []).map(([open, close]) => `${open}-${close}`).join(', ');
function spansFrom(text) {
  return String(text || '').split(',').map((part) => part.trim()).filter(Boolean)
    .map((part) => part.split(/\s*[-–]\s*/).map((clock) => clock.trim().padStart(5, '0')));
}

function depotFields() {
  return [
    { name: 'name', label: t('a.f.name'), required: true },
    { name: 'address', label: t('a.f.address'), empty: '', wide: true },
    { name: 'lat', label: t('a.f.lat'), type: 'number', required: true, min: -90, max: 90, hint: t('a.h.latlon') },
    { name: 'lon', label: t('a.f.lon'), type: 'number', required: true, min: -180, max: 180 },
    { name: 'timezone', label: t('a.f.timezone'), type: 'select', required: true, default: guessedZone(),
      options: zones().map((zone) => [zone, zone]) },
    ...DAYS.map((day) => ({ name: `hours_${day}`, label: t(`a.day.${day}`), send: false, hint: day === 'mon' ? t('a.h.hours') : '',
      get: (depot) => spansText(depot.opening_hours?.[day]) })),
    { name: 'active', label: t('a.f.active'), type: 'checkbox', default: true },
  ];
}

function depotPayload(draft) {
  const payload = payloadFrom(depotFields(), draft);
  payload.opening_hours = Object.fromEntries(DAYS.map((day) => [day, spansFrom(draft[`hours_${day}`])])
    .filter(([, spans]) => spans.length));
  return payload;
}

export const depots = new ResourceScreen({
  key: 'depots',
  title: () => t('a.nav.depots'),
  addLabel: () => t('a.addDepot'),
  empty: () => t('a.empty.depots'),
  load: () => getAll('/api/v1/depots'),
  itemLabel: (d) => d.name || '',
  columns: () => [
    [t('a.f.name'), (d) => d.name],
    [t('a.f.address'), (d) => d.address || '—'],
    [t('a.f.timezone'), (d) => d.timezone],
    [t('a.f.status'), (d) => (d.active ? t('a.active') : t('a.inactive'))],
  ],
  fields: depotFields,
  save: (draft, depot) => (depot ? api.patch(`/api/v1/depots/${depot.id}`, depotPayload(draft))
    : api.post('/api/v1/depots', depotPayload(draft))),
});
