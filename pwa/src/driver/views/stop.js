// A stop's screens: its detail (recipient, instructions, parcels, navigation, directions), the proof of
// delivery form and the failed-attempt form.
import { html, nothing } from 'lit-html';
import { t } from '../../shared/i18n.js';
import { formatMoney } from '../../shared/time.js';
import { act } from '../sync.js';
import { scanInto } from '../actions.js';
import { canScanBarcodes } from '../media.js';
import { cameraAvailable, podScanPanel } from '../scan-view.js';
import { MAX_PHOTOS, addPhotos, podFor, removePhoto, submitDelivery, submitFailure } from '../pod.js';
import { isDone } from '../state.js';
import { BASE, link, navigate, state, update } from '../store.js';
import { etaText, lateFlag, navLinks, windowText } from './route.js';

const FAILURE_REASONS = ['not_home', 'refused', 'damaged', 'wrong_address', 'no_access', 'other'];

/** What the driver does at a pickup stop, in words ("Collect parcel from Sam"), and where a return goes. */
export function pickupLine(stop) {
  if (stop.kind !== 'pickup') return nothing;
  const name = stop.order.recipient?.name;
  return html`<p class="flag pickup" data-testid="pickup-line">${name ? t('stop.collectFrom', { name }) : t('stop.collectHere')}
    ${stop.order.type === 'return' ? html`<span class="meta"> · ${t('stop.returnToDepot')}</span>` : nothing}</p>`;
}

export function kindBadge(stop) {
  return stop.kind === 'pickup' ? html`<span class="badge pickup" data-testid="pickup-badge">${t('stop.kind.pickup')}</span> ` : nothing;
}

export function stopView(route, stop) {
  const order = stop.order;
  const recipient = order.recipient;
  const open = !isDone(stop);
  const collecting = stop.kind === 'pickup';
  return html`
    <a class="button link back" href=${BASE} @click=${link(BASE)}>← ${t('common.back')}</a>
    <section class="card" data-testid="stop-detail">
      <h1 tabindex="-1">${t('stop.sequence', { sequence: stop.sequence })} · ${kindBadge(stop)}<span class="badge ${stop.status}">${collecting && stop.status === 'completed' ? t('stop.collected') : t(`stop.status.${stop.status}`)}</span></h1>
      ${pickupLine(stop)}
      <p class="address big">${order.address}</p>
      <p class="meta">${windowText(order)}${etaText(stop)}
        ${order.external_ref ? html` · ${order.external_ref}` : nothing}</p>
      ${lateFlag(stop, { long: true })}
      ${order.cod_amount_cents > 0 ? html`<p class="flag">${t('stop.cod', { amount: formatMoney(order.cod_amount_cents, state.session.org?.currency) })}</p>` : nothing}
      ${order.requires_id_check ? html`<p class="flag">${t('stop.idCheck')}</p>` : nothing}
      ${order.min_age ? html`<p class="flag">${t('stop.minAge', { age: order.min_age })}</p>` : nothing}
    </section>
    ${recipient ? html`<section class="card"><h2>${t(collecting ? 'stop.sender' : 'stop.recipient')}</h2><p>${recipient.name}</p>
      ${recipient.phone ? html`<div class="row">
        <a class="button secondary" href="tel:${recipient.phone}">${t('stop.call')}</a>
        <a class="button secondary" href="sms:${recipient.phone}">${t('stop.sms')}</a></div>` : nothing}</section>` : nothing}
    ${order.delivery_instructions ? html`<section class="card ${state.freshInstructions.has(stop.id) ? 'fresh' : ''}" data-testid="instructions">
      <h2>${t(collecting ? 'stop.pickupInstructions' : 'stop.instructions')}${state.freshInstructions.has(stop.id) ? html` <span class="badge new">${t('stop.instructionsNew')}</span>` : nothing}</h2>
      <p class="pre">${order.delivery_instructions}</p></section>` : nothing}
    ${order.notes ? html`<section class="card"><h2>${t('stop.notes')}</h2><p class="pre">${order.notes}</p></section>` : nothing}
    <section class="card"><h2>${t('pod.barcodes')}</h2>
      <ul class="parcels">${(order.parcels || []).map((parcel) => html`<li>${parcel.barcode}
        ${parcel.delivered_at ? html`<span class="badge completed">✓</span>` : parcel.loaded_at ? html`<span class="badge arrived">⬆</span>` : nothing}</li>`)}</ul></section>
    <section class="card"><h2>${t('stop.navigate')}</h2>
      <button class="primary guide-open" data-testid="guide-open" @click=${() => navigate(`${BASE}/stops/${stop.id}/guide`)}>${t('stop.directions')}</button>
      ${navLinks(stop)}</section>
    ${open && route.status === 'in_progress' ? html`<div class="controls sticky">
      ${stop.status === 'pending' ? html`<button class="secondary" @click=${() => act('stop.arrive', { stop })}>${t('stop.arrive')}</button>` : nothing}
      <a class="button primary" href="${BASE}/stops/${stop.id}/deliver" @click=${link(`${BASE}/stops/${stop.id}/deliver`)}>${t(collecting ? 'stop.collect' : 'stop.complete')}</a>
      <a class="button danger" href="${BASE}/stops/${stop.id}/fail" @click=${link(`${BASE}/stops/${stop.id}/fail`)}>${t(collecting ? 'fail.collectTitle' : 'stop.fail')}</a>
    </div>` : nothing}`;
}

/**
 * The photos: one row of fixed height that scrolls sideways, the "take a photo" button first, a tile for each
 * photo being prepared — nothing below (the signature pad) moves when a photo is added or removed.
 */
export function photosField(form) {
  const full = form.photos.length + form.busy >= MAX_PHOTOS;
  return html`
    <fieldset><legend>${t('pod.photos')}</legend>
      <div class="thumbs" data-testid="thumbs">
        <label class="button secondary file tile ${full ? 'hidden' : ''}">${t('pod.addPhoto')}
          <input type="file" accept="image/*" capture="environment" class="visually-hidden" data-testid="photo-input"
            ?disabled=${full} @change=${addPhotos}></label>
        ${form.photos.map((photo, index) => html`<figure>
          <img src=${photo.url} alt="${t('pod.photos')} ${index + 1}" width="96" height="96">
          <button type="button" class="remove" aria-label=${t('pod.removePhoto', { n: index + 1 })} @click=${() => removePhoto(index)}>✕</button></figure>`)}
        ${Array.from({ length: form.busy }, () => html`<figure class="preparing" data-testid="photo-preparing">
          <span class="meta">${t('pod.compressing')}</span></figure>`)}
      </div>
    </fieldset>`;
}

export function deliverView(route, stop) {
  const form = podFor(stop, 'deliver');
  const order = stop.order;
  const collecting = stop.kind === 'pickup';  // proof of collection: no payment nor ID check at a pickup
  const currency = state.session.org?.currency || 'CAD';
  const addBarcode = (code) => {
    if (code.trim()) form.barcodes.add(code.trim());
    update();
  };
  return html`
    <a class="button link back" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}>← ${t('common.back')}</a>
    <form class="card pod" @submit=${(event) => { event.preventDefault(); submitDelivery(stop); }}>
      <h1 tabindex="-1">${t(collecting ? 'pod.collectTitle' : 'pod.title')} · ${t('stop.sequence', { sequence: stop.sequence })}</h1>
      <p class="address">${order.address}</p>
      ${photosField(form)}
      <fieldset><legend>${t('pod.signature')}</legend>
        <canvas id="signature" class="signature" aria-label=${t('pod.signHere')} role="img" data-testid="signature"></canvas>
        <button type="button" class="secondary" @click=${() => form.pad?.clear()}>${t('pod.clearSignature')}</button>
      </fieldset>
      <label for="recipient-name">${t(collecting ? 'pod.handedBy' : 'pod.recipientName')}</label>
      <input id="recipient-name" autocomplete="off" .value=${form.name} @input=${(e) => { form.name = e.target.value; }}>
      <fieldset><legend>${t('pod.barcodes')}</legend>
        <ul class="parcels">${(order.parcels || []).map((parcel) => html`<li>${parcel.barcode}
          ${form.barcodes.has(parcel.barcode) ? html`<span class="badge completed">✓</span>` : nothing}</li>`)}</ul>
        ${podScanPanel(stop, form)}
        ${!cameraAvailable() && canScanBarcodes() ? html`<label class="button secondary file">${t('pod.scan')}
          <input type="file" accept="image/*" capture="environment" class="visually-hidden" @change=${(e) => scanInto(e, addBarcode)}></label>` : nothing}
        <label for="pod-barcode">${t('pod.manualBarcode')}</label>
        <div class="row"><input id="pod-barcode" autocomplete="off">
          <button type="button" class="secondary" @click=${() => { const input = document.getElementById('pod-barcode'); addBarcode(input.value); input.value = ''; }}>${t('pod.addBarcode')}</button></div>
      </fieldset>
      ${order.cod_amount_cents > 0 && !collecting ? html`
        <label for="cod">${t('pod.amountCollected', { currency })}</label>
        <input id="cod" inputmode="decimal" .value=${form.amount} @input=${(e) => { form.amount = e.target.value; }}>
        <p class="meta">${t('pod.expected', { amount: formatMoney(order.cod_amount_cents, currency) })}</p>` : nothing}
      ${order.requires_id_check && !collecting ? html`<label class="check"><input type="checkbox" .checked=${form.idChecked}
        @change=${(e) => { form.idChecked = e.target.checked; }}> ${t('pod.idChecked')}</label>` : nothing}
      ${order.min_age && !collecting ? html`<label class="check"><input type="checkbox" .checked=${form.ageVerified}
        @change=${(e) => { form.ageVerified = e.target.checked; }}> ${t('pod.ageVerified', { age: order.min_age })}</label>` : nothing}
      <label for="pod-note">${t('pod.note')}</label>
      <textarea id="pod-note" rows="2" .value=${form.note} @input=${(e) => { form.note = e.target.value; }}></textarea>
      ${form.error ? html`<p class="notice error" role="alert">${form.error}</p>` : nothing}
      <button class="primary" type="submit" ?disabled=${form.busy > 0}>${t(collecting ? 'pod.collectSubmit' : 'pod.submit')}</button>
    </form>`;
}

export function failView(stop) {
  const form = podFor(stop, 'fail');
  const collecting = stop.kind === 'pickup';
  return html`
    <a class="button link back" href="${BASE}/stops/${stop.id}" @click=${link(`${BASE}/stops/${stop.id}`)}>← ${t('common.back')}</a>
    <form class="card pod" @submit=${(event) => { event.preventDefault(); submitFailure(stop); }}>
      <h1 tabindex="-1">${t(collecting ? 'fail.collectTitle' : 'fail.title')} · ${t('stop.sequence', { sequence: stop.sequence })}</h1>
      <p class="address">${stop.order.address}</p>
      <fieldset><legend>${t('fail.reason')}</legend>
        ${FAILURE_REASONS.map((reason) => html`<label class="check"><input type="radio" name="reason" value=${reason}
          .checked=${form.reason === reason} @change=${() => { form.reason = reason; }}> ${t(`fail.reason.${reason}`)}</label>`)}
      </fieldset>
      ${photosField(form)}
      <label for="fail-note">${t('pod.note')}</label>
      <textarea id="fail-note" rows="2" .value=${form.note} @input=${(e) => { form.note = e.target.value; }}></textarea>
      ${form.error ? html`<p class="notice error" role="alert">${form.error}</p>` : nothing}
      <button class="danger" type="submit" ?disabled=${form.busy > 0}>${t(collecting ? 'fail.collectSubmit' : 'fail.submit')}</button>
    </form>`;
}
