// The route sheet (/print/routes/<id>): one route on paper, for the van's clipboard or the day's file.
// Opened from the console's route card (dispatchers) or by a driver for their own route; the session cookie
// is the key. Every text from people is bound through lit-html (never as HTML); the barcodes are SVG paths
// the server drew (Code 128), bound as an attribute.
import { html, nothing, render } from 'lit-html';
import { ApiError, get } from '../shared/api.js';
import { chooseLanguage, setLanguage, t, tn } from '../shared/i18n.js';
import { formatDate, formatDistance, formatMoney, formatTime } from '../shared/time.js';
import { mergeMessages } from './messages.js';
import './styles.css';

// The narrowest bar on paper: 0.254 mm is exactly 3 dots of a 300 dpi printer (6 at 600 dpi), so every bar
// prints at its true width, and handheld scanners read it comfortably.
const MM_PER_MODULE = 0.254;

mergeMessages();
const wanted = new URLSearchParams(location.search).get('lang');
setLanguage(chooseLanguage(wanted));

// One route (/print/routes/12), or several to print in one go, each on its own pages (/print/routes?ids=12,13).
const MAX_ROUTES = 200;
const routeIds = (() => {
  const one = Number((location.pathname.match(/^\/print\/routes\/(\d+)\/?$/) || [])[1]);
  if (one) return [one];
  const listed = new URLSearchParams(location.search).get('ids') || '';
  return [...new Set(listed.split(',').map(Number).filter((id) => Number.isInteger(id) && id > 0))].slice(0, MAX_ROUTES);
})();
const root = document.getElementById('app');

function barcodeView(barcode) {
  if (!barcode.drawable) {
    return html`<div class="barcode"><span class="code-text">${barcode.value}</span>
      <small>(${t('sheet.noBarcode')})</small></div>`;
  }
  const width = `${(barcode.width * MM_PER_MODULE).toFixed(1)}mm`;
  return html`<div class="barcode">
    <svg role="img" aria-label=${barcode.value} viewBox="0 0 ${barcode.width} ${barcode.height}"
      preserveAspectRatio="none" width=${width} height="9mm"><path d=${barcode.path}></path></svg>
    <span class="code-text">${barcode.value}</span></div>`;
}

function windowText(stop, zone) {
  if (!stop.time_windows.length) return t('sheet.noWindow');
  return stop.time_windows.map((w) => `${formatTime(w.start, zone)}–${formatTime(w.end, zone)}`).join(', ');
}

function notesView(stop, currency) {
  const lines = [];
  if (stop.cod_amount_cents) lines.push(html`<strong>${t('sheet.cash', { amount: formatMoney(stop.cod_amount_cents, currency) })}</strong>`);
  if (stop.requires_id_check) lines.push(html`<strong>${t('sheet.idCheck')}</strong>`);
  if (stop.min_age) lines.push(html`<strong>${t('sheet.minAge', { age: stop.min_age })}</strong>`);
  if (stop.notes) lines.push(html`<span class="pre">${stop.notes}</span>`);
  if (stop.delivery_instructions) lines.push(html`<span class="pre">${t('sheet.instructions', { text: stop.delivery_instructions })}</span>`);
  return lines.map((line) => html`<div>${line}</div>`);
}

function stopRow(stop, sheet) {
  const zone = sheet.timezone;
  return html`<tr class="stop" data-testid="sheet-stop" data-order-id=${stop.order_id}>
    <td class="seq">${stop.sequence}</td>
    <td class="who">${stop.kind === 'pickup' ? html`<strong class="kind">${t('sheet.kind.pickup')}</strong>` : nothing}
      <div class="address">${stop.address}</div>
      <div>${stop.recipient_name}${stop.recipient_phone ? html` · <span class="phone">${stop.recipient_phone}</span>` : nothing}</div>
      <small class="ref">${t('sheet.order', { ref: stop.order_ref })}</small></td>
    <td class="time">${windowText(stop, zone)}</td>
    <td class="time">${formatTime(stop.eta, zone)}</td>
    <td class="parcels"><div>${tn('sheet.parcels', stop.parcel_count)}</div><div class="codes">${stop.barcodes.map(barcodeView)}</div></td>
    <td class="notes">${notesView(stop, sheet.currency)}</td>
    <td class="done"><span class="tick" aria-hidden="true"></span></td>
  </tr>`;
}

function hoursText(sheet) {
  const zone = sheet.timezone;
  if (!sheet.planned_start) return '';
  const hours = Math.floor(sheet.planned_duration_s / 3600);
  const minutes = Math.round((sheet.planned_duration_s % 3600) / 60);
  return `${formatTime(sheet.planned_start, zone)}–${formatTime(sheet.planned_end, zone)} · ${formatDistance(sheet.planned_distance_m)} · ${hours} h ${String(minutes).padStart(2, '0')}`;
}

function sheetView(sheet) {
  const zone = sheet.timezone;
  const day = formatDate(`${sheet.date}T12:00:00Z`, zone);
  const totals = [tn('sheet.stops', sheet.stop_count), tn('sheet.parcels', sheet.parcel_count)];
  if (sheet.cod_total_cents) totals.push(t('sheet.cashTotal', { amount: formatMoney(sheet.cod_total_cents, sheet.currency) }));
  return html`<article class="sheet" data-testid="sheet" data-route-id=${sheet.route_id}
      aria-labelledby="sheet-${sheet.route_id}-title"><header class="sheet-head">
      <div><p class="org">${sheet.organization}</p>
        <h1 id="sheet-${sheet.route_id}-title">${t('sheet.title')} — ${day}</h1>
        <p class="status">${t(`sheet.status.${sheet.status}`)}</p></div>
    </header>
    <dl class="facts" data-testid="sheet-facts">
      <div><dt>${t('sheet.driver')}</dt><dd>${sheet.driver ? html`${sheet.driver.name}${sheet.driver.phone ? html` · ${sheet.driver.phone}` : nothing}` : t('sheet.noDriver')}</dd></div>
      <div><dt>${t('sheet.vehicle')}</dt><dd>${sheet.vehicle ? html`${sheet.vehicle.name}${sheet.vehicle.plate ? html` · ${sheet.vehicle.plate}` : nothing}` : t('sheet.noVehicle')}</dd></div>
      ${sheet.depot ? html`<div><dt>${t('sheet.depot')}</dt><dd>${sheet.depot.name}${sheet.depot.address ? html` · ${sheet.depot.address}` : nothing}</dd></div>` : nothing}
      ${sheet.planned_start ? html`<div><dt>${t('sheet.hours')}</dt><dd>${hoursText(sheet)}</dd></div>` : nothing}
      <div><dt>${t('sheet.totals')}</dt><dd>${totals.join(' · ')}</dd></div>
    </dl>
    ${sheet.stops.length ? html`<table class="stops" data-testid="sheet-stops">
      <thead><tr><th scope="col">${t('sheet.col.stop')}</th><th scope="col">${t('sheet.col.address')}</th>
        <th scope="col">${t('sheet.col.window')}</th><th scope="col">${t('sheet.col.eta')}</th>
        <th scope="col">${t('sheet.col.parcels')}</th><th scope="col">${t('sheet.col.notes')}</th>
        <th scope="col">${t('sheet.col.done')}</th></tr></thead>
      <tbody>${sheet.stops.map((stop) => stopRow(stop, sheet))}</tbody></table>`
    : html`<p>${t('sheet.empty')}</p>`}
    <p class="printed">${t('sheet.printed', { when: `${formatDate(sheet.printed_at, zone)} ${formatTime(sheet.printed_at, zone)}`, zone })}</p>
  </article>`;
}

function pageView(sheets) {
  return html`<div class="actions no-print"><button type="button" class="primary" data-testid="print" @click=${() => window.print()}>${t('sheet.print')}</button>
      <small>${sheets.length > 1 ? tn('sheet.many', sheets.length) : t('sheet.printHint')}</small></div>
    ${sheets.map(sheetView)}`;
}

function problemView(error) {
  if (error instanceof ApiError && error.status === 401) {
    return html`<p role="alert">${t('sheet.login')}</p><p><a href="/dispatch">${t('sheet.openConsole')}</a></p>`;
  }
  if ((error instanceof ApiError && error.status === 404) || !routeIds.length) return html`<p role="alert">${t('sheet.notFound')}</p>`;
  return html`<p role="alert">${t('sheet.error', { message: error.message })}</p>`;
}

async function start() {
  root.textContent = ''; // the boot text; lit-html renders beside what it did not render itself
  render(html`<p>${t('sheet.loading')}</p>`, root);
  try {
    if (!routeIds.length) throw new ApiError(404, {});
    const sheets = [];
    for (const id of routeIds) sheets.push(await get(`/api/v1/routes/${id}/sheet`)); // one at a time: a light load
    const [first] = sheets;
    document.title = `${t('sheet.title')} — ${sheets.length > 1 ? first.date : `${first.driver?.name || first.route_id} — ${first.date}`}`;
    render(pageView(sheets), root);
    root.dataset.ready = 'true';
  } catch (error) {
    render(problemView(error), root);
    root.dataset.ready = 'error';
  }
}

start();
