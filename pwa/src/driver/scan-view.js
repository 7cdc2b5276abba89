// The camera scanner's panel, shared by the load check and the proof of delivery: a button that opens the
// rear camera, the live picture, how many of the expected parcels are scanned, the last read in words and
// what went wrong with the camera. The camera and the decoders (scan.js, scan-worker.js) load on the tap.
import { html, nothing } from 'lit-html';
import { t, tn } from '../shared/i18n.js';
import { loadParcel } from './actions.js';
import { parcelsOf } from './state.js';
import { currentRoute, update } from './store.js';
import './scan-messages.js';
import './scan.css';


const TROUBLE = new Set(['denied', 'missing', 'busy', 'failed', 'decoder']);

// One camera at a time, for one purpose ("load", "pod-<stop id>"); the view's latest hooks are kept here
// because the reads arrive between renders.
const camera = { purpose: null, status: 'off', decoder: null, note: null, refused: [], scanner: null, hooks: null };
const MAX_REFUSED_SHOWN = 4;

export const cameraAvailable = () => Boolean(navigator.mediaDevices?.getUserMedia);

function setStatus(status, detail = {}) {
  camera.status = status;
  if (detail.decoder) camera.decoder = detail.decoder;
  if (!['starting', 'preparing', 'running'].includes(status)) camera.scanner = null;
  update();
}

async function handleCode(code) {
  const answer = await camera.hooks.onCode(code);
  // A code that does not belong stays on screen while the camera runs: the next good read must not hide it.
  if (!answer.counted && answer.text && !camera.refused.includes(answer.text)) camera.refused = [answer.text, ...camera.refused].slice(0, MAX_REFUSED_SHOWN);
  camera.note = answer.counted && answer.text ? answer.text : null;
  if (camera.hooks.complete?.()) camera.scanner?.stop('done');
  update();
  return answer.counted;
}

async function openCamera(purpose) {
  camera.scanner?.stop();
  Object.assign(camera, { purpose, status: 'starting', decoder: null, note: null, refused: [], scanner: null });
  update();
  let module;
  try {
    module = await import('./scan.js');
  } catch {
    setStatus('decoder');
    return;
  }
  module.prepareSound();
  const video = document.querySelector(`video[data-scan="${purpose}"]`);
  if (camera.purpose !== purpose || !video) return; // the driver left the screen meanwhile
  // The picture, the count and the last read in view together (the load check sits below the next stop).
  video.closest('.scanner')?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  camera.scanner = new module.CameraScanner({ video, onCode: handleCode, onState: setStatus });
  await camera.scanner.start();
}

export function closeCamera() {
  camera.scanner?.stop();
  camera.scanner = null;
  camera.status = 'off';
  update();
}

function statusLine(status) {
  if (status === 'done') return html`<p class="notice" role="status">${t('scan.allDone')}</p>`;
  if (TROUBLE.has(status)) return html`<p class="notice error" role="alert" data-testid="scan-trouble">${t(`scan.${status}`)}</p>`;
  if (status === 'starting' || status === 'preparing') return html`<p class="meta" role="status">${t(`scan.${status}`)}</p>`;
  if (status === 'running') return html`<p class="meta">${t('scan.running')}</p>`;
  return nothing;
}

/**
 * The scanner for one purpose. onCode(code) -> {counted, text?}; complete() -> true once nothing is left to
 * scan (the camera then turns itself off); count {scanned, expected} shown when given.
 */
export function scanPanel(purpose, { onCode, complete, count }) {
  if (!cameraAvailable()) return nothing; // an old browser: typing the codes stays
  const mine = camera.purpose === purpose;
  if (mine) camera.hooks = { onCode, complete };
  const live = mine && ['starting', 'preparing', 'running'].includes(camera.status);
  // Nothing left to scan (the last code may have been typed): the camera goes off after this render.
  if (live && camera.scanner && complete?.()) queueMicrotask(() => camera.scanner?.stop('done'));
  return html`
    <div class="scanner" data-testid="scanner" data-status=${mine ? camera.status : 'off'}
      data-decoder=${mine && camera.decoder ? camera.decoder : ''}>
      ${live ? html`
        <div class="scan-frame"><video data-scan=${purpose} muted playsinline aria-label=${t('scan.video')}></video></div>
        <button type="button" class="secondary" data-testid="scan-stop" @click=${closeCamera}>${t('scan.stop')}</button>`
      : complete?.() ? nothing // every parcel is in: nothing to open the camera for
        : html`<button type="button" class="primary" data-testid="scan-start" @click=${() => openCamera(purpose)}>
          ${t('scan.start')}</button>`}
      ${count ? html`<p class="scan-count" role="status" data-testid="scan-count">
        ${tn('scan.count', count.expected, { scanned: count.scanned })}</p>` : nothing}
      ${mine && camera.note ? html`<p class="notice" role="status" data-testid="scan-note">${camera.note}</p>` : nothing}
      ${mine ? camera.refused.map((text) => html`<p class="notice error" role="alert" data-testid="scan-refused">${text}</p>`) : nothing}
      ${mine ? statusLine(camera.status) : nothing}
    </div>`;
}

/** The load check's scanner: a code of this route's parcels is loaded (the card counts and words it). */
export function loadScanPanel() {
  return scanPanel('load', {
    onCode: async (code) => {
      const counted = await loadParcel(code); // the card words the last code, loaded or not
      return { counted, text: counted ? null : t('route.unknownParcel', { barcode: code }) };
    },
    complete: () => parcelsOf(currentRoute()).every((parcel) => parcel.loaded_at),
  });
}

/** The proof of delivery's scanner: only this stop's parcels count; any other code is told and left out. */
export function podScanPanel(stop, form) {
  const parcels = stop.order.parcels || [];
  if (!parcels.length) return nothing;
  const ours = (code) => parcels.some((parcel) => parcel.barcode === code);
  return scanPanel(`pod-${stop.id}`, {
    onCode: (code) => {
      if (!ours(code)) {
        return { counted: false, text: t(stop.kind === 'pickup' ? 'scan.notOfCollection' : 'scan.notOfStop', { barcode: code }) };
      }
      const again = form.barcodes.has(code);
      form.barcodes.add(code);
      return { counted: true, text: t(again ? 'scan.again' : 'scan.parcelOfStop', { barcode: code }) };
    },
    complete: () => parcels.every((parcel) => form.barcodes.has(parcel.barcode)),
    count: { scanned: parcels.filter((parcel) => form.barcodes.has(parcel.barcode)).length, expected: parcels.length },
  });
}
