// Depots: where routes start and end, their opening hours and the time zone every time of the day is shown in.
// The depot's place is found from its address when the server has a geocoder, or set by a click on the map
// (the pin can be dragged); typing the coordinates stays possible.
import { html, nothing } from 'lit-html';
import { t } from '../../shared/i18n.js';
import { ResourceScreen } from '../crud.js';
import { payloadFrom } from '../form.js';
import { api, errorText, getAll, update } from '../store.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const zones = () => (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : ['UTC']);
const guessedZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
/** Every zone the browser knows, with the browser's own (which may be 'UTC', not in that list) and the depot's. */
function zoneOptions(current) {
  const list = zones();
  const extra = [guessedZone(), current].filter((zone) => zone && !list.includes(zone));
  return [...new Set(extra), ...list].map((zone) => [zone, zone]);
}

/** "08:00-12:00, 13:00-18:00" <-> [["08:00","12:00"],["13:00","18:00"]]; an empty day is closed. */
const spansText = (spans) => (spans || []).map(([open, close]) => `${open}-${close}`).join(', ');
function spansFrom(text) {
  return String(text || '').split(',').map((part) => part.trim()).filter(Boolean)
    .map((part) => part.split(/\s*[-–]\s*/).map((clock) => clock.trim().padStart(5, '0')));
}

// The server's map settings: its tiles, and whether an address search (geocoder) is configured.
let mapSettings = null;
let search = null; // null | {busy} | {text, bad}
let pin = { map: null, marker: null, element: null };

async function loadMapSettings() {
  try {
    mapSettings = await api.get('/api/v1/dispatch/settings');
  } catch {
    mapSettings = { geocoder: false };
  }
  update();
}

const coordinate = (text) => {
  const number = Number(String(text ?? '').replace(',', '.'));
  return String(text ?? '').trim() !== '' && Number.isFinite(number) ? number : null;
};

function placePin(lat, lon) {
  const screen = depots;
  if (!screen.draft) return;
  screen.onInput('lat', lat.toFixed(6));
  screen.onInput('lon', lon.toFixed(6));
  update();
}

/** After each render: the map follows the editor (made when it opens, removed when it closes) and the draft. */
async function syncMap() {
  const element = document.querySelector('[data-testid=depot-map]');
  if (pin.map && pin.element !== element) {
    pin.map.destroy();
    pin = { map: null, marker: null, element: null };
  }
  if (!element || !depots.draft) return;
  const { MapView } = await import('../../shared/map.js');
  const L = (await import('leaflet')).default;
  const lat = coordinate(depots.draft.lat);
  const lon = coordinate(depots.draft.lon);
  const here = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lat, lon] : null;
  if (!pin.map) {
    if (element !== document.querySelector('[data-testid=depot-map]')) return; // closed meanwhile
    pin.element = element;
    // A new depot: the map opens around the organization's other depots (the whole world for the first one).
    const near = depots.items?.find((depot) => depot.lat != null);
    pin.map = new MapView(element, { tileUrl: mapSettings?.tile_url, attribution: mapSettings?.tile_attribution,
      center: here || (near ? [near.lat, near.lon] : [20, 0]), zoom: here ? 15 : (near ? 10 : 2), animate: false });
    pin.map.map.on('click', (event) => placePin(event.latlng.lat, event.latlng.lng));
  }
  if (!here) return;
  if (!pin.marker) {
    pin.marker = L.marker(here, { draggable: true, keyboard: true, title: t('a.depot.pinTitle'),
      icon: L.divIcon({ className: 'pin-icon', html: '', iconSize: [18, 18] }) }).addTo(pin.map.map);
    pin.marker.on('dragend', () => { const at = pin.marker.getLatLng(); placePin(at.lat, at.lng); });
    pin.map.show(here, 15);
  } else {
    const at = pin.marker.getLatLng();
    if (Math.abs(at.lat - here[0]) > 1e-7 || Math.abs(at.lng - here[1]) > 1e-7) {
      pin.marker.setLatLng(here);
      pin.map.panTo(here);
    }
  }
}

async function findAddress() {
  const address = String(depots.draft?.address || '').trim();
  if (!address) {
    search = { text: t('a.depot.typeAddress'), bad: true };
    update();
    return;
  }
  search = { busy: true };
  update();
  try {
    const found = await api.get(`/api/v1/dispatch/address-search?q=${encodeURIComponent(address)}`);
    if (found.found) {
      search = { text: t('a.depot.found', { name: found.display_name || address }) };
      placePin(found.lat, found.lon);
    } else {
      search = { text: t('a.depot.notFound'), bad: true };
    }
  } catch (error) {
    search = { text: errorText(error), bad: true };
  }
  update();
}

function placeView() {
  if (mapSettings === null) loadMapSettings();
  setTimeout(syncMap);
  return html`<div class="depot-place">
    ${mapSettings?.geocoder ? html`<button type="button" data-testid="find-address" ?disabled=${search?.busy}
      @click=${findAddress}>${search?.busy ? t('a.depot.finding') : t('a.depot.find')}</button>` : nothing}
    <p class="hint" id="depot-place-hint">${mapSettings?.geocoder ? t('a.depot.hintSearch') : t('a.depot.hintMap')}</p>
    <p role="status" class=${search?.bad ? 'field-error' : 'found'} data-testid="address-result">${search?.text || ''}</p>
    <div class="pin-map" data-testid="depot-map" role="application" aria-label=${t('a.depot.map')}
      aria-describedby="depot-place-hint"></div>
  </div>`;
}

function depotFields() {
  return [
    { name: 'name', label: t('a.f.name'), required: true },
    { name: 'address', label: t('a.f.address'), empty: '', wide: true },
    { name: 'place', type: 'custom', send: false, render: placeView },
    { name: 'lat', label: t('a.f.lat'), type: 'number', required: true, min: -90, max: 90, hint: t('a.h.latlon') },
    { name: 'lon', label: t('a.f.lon'), type: 'number', required: true, min: -180, max: 180 },
    { name: 'timezone', label: t('a.f.timezone'), type: 'select', required: true, default: guessedZone(),
      options: zoneOptions(depots?.draft?.timezone) },
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

// A new editor starts without the last one's search result.
const open = depots.open.bind(depots);
depots.open = (id) => {
  search = null;
  open(id);
};
