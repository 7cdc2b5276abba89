// Drivers and vehicles: who drives, in what, when, with which skills; what each vehicle carries and costs.
import { html } from 'lit-html';
import { language, t } from '../../shared/i18n.js';
import { ResourceScreen } from '../crud.js';
import { payloadFrom } from '../form.js';
import { api, errorText, getAll, notify, state } from '../store.js';

const PROFILES = ['van', 'car', 'truck', 'bike', 'cargo_bike'];

export const lookups = { depots: [], vehicles: [] };

export async function loadLookups() {
  [lookups.depots, lookups.vehicles] = await Promise.all([getAll('/api/v1/depots'), getAll('/api/v1/vehicles')]);
}

// The driver app and the messages to drivers have all five; the console shows English to a user of es, pt or de.
const languageOptions = () => [['en', 'English'], ['fr', 'Français'], ['es', 'Español'], ['pt', 'Português'], ['de', 'Deutsch']];
const noneOption = (label) => [['', label]];
const depotOptions = () => [...noneOption(t('a.none')), ...lookups.depots.map((d) => [d.id, d.name])];
const money = (cents) => new Intl.NumberFormat(language(), { style: 'currency', currency: state.org?.currency || 'CAD' })
  .format((cents || 0) / 100);

function driverFields(driver) {
  const fields = [
    { name: 'name', label: t('a.f.name'), required: true, get: (d) => d.user?.name, autocomplete: 'name' },
    { name: 'phone', label: t('a.f.phone'), type: 'tel', required: !driver, hint: t('a.h.phone'), autocomplete: 'tel' },
    { name: 'email', label: t('a.f.email'), type: 'email', get: (d) => d.user?.email },
    { name: 'language', label: t('a.f.language'), type: 'select', options: languageOptions(), default: 'en',
      get: (d) => d.user?.language, hint: t('a.h.language') },
    { name: 'depot_id', label: t('a.f.depot'), type: 'select', numeric: true, options: depotOptions() },
    { name: 'default_vehicle_id', label: t('a.f.defaultVehicle'), type: 'select', numeric: true,
      options: [...noneOption(t('a.none')), ...lookups.vehicles.map((v) => [v.id, v.name])] },
    { name: 'shift_start', label: t('a.f.shiftStart'), type: 'time', required: true, default: '08:00' },
    { name: 'shift_end', label: t('a.f.shiftEnd'), type: 'time', required: true, default: '18:00' },
    { name: 'skills', label: t('a.f.skills'), type: 'tags', hint: t('a.h.skills'), wide: true },
    { name: 'active', label: t('a.f.active'), type: 'checkbox', default: true },
  ];
  if (!driver) fields.splice(3, 0, { name: 'pin', label: t('a.f.pin'), type: 'password', required: true, hint: t('a.h.pin'),
    autocomplete: 'new-password' });
  return fields;
}

const USER_PART = ['name', 'email', 'phone', 'language'];
const DRIVER_PART = ['phone', 'depot_id', 'default_vehicle_id', 'shift_start', 'shift_end', 'skills', 'active'];

async function saveDriver(draft, driver) {
  const fields = driverFields(driver);
  if (!driver) return api.post('/api/v1/drivers', payloadFrom(fields, draft));
  // Name, login and language are the person's (their user); the rest is the working profile.
  const person = payloadFrom(fields, draft, { only: USER_PART });
  const user = driver.user || {};
  const changed = Object.fromEntries(Object.entries(person).filter(([name, value]) => (user[name] ?? null) !== value));
  if (Object.keys(changed).length) await api.patch(`/api/v1/users/${user.id}`, changed);
  return api.patch(`/api/v1/drivers/${driver.id}`, payloadFrom(fields, draft, { only: DRIVER_PART }));
}

function resetPinView(driver) {
  const submit = async (event) => {
    event.preventDefault();
    const input = event.target.elements.pin;
    const error = event.target.querySelector('.field-error');
    const pin = input.value.trim();
    const fail = (text) => {
      error.textContent = text;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    };
    if (!/^\d{4,8}$/.test(pin)) return fail(t('a.err.pin'));
    try {
      await api.patch(`/api/v1/users/${driver.user.id}`, { pin });
      input.value = '';
      error.textContent = '';
      input.setAttribute('aria-invalid', 'false');
      notify('ok', t('a.pinReset', { name: driver.user.name }));
    } catch (problem) {
      fail(errorText(problem));
    }
  };
  return html`<form class="reset-pin" @submit=${submit} novalidate aria-labelledby="reset-pin-title">
    <h3 id="reset-pin-title">${t('a.resetPin')}</h3>
    <p class="hint" id="reset-pin-hint">${t('a.h.resetPin')}</p>
    <div class="field"><label for="reset-pin">${t('a.f.newPin')}</label>
      <input id="reset-pin" name="pin" type="password" inputmode="numeric" autocomplete="new-password"
        aria-describedby="reset-pin-hint reset-pin-error" aria-invalid="false">
      <p class="field-error" id="reset-pin-error" aria-live="polite"></p></div>
    <button type="submit">${t('a.resetPin')}</button>
  </form>`;
}

export const drivers = new ResourceScreen({
  key: 'drivers',
  title: () => t('a.nav.drivers'),
  addLabel: () => t('a.addDriver'),
  empty: () => t('a.empty.drivers'),
  load: async () => {
    await loadLookups();
    return getAll('/api/v1/drivers');
  },
  itemLabel: (d) => d.user?.name || d.name || '',
  columns: () => [
    [t('a.f.name'), (d) => d.user?.name],
    [t('a.f.phone'), (d) => d.phone || d.user?.phone || '—'],
    [t('a.f.hours'), (d) => `${d.shift_start}–${d.shift_end}`],
    [t('a.f.defaultVehicle'), (d) => lookups.vehicles.find((v) => v.id === d.default_vehicle_id)?.name || '—'],
    [t('a.f.skills'), (d) => d.skills.join(', ') || '—'],
    [t('a.f.status'), (d) => (d.active && d.user?.active !== false ? t('a.active') : t('a.inactive'))],
  ],
  fields: driverFields,
  save: saveDriver,
  extra: (driver) => resetPinView(driver),
});

function vehicleFields() {
  const currency = state.org?.currency || 'CAD';
  return [
    { name: 'name', label: t('a.f.name'), required: true },
    { name: 'plate', label: t('a.f.plate'), empty: '' },
    { name: 'profile', label: t('a.f.profile'), type: 'select', default: 'van',
      options: PROFILES.map((p) => [p, t(`a.profile.${p}`)]) },
    { name: 'depot_id', label: t('a.f.depot'), type: 'select', numeric: true, options: depotOptions() },
    { name: 'capacity_weight_kg', label: t('a.f.capWeight'), unit: 'kg', type: 'number', min: 0, empty: 0 },
    { name: 'capacity_volume_l', label: t('a.f.capVolume'), unit: 'L', type: 'number', min: 0, empty: 0 },
    { name: 'capacity_parcels', label: t('a.f.capParcels'), type: 'number', step: 1, min: 0, empty: 0 },
    { name: 'co2_g_per_km', label: t('a.f.co2'), unit: 'g/km', type: 'number', step: 1, min: 0, empty: 0 },
    { name: 'cost_fixed_cents', label: t('a.f.costFixed'), unit: currency, type: 'money', min: 0, hint: t('a.h.costFixed') },
    { name: 'cost_per_hour_cents', label: t('a.f.costHour'), unit: currency, type: 'money', min: 0 },
    { name: 'cost_per_km_cents', label: t('a.f.costKm'), unit: currency, type: 'money', min: 0 },
    { name: 'features', label: t('a.f.features'), type: 'tags', hint: t('a.h.features') },
    { name: 'active', label: t('a.f.active'), type: 'checkbox', default: true },
  ];
}

export const vehicles = new ResourceScreen({
  key: 'vehicles',
  title: () => t('a.nav.vehicles'),
  addLabel: () => t('a.addVehicle'),
  empty: () => t('a.empty.vehicles'),
  load: async () => {
    await loadLookups();
    return lookups.vehicles;
  },
  itemLabel: (v) => v.name || '',
  columns: () => [
    [t('a.f.name'), (v) => v.name],
    [t('a.f.profile'), (v) => t(`a.profile.${v.profile}`)],
    [t('a.f.capacity'), (v) => t('a.capacity', { kg: v.capacity_weight_kg, parcels: v.capacity_parcels })],
    [t('a.f.costKm'), (v) => money(v.cost_per_km_cents)],
    [t('a.f.co2'), (v) => `${v.co2_g_per_km} g/km`],
    [t('a.f.status'), (v) => (v.active ? t('a.active') : t('a.inactive'))],
  ],
  fields: vehicleFields,
  save: (draft, vehicle) => (vehicle
    ? api.patch(`/api/v1/vehicles/${vehicle.id}`, payloadFrom(vehicleFields(), draft))
    : api.post('/api/v1/vehicles', payloadFrom(vehicleFields(), draft))),
});

