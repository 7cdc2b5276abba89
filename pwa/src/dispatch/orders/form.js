// One order in a form: create, edit, duplicate. The address is searched when the server has a geocoder;
// otherwise (or to correct it) the pin is placed on a small map. The server's field errors show next to
// their fields and the typed values stay; an urgent order goes straight to the suggested insertion.
import { html, nothing } from 'lit-html';
import { ApiError, get, post, request } from '../../shared/api.js';
import { t } from '../../shared/i18n.js';
import { formatTime } from '../../shared/time.js';
import { loadBoard } from '../actions.js';
import { suggestInsertion } from '../changes.js';
import { errorMessage, state, timeZone, update } from '../store.js';

export const form = { open: null }; // { mode, order, values, errors, message, busy, search }
// The pickup end of a return or a pickup-then-delivery order (the API's `pickup` object).
const PICKUP_FIELDS = ['pickup_address', 'pickup_lat', 'pickup_lon', 'pickup_window_start', 'pickup_window_end',
  'pickup_name', 'pickup_phone'];
const TYPES = ['delivery', 'return', 'pickup_delivery'];

const FIELDS = ['external_ref', 'address', 'lat', 'lon', 'delivery_date', 'window_start', 'window_end', 'recipient_name',
  'recipient_phone', 'recipient_email', 'parcels', 'weight_kg', 'service_min', 'priority', 'notes', 'delivery_instructions',
  'type', ...PICKUP_FIELDS];
let pinMap = null;
let pinMarker = null;

function valuesOf(order, mode) {
  const window = order?.time_windows?.[0];
  const zone = timeZone();
  return {
    external_ref: mode === 'edit' ? order.external_ref : (mode === 'copy' ? `${order.external_ref}-2` : ''),
    address: order?.address || '',
    lat: order?.lat != null ? String(order.lat) : '',
    lon: order?.lon != null ? String(order.lon) : '',
    delivery_date: mode === 'edit' ? (order?.delivery_date || '') : (order?.delivery_date || state.date || ''),
    window_start: window ? formatTime(window.start, zone) : '',
    window_end: window ? formatTime(window.end, zone) : '',
    recipient_name: order?.recipient?.name || '',
    recipient_phone: order?.recipient?.phone || '',
    recipient_email: order?.recipient?.email || '',
    parcels: mode === 'edit' ? (order?.parcels || []).map((p) => p.barcode).join('\n') : '',
    weight_kg: order ? String(order.weight_kg ?? 0) : '0',
    service_min: order ? String(Math.round((order.service_time_s ?? 300) / 60)) : '5',
    priority: order ? String(order.priority ?? 0) : '0',
    notes: order?.notes || '',
    delivery_instructions: order?.delivery_instructions || '',
    urgent: false,
    ...pickupValuesOf(order?.type || 'delivery', order?.pickup, zone),
    ...(order?.type === 'return' ? {
      service_min: String(Math.round((order.pickup?.service_time_s ?? 300) / 60)),
      delivery_instructions: order.pickup?.instructions || '',
    } : {}),
  };
}

function pickupValuesOf(type, pickup, zone) {
  const window = pickup?.time_windows?.[0];
  return {
    type,
    pickup_address: pickup?.address || '',
    pickup_lat: pickup?.lat != null ? String(pickup.lat) : '',
    pickup_lon: pickup?.lon != null ? String(pickup.lon) : '',
    pickup_window_start: window ? formatTime(window.start, zone) : '',
    pickup_window_end: window ? formatTime(window.end, zone) : '',
    pickup_name: pickup?.contact?.name || '',
    pickup_phone: pickup?.contact?.phone || '',
  };
}

export function openForm(mode, order = null) {
  form.open = { mode, order, values: valuesOf(order, mode), errors: {}, message: null, busy: false, search: null };
  update();
  setTimeout(() => { document.querySelector('[data-testid=order-form] input[name=external_ref]')?.focus(); showPinMap(); });
}

function closeForm() {
  form.open = null;
  pinMap?.destroy();
  pinMap = null;
  pinMarker = null;
  update();
  document.querySelector('[data-testid=order-new]')?.focus();
}

async function showPinMap() {
  const element = document.querySelector('[data-testid=pin-map]');
  if (!element || pinMap) return;
  const { MapView } = await import('../../shared/map.js');
  const depot = state.depots.find((d) => d.id === state.depotId) || state.depots[0];
  const values = form.open?.values;
  const start = values?.lat ? [Number(values.lat), Number(values.lon)] : (depot ? [depot.lat, depot.lon] : undefined);
  pinMap = new MapView(element, { tileUrl: state.settings?.tile_url, attribution: state.settings?.tile_attribution,
    center: start, zoom: values?.lat ? 15 : 11, animate: false });
  pinMap.map.on('click', (event) => placePin(event.latlng.lat, event.latlng.lng));
  if (values?.lat) drawPin();
}

async function drawPin() {
  if (!pinMap || !form.open) return;
  const L = (await import('leaflet')).default;
  const point = [Number(form.open.values.lat), Number(form.open.values.lon)];
  if (!pinMarker) {
    pinMarker = L.marker(point, { draggable: true, keyboard: true, title: t('o.form.pinHint'),
      icon: L.divIcon({ className: 'pin-icon', html: '', iconSize: [18, 18] }) }).addTo(pinMap.map);
    pinMarker.on('dragend', () => { const at = pinMarker.getLatLng(); placePin(at.lat, at.lng, false); });
  } else {
    pinMarker.setLatLng(point);
  }
  pinMap.panTo(point);
}

function placePin(lat, lon, redraw = true) {
  if (!form.open) return;
  form.open.values.lat = lat.toFixed(6);
  form.open.values.lon = lon.toFixed(6);
  delete form.open.errors.lat;
  delete form.open.errors.lon;
  update();
  if (redraw) drawPin();
}

async function findAddress() {
  const open = form.open;
  if (!open.values.address.trim()) return;
  open.search = { busy: true };
  update();
  try {
    const found = await get(`/api/v1/dispatch/address-search?q=${encodeURIComponent(open.values.address)}`);
    open.search = found.found ? { text: t('o.form.found', { name: found.display_name || open.values.address }) }
      : { text: t('o.form.notFound'), bad: true };
    if (found.found) placePin(found.lat, found.lon);
  } catch (error) {
    open.search = { text: errorMessage(error), bad: true };
  }
  update();
}

/** The server's errors ({field: [...]} with nested recipient and windows) on the form's inputs. */
function fieldErrors(fields) {
  const errors = {};
  const add = (name, messages) => {
    const list = Array.isArray(messages) ? messages.flat(3).map(String)
      : Object.values(messages || {}).flat(3).map(String);
    errors[name] = [...(errors[name] || []), ...list];
  };
  for (const [name, messages] of Object.entries(fields || {})) {
    if (name === 'pickup' && messages && !Array.isArray(messages)) {
      for (const [part, list] of Object.entries(messages)) {
        const target = { time_windows: 'pickup_window_start', contact: 'pickup_name' }[part] || `pickup_${part}`;
        add(PICKUP_FIELDS.includes(target) ? target : 'pickup_address', list);
      }
    } else if (name.startsWith('pickup.')) add(name === 'pickup.time_windows' ? 'pickup_window_start' : 'pickup_address', messages);
    else if (name === 'pickup') add('pickup_address', messages);
    else if (name === 'recipient' && messages && !Array.isArray(messages)) {
      for (const [part, list] of Object.entries(messages)) add(`recipient_${part === 'name' ? 'name' : part}`, list);
    } else if (name === 'time_windows') add('window_start', messages);
    else if (name === 'service_time_s') add('service_min', messages);
    else if (name === 'recipient_id') add('recipient_name', messages);
    else add(FIELDS.includes(name) ? name : '_form', messages);
  }
  return errors;
}

function bodyOf(values, mode) {
  const body = {
    address: values.address.trim(),
    delivery_date: values.delivery_date || null,
    weight_kg: Number(values.weight_kg || 0),
    service_time_s: Math.round(Number(values.service_min || 0) * 60),
    priority: Number(values.priority || 0),
    notes: values.notes,
    delivery_instructions: values.delivery_instructions,
    parcels: values.parcels.split(/\s*\n\s*/).map((v) => v.trim()).filter(Boolean),
  };
  if (mode !== 'edit') body.external_ref = values.external_ref.trim();
  if (values.lat !== '' && values.lon !== '') Object.assign(body, { lat: Number(values.lat), lon: Number(values.lon) });
  if (values.window_start || values.window_end) {
    body.time_windows = [{ start: values.window_start, end: values.window_end }];
  } else if (mode === 'edit') body.time_windows = [];
  if (values.recipient_name || values.recipient_phone || values.recipient_email) {
    body.recipient = { name: values.recipient_name || values.recipient_phone || values.recipient_email };
    if (values.recipient_phone) body.recipient.phone = values.recipient_phone;
    if (values.recipient_email) body.recipient.email = values.recipient_email;
  }
  if (mode === 'edit' && !body.delivery_date) delete body.delivery_date;
  if (mode !== 'edit') body.type = values.type;
  if (values.type !== 'delivery') body.pickup = pickupOf(values);
  if (values.type === 'return') {
    // A return goes back to the depot: the customer is the pickup's contact, the delivery end is not given, and
    // the time at the door and the driver's instructions are the collection's.
    for (const name of ['address', 'lat', 'lon', 'time_windows', 'recipient']) delete body[name];
    Object.assign(body.pickup, { service_time_s: body.service_time_s, instructions: body.delivery_instructions });
    delete body.delivery_instructions;
  }
  return body;
}

function pickupOf(values) {
  const pickup = { address: values.pickup_address.trim(), time_windows: [] };
  if (values.pickup_lat !== '' && values.pickup_lon !== '') {
    Object.assign(pickup, { lat: Number(values.pickup_lat), lon: Number(values.pickup_lon) });
  }
  if (values.pickup_window_start || values.pickup_window_end) {
    pickup.time_windows = [{ start: values.pickup_window_start, end: values.pickup_window_end }];
  }
  if (values.pickup_name || values.pickup_phone) {
    pickup.contact = { name: values.pickup_name || values.pickup_phone };
    if (values.pickup_phone) pickup.contact.phone = values.pickup_phone;
  }
  return pickup;
}

/** What the browser can say before asking the server; the server checks everything again. */
function localErrors(values, mode) {
  const errors = {};
  if (mode !== 'edit' && !values.external_ref.trim()) errors.external_ref = [t('o.form.required')];
  if (values.type !== 'return' && values.address.trim().length < 3) errors.address = [t('o.form.required')];
  if (values.type !== 'delivery') {
    if (values.pickup_address.trim().length < 3) errors.pickup_address = [t('o.form.required')];
    if (Boolean(values.pickup_window_start) !== Boolean(values.pickup_window_end)) errors.pickup_window_start = [t('o.form.windowBoth')];
    else if (values.pickup_window_start && values.pickup_window_end <= values.pickup_window_start) errors.pickup_window_start = [t('o.form.windowOrder')];
    if ((values.pickup_lat === '' || values.pickup_lon === '') && !state.settings?.geocoder) errors.pickup_lat = [t('o.form.pickupPinMissing')];
  }
  if (Boolean(values.window_start) !== Boolean(values.window_end)) errors.window_start = [t('o.form.windowBoth')];
  else if (values.window_start && values.window_end <= values.window_start) errors.window_start = [t('o.form.windowOrder')];
  if (values.type !== 'return' && (values.lat === '' || values.lon === '') && !state.settings?.geocoder) errors.lat = [t('o.form.pinMissing')];
  return errors;
}

async function save(event) {
  event.preventDefault();
  const open = form.open;
  const { mode, values } = open;
  open.errors = localErrors(values, mode);
  open.message = null;
  if (Object.keys(open.errors).length) {
    open.message = t('o.form.errors');
    update();
    focusFirstError();
    return;
  }
  open.busy = true;
  update();
  try {
    const body = bodyOf(values, mode);
    let saved;
    if (mode === 'edit') {
      saved = await request('PATCH', `/api/v1/orders/${open.order.id}`, { json: body });
    } else {
      const existing = await get(`/api/v1/orders?external_ref=${encodeURIComponent(body.external_ref)}`);
      if (existing.total) {
        open.errors = { external_ref: [t('o.form.refTaken', { ref: body.external_ref })] };
        throw null;
      }
      saved = await post('/api/v1/orders', body);
    }
    const urgent = values.urgent && mode !== 'edit';
    const { desk, loadOrders } = await import('./desk.js');
    closeForm();
    state.notice = { kind: 'ok', text: t(mode === 'edit' ? 'o.saved' : 'o.created', { ref: saved.external_ref }) };
    desk.result = null;
    if (urgent) await insertUrgently(saved);
    else await loadOrders();
  } catch (error) {
    if (error instanceof ApiError && error.fields) open.errors = fieldErrors(error.fields);
    if (error) open.message = error instanceof ApiError && error.fields ? t('o.form.errors') : errorMessage(error);
    else open.message = t('o.form.errors');
    open.busy = false;
    update();
    focusFirstError();
  }
}

/** The urgent path: the day of the order on the Plan tab, with the suggested insertion to confirm. */
async function insertUrgently(order) {
  state.tab = 'plan';
  if (order.delivery_date && order.delivery_date !== state.date) state.date = order.delivery_date;
  await loadBoard();
  if (!state.board.routes.length) {
    state.notice = { kind: 'error', text: t('o.form.urgentNoRoute', { day: state.date }) };
    update();
    return;
  }
  await suggestInsertion(order);
}

function focusFirstError() {
  setTimeout(() => document.querySelector('[data-testid=order-form] [aria-invalid=true]')?.focus());
}

function field(name, label, { type = 'text', required = false, attrs = {}, textarea = false } = {}) {
  const open = form.open;
  const errors = open.errors[name] || [];
  const input = (e) => { open.values[name] = e.target.value; };
  const describedBy = errors.length ? `err-${name}` : nothing;
  return html`<label class=${textarea ? 'wide' : ''}>${label}${textarea
    ? html`<textarea name=${name} rows="3" .value=${open.values[name]} @input=${input} aria-invalid=${errors.length ? 'true' : 'false'}
        aria-describedby=${describedBy}></textarea>`
    : html`<input name=${name} type=${type} .value=${open.values[name]} @input=${input} ?required=${required}
        aria-invalid=${errors.length ? 'true' : 'false'} aria-describedby=${describedBy}
        step=${attrs.step ?? nothing} min=${attrs.min ?? nothing} max=${attrs.max ?? nothing}>`}
    ${errors.length ? html`<span class="field-error" id="err-${name}" data-testid="error-${name}">${errors.join(' ')}</span>` : nothing}</label>`;
}

export function formView() {
  const open = form.open;
  if (!open) return nothing;
  const { mode, order, values } = open;
  const title = mode === 'edit' ? t('o.form.edit', { ref: order.external_ref })
    : mode === 'copy' ? t('o.form.copy', { ref: order.external_ref }) : t('o.form.new');
  const pinErrors = [...(open.errors.lat || []), ...(open.errors.lon || [])];
  return html`<div class="form-backdrop"><form class="order-form" role="dialog" aria-modal="true" aria-labelledby="order-form-title"
      data-testid="order-form" novalidate @submit=${save} @keydown=${(e) => e.key === 'Escape' && closeForm()}>
    <h2 id="order-form-title">${title}</h2>
    ${open.message ? html`<p class="error" role="alert" data-testid="form-message">${open.message}</p>` : nothing}
    <div class="grid">
      ${mode === 'edit' ? nothing : field('external_ref', t('o.form.ref'), { required: true })}
      <label>${t('o.form.type')}<select name="type" data-testid="order-type" ?disabled=${mode === 'edit'}
        @change=${(e) => { values.type = e.target.value; update(); }}>
        ${TYPES.map((type) => html`<option value=${type} ?selected=${values.type === type}>${t(`o.type.${type}`)}</option>`)}
      </select></label>
      ${values.type === 'delivery' ? nothing : html`<fieldset class="wide" data-testid="pickup-fields"><legend>${t('o.form.pickup')}</legend>
        <div class="grid">
          <div class="wide">${field('pickup_address', t('o.form.pickupAddress'), { required: true })}</div>
          ${field('pickup_lat', t('o.form.pickupLat'), { type: 'number', attrs: { step: 'any', min: -90, max: 90 } })}
          ${field('pickup_lon', t('o.form.pickupLon'), { type: 'number', attrs: { step: 'any', min: -180, max: 180 } })}
          ${field('pickup_window_start', t('o.form.pickupWindowStart'), { type: 'time' })}
          ${field('pickup_window_end', t('o.form.pickupWindowEnd'), { type: 'time' })}
          ${field('pickup_name', t('o.form.sender'))}
          ${field('pickup_phone', t('o.form.senderPhone'), { type: 'tel' })}
        </div></fieldset>`}
      <div class="wide address" ?hidden=${values.type === 'return'}>
        ${field('address', t('o.form.address'), { required: true })}
        ${state.settings?.geocoder ? html`<button type="button" data-testid="find-address" ?disabled=${open.search?.busy}
          @click=${findAddress}>${open.search?.busy ? t('o.form.finding') : t('o.form.find')}</button>` : nothing}
      </div>
      ${open.search?.text ? html`<p class="wide ${open.search.bad ? 'error' : ''}" role="status" data-testid="address-result">${open.search.text}</p>` : nothing}
      <div class="wide" ?hidden=${values.type === 'return'}>
        <div class="pin-map" data-testid="pin-map" role="application" aria-label=${t('o.form.pinMap')}></div>
        <p class="hint">${t('o.form.pinHint')}</p>
        <div class="row">
          ${field('lat', t('o.form.lat'), { type: 'number', attrs: { step: 'any', min: -90, max: 90 } })}
          ${field('lon', t('o.form.lon'), { type: 'number', attrs: { step: 'any', min: -180, max: 180 } })}
        </div>
        ${pinErrors.length && !open.errors.lat ? html`<span class="field-error">${pinErrors.join(' ')}</span>` : nothing}
      </div>
      ${field('delivery_date', t('o.form.day'), { type: 'date' })}
      ${values.type === 'return' ? nothing : html`
        ${field('window_start', t('o.form.windowStart'), { type: 'time' })}
        ${field('window_end', t('o.form.windowEnd'), { type: 'time' })}
        ${field('recipient_name', t('o.form.recipient'))}
        ${field('recipient_phone', t('o.form.phone'), { type: 'tel' })}
        ${field('recipient_email', t('o.form.email'), { type: 'email' })}`}
      ${field('weight_kg', t('o.form.weight'), { type: 'number', attrs: { step: 'any', min: 0 } })}
      ${field('service_min', t('o.form.service'), { type: 'number', attrs: { step: 1, min: 0, max: 480 } })}
      ${field('priority', t('o.form.priority'), { type: 'number', attrs: { step: 1, min: 0, max: 100 } })}
      ${field('parcels', t('o.form.parcels'), { textarea: true })}
      ${field('notes', t('o.form.notes'), { textarea: true })}
      ${field('delivery_instructions', t('o.form.instructions'), { textarea: true })}
      ${open.errors._form ? html`<p class="wide error">${open.errors._form.join(' ')}</p>` : nothing}
      ${mode === 'edit' ? nothing : html`<label class="inline wide"><input type="checkbox" name="urgent" .checked=${values.urgent}
        data-testid="order-urgent" @change=${(e) => { values.urgent = e.target.checked; }}>${t('o.form.urgent')}</label>`}
    </div>
    <div class="row end">
      <button type="button" @click=${closeForm}>${t('o.form.close')}</button>
      <button type="submit" class="primary" data-testid="order-save" ?disabled=${open.busy}>${mode === 'edit' ? t('o.form.save') : t('o.form.create')}</button>
    </div>
  </form></div>`;
}
