// What the driver does on the route screen: start, pause, end the route, load parcels.
// Every write goes through act() (sync.js): the outbox first, the screen at once, the server when reachable.
import { t, tn } from '../shared/i18n.js';
import { confirmDialog } from './dialog.js';
import { detectBarcodes } from './media.js';
import { parcelsOf } from './state.js';
import { currentRoute, state, update } from './store.js';
import { act } from './sync.js';

export async function startRoute() {
  const missing = parcelsOf(currentRoute()).filter((parcel) => !parcel.loaded_at);
  // Parcels still at the depot: ask first (starting is not undone by a tap).
  if (missing.length && !(await confirmDialog({ title: t('route.confirmStart'), text: tn('route.missingWarn', missing.length),
    confirm: t('route.startAnyway'), danger: true }))) return;
  await act('route.start');
}

export async function endRoute() {
  const confirmed = await confirmDialog({ title: t('route.confirmEnd'), text: t('route.confirmEndText'),
    confirm: t('route.end'), danger: true });
  if (confirmed) await act('route.end');
}

export async function toggleBreak() {
  await act(currentRoute()?.on_break ? 'break.end' : 'break.start');
}

/** Marks a parcel of this route loaded; false when the code is not on the route (the card says so). */
export async function loadParcel(barcode) {
  const code = barcode.trim();
  if (!code) return;
  const parcel = parcelsOf(currentRoute()).find((each) => each.barcode === code);
  if (!parcel) {
    state.loadMessage = { error: true, text: t('route.unknownParcel', { barcode: code }) };
  } else {
    state.loadMessage = { error: false, text: t('route.parcelLoaded', { barcode: code }) };
    if (!parcel.loaded_at) await act('parcel.load', { data: { barcode: code } });
  }
  update();
  return Boolean(parcel);
}

export async function scanInto(event, onCode) {
  const file = event.target.files?.[0];
  event.target.value = '';
  if (!file) return;
  const codes = await detectBarcodes(file);
  if (!codes || !codes.length) {
    state.loadMessage = { error: true, text: t('pod.noBarcodeFound') };
    update();
    return;
  }
  for (const code of codes) await onCode(code);
}
