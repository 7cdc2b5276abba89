// Rebooking on the tracking page: after a failed attempt (open at once) or before a scheduled delivery
// (behind a button, until the organization's cut-off), the customer picks a day, a time and how to leave
// the parcel. The days and times come from the server (the depot's open days, the organization's windows).
import { html, nothing } from 'lit-html';
import { ApiError, NetworkError, get, post } from '../shared/api.js';
import { language, t } from '../shared/i18n.js';
import { formatDate, formatTime } from '../shared/time.js';
import { root, state, token, update } from './store.js';

const KNOWN_ERRORS = new Set(['day_closed', 'beyond_horizon', 'after_cutoff', 'window_not_offered', 'in_the_past',
  'neighbour_required', 'on_the_way', 'order_closed']);

export const rebook = {
  open: false, // before a scheduled delivery the form opens on the customer's press
  options: null,
  loading: false,
  day: null,
  window: null,
  dropOff: 'in_person',
  neighbour: '',
  saving: false,
  error: null,
  done: null,
};

function dayLabel(day, zone) {
  const at = day.windows[0]?.start_at;
  try {
    return new Intl.DateTimeFormat({ en: 'en-CA', fr: 'fr-CA' }[language()] || language(),
      { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(at));
  } catch {
    return day.date;
  }
}

const windowLabel = (w, zone) => t('track.windowRange', { start: formatTime(w.start_at, zone), end: formatTime(w.end_at, zone) });

export async function loadOptions() {
  if (rebook.loading) return;
  rebook.loading = true;
  update();
  try {
    rebook.options = await get(`/api/v1/track/${token}/rebooking`);
    const days = rebook.options.days || [];
    if (!days.some((d) => d.date === rebook.day)) {
      rebook.day = null;
      rebook.window = null;
    }
  } catch (error) {
    rebook.error = errorText(error);
  } finally {
    rebook.loading = false;
  }
  update();
}

function errorText(error) {
  if (error instanceof NetworkError) return t('track.offline');
  if (error instanceof ApiError && KNOWN_ERRORS.has(error.code)) return t(`rebook.error.${error.code}`);
  return t('rebook.error.other', { message: error?.message || String(error) });
}

/** Keeps the form's fields in step with the server's view (a refresh while the form is closed resets it). */
export function syncRebooking(view) {
  if (!view.can_rebook) {
    rebook.options = null;
    return;
  }
  if (view.status === 'failed') rebook.open = true;
  if (rebook.open && !rebook.options && !rebook.loading && !rebook.error) loadOptions();
}

async function submit(event) {
  event.preventDefault();
  if (!rebook.day || !rebook.window) {
    rebook.error = t('rebook.pick');
    update();
    return;
  }
  rebook.saving = true;
  rebook.error = null;
  update();
  const zone = state.view.timezone;
  const day = rebook.options.days.find((d) => d.date === rebook.day);
  const window = day.windows.find((w) => w.start === rebook.window);
  try {
    const view = await post(`/api/v1/track/${token}/rebooking`, {
      date: rebook.day, window_start: rebook.window, drop_off: rebook.dropOff, neighbour: rebook.neighbour,
    });
    state.view = view;
    state.loadedAt = new Date().toISOString();
    rebook.done = t('rebook.done', { day: formatDate(window.start_at, zone), window: windowLabel(window, zone) });
    rebook.open = false;
    rebook.options = null;
    rebook.day = null;
    rebook.window = null;
    root.dataset.rebooked = rebook.done;
  } catch (error) {
    rebook.error = errorText(error);
    if (error instanceof ApiError && error.status === 422) loadOptions(); // the days may have moved on
  } finally {
    rebook.saving = false;
  }
  update();
  document.querySelector('[data-testid=rebook-done]')?.focus();
}

function choiceGrid(name, legend, items, selected, onPick) {
  return html`<fieldset class="choices" data-testid=${`rebook-${name}`}><legend>${legend}</legend>
    ${items.map((item) => html`<label class="choice">
      <input type="radio" name=${name} value=${item.value} .checked=${item.value === selected}
        @change=${() => onPick(item.value)}>
      <span>${item.label}</span></label>`)}
  </fieldset>`;
}

function form(view) {
  const zone = view.timezone;
  const options = rebook.options;
  if (!options) return html`<p role="status">${rebook.loading ? t('rebook.loading') : ''}</p>`;
  const days = options.days || [];
  if (!days.length) return html`<p data-testid="rebook-none">${t('rebook.noDays')}</p>`;
  const day = days.find((d) => d.date === rebook.day);
  const window = day?.windows.find((w) => w.start === rebook.window);
  const pick = (changes) => { Object.assign(rebook, changes, { error: null }); update(); };
  return html`<form @submit=${submit} data-testid="rebook-form" novalidate>
    ${choiceGrid('day', t('rebook.day'), days.map((d) => ({ value: d.date, label: dayLabel(d, zone) })), rebook.day,
      (value) => pick({ day: value, window: days.find((d) => d.date === value).windows.length === 1
        ? days.find((d) => d.date === value).windows[0].start : null }))}
    ${day ? choiceGrid('window', t('rebook.window'), day.windows.map((w) => ({ value: w.start, label: windowLabel(w, zone) })),
      rebook.window, (value) => pick({ window: value })) : nothing}
    <fieldset class="drop-offs" data-testid="rebook-drop-off"><legend>${t('rebook.dropOff')}</legend>
      ${(options.drop_offs || ['in_person']).map((value) => html`<label class="option">
        <input type="radio" name="drop_off" value=${value} .checked=${rebook.dropOff === value}
          @change=${() => pick({ dropOff: value })}> ${t(`rebook.dropOff.${value}`)}</label>`)}
    </fieldset>
    ${rebook.dropOff === 'neighbour' ? html`<label for="neighbour">${t('rebook.neighbour')}</label>
      <input id="neighbour" name="neighbour" maxlength="200" autocomplete="off" .value=${rebook.neighbour}
        @input=${(e) => { rebook.neighbour = e.target.value; }}>` : nothing}
    ${rebook.error ? html`<p role="alert" class="error-text" data-testid="rebook-error">${rebook.error}</p>` : nothing}
    <button class="primary" type="submit" ?disabled=${rebook.saving}>
      ${rebook.saving ? t('track.sending') : day && window
        ? t('rebook.confirm', { day: dayLabel(day, zone), window: windowLabel(window, zone) }) : t('rebook.pick')}</button>
    ${view.status !== 'failed' ? html`<button class="secondary" type="button"
      @click=${() => { rebook.open = false; rebook.error = null; update(); }}>${t('rebook.cancel')}</button>` : nothing}
  </form>`;
}

export function rebookSection(view) {
  const done = rebook.done ? html`<p class="ok" role="status" tabindex="-1" data-testid="rebook-done">${rebook.done}</p>`
    : nothing;
  if (!view.can_rebook) return rebook.done ? html`<section class="card">${done}</section>` : nothing;
  const failed = view.status === 'failed';
  const zone = view.timezone;
  const until = rebook.options?.change_until;
  return html`<section class="card rebook ${failed ? 'urgent' : ''}" aria-labelledby="rebook-title" data-testid="rebook">
    <h2 id="rebook-title">${failed ? t('rebook.title') : rebook.done ? t('rebook.doneTitle') : t('rebook.titleChange')}</h2>
    ${done}
    ${failed ? html`<p>${t('rebook.introFailed')}</p>` : nothing}
    ${!failed && until ? html`<p class="meta">${t('rebook.introScheduled', { day: formatDate(until, zone), time: formatTime(until, zone) })}</p>` : nothing}
    ${rebook.open ? form(view) : html`<button class="secondary" type="button" data-testid="rebook-open"
      @click=${() => { rebook.open = true; rebook.done = null; loadOptions(); }}>${t('rebook.open')}</button>`}
  </section>`;
}
