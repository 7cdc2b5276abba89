// The proof-of-delivery and failed-attempt forms: photos (compressed on the phone), signature, barcodes,
// checks. Submitting queues the files before the action that names them, then goes back to the route.
import { t } from '../shared/i18n.js';
import { newKey } from '../shared/outbox.js';
import { serverNow } from '../shared/socket.js';
import { SignaturePad, compressPhoto, warmUpPhotoWorker } from './media.js';
import { BASE, locationSharing, navigate, update } from './store.js';
import { act } from './sync.js';

export const MAX_PHOTOS = 10; // what the server keeps per delivery

let pod = null;

/** The form being filled: kept across renders until submitted or another stop's form opens. */
export function podFor(stop, mode) {
  if (!pod || pod.stopId !== stop.id || pod.mode !== mode) {
    for (const photo of pod?.photos || []) URL.revokeObjectURL(photo.url);
    warmUpPhotoWorker();
    pod = {
      stopId: stop.id, mode, photos: [], busy: 0, barcodes: new Set(), name: stop.order.recipient?.name || '',
      note: '', amount: '', idChecked: false, ageVerified: false, reason: '', error: null, pad: null,
      padCanvas: null, hasSignature: false, submitting: false,
    };
  }
  return pod;
}

export async function addPhotos(event) {
  const files = [...(event.target.files || [])];
  event.target.value = '';
  const form = pod;
  for (const file of files.slice(0, MAX_PHOTOS - form.photos.length)) {
    form.busy += 1;
    update();
    try {
      const blob = await compressPhoto(file);
      form.photos.push({ ref: newKey(), blob, url: URL.createObjectURL(blob), captured_at: serverNow() });
    } catch (error) {
      form.error = t('common.error', { message: error.message });
    } finally {
      form.busy -= 1;
      update();
    }
  }
}

export function removePhoto(index) {
  const [photo] = pod.photos.splice(index, 1);
  if (photo) URL.revokeObjectURL(photo.url);
  update();
}

function uploadEntry(ref, blob, uploadKind, capturedAt) {
  const fix = locationSharing.lastFix;
  return { kind: 'upload', ref, key: newKey(), blob, uploadKind, captured_at: capturedAt, lat: fix?.lat ?? null,
    lon: fix?.lon ?? null };
}

export async function submitDelivery(stop) {
  const form = pod;
  const order = stop.order;
  const hasSignature = form.pad && !form.pad.isEmpty();
  if (!form.photos.length && !hasSignature) form.error = t('pod.needSomething');
  else if (order.requires_id_check && !form.idChecked) form.error = t('pod.needId');
  else if (order.min_age && !form.ageVerified) form.error = t('pod.needAge');
  else if (order.cod_amount_cents > 0 && form.amount.trim() === '') form.error = t('pod.needAmount');
  else form.error = null;
  if (form.error || form.submitting) {
    update();
    return;
  }
  form.submitting = true;
  const uploads = form.photos.map((photo) => uploadEntry(photo.ref, photo.blob, 'photo', photo.captured_at));
  let signatureRef;
  if (hasSignature) {
    signatureRef = newKey();
    uploads.push(uploadEntry(signatureRef, await form.pad.toBlob(), 'signature', serverNow()));
  }
  const data = {
    recipient_name: form.name.trim(),
    note: form.note.trim(),
    barcodes: [...form.barcodes],
    id_checked: Boolean(order.requires_id_check && form.idChecked),
    age_verified: Boolean(order.min_age && form.ageVerified),
  };
  if (order.cod_amount_cents > 0) data.cod_collected_cents = Math.round(parseFloat(form.amount.replace(',', '.')) * 100) || 0;
  await act('stop.complete', { stop, data, uploads, photoRefs: form.photos.map((photo) => photo.ref), signatureRef });
  pod = null;
  navigate(BASE);
}

export async function submitFailure(stop) {
  const form = pod;
  form.error = form.reason ? null : t('fail.needReason');
  if (form.error || form.submitting) {
    update();
    return;
  }
  form.submitting = true;
  const uploads = form.photos.map((photo) => uploadEntry(photo.ref, photo.blob, 'photo', photo.captured_at));
  await act('stop.fail', {
    stop, data: { reason: form.reason, note: form.note.trim() }, uploads, photoRefs: form.photos.map((p) => p.ref),
  });
  pod = null;
  navigate(BASE);
}

export function attachSignaturePad() {
  const canvas = document.getElementById('signature');
  if (!canvas || !pod || pod.padCanvas === canvas) return;
  pod.padCanvas = canvas;
  pod.pad = new SignaturePad(canvas);
  canvas.addEventListener('signature-change', () => {
    pod.hasSignature = !pod.pad.isEmpty();
    update();
  });
}
