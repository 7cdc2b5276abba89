// The admin screens (/admin): the setup checklist, drivers, vehicles, users and the organization's settings.
// Only admins get past the door; the API refuses the same calls to everyone else, whatever this page shows.
// A section is the address's #fragment, so the back button and bookmarks work.
import { html, nothing, render } from 'lit-html';
import { ApiError, login, logout, me } from '../shared/api.js';
import { chooseLanguage, language, setLanguage, t } from '../shared/i18n.js';
import { mergeAdminMessages } from './messages.js';
import { checklistView, loadChecklist } from './screens/setup.js';
import { depots } from './screens/depots.js';
import { drivers, vehicles } from './screens/fleet.js';
import { keysView, loadKeys } from './screens/keys.js';
import { loadOrganization, organizationView } from './screens/organization.js';
import { loadTemplates, templatesView } from './screens/templates.js';
import { users } from './screens/users.js';
import { invitationsView, loadInvitations } from './screens/invitations.js';
import { webhooks } from './screens/webhooks.js';
import { LANGUAGE_KEY, errorText, mayLeave, setRenderer, state, update } from './store.js';
import './styles.css';

mergeAdminMessages();

const SECTIONS = {
  setup: { view: checklistView, reload: loadChecklist },
  depots: { screen: depots },
  vehicles: { screen: vehicles },
  drivers: { screen: drivers },
  users: { screen: users, after: invitationsView, reload: loadInvitations },
  templates: { view: templatesView, reload: loadTemplates },
  keys: { view: keysView, reload: loadKeys },
  webhooks: { screen: webhooks },
  organization: { view: organizationView, reload: loadOrganization },
};

const $ = (id) => document.getElementById(id);

function sectionFromHash() {
  const name = location.hash.replace(/^#/, '');
  return SECTIONS[name] ? name : 'setup';
}

function navView() {
  return html`<nav class="admin-nav" aria-label=${t('a.nav.label')}>
    <ul>${Object.keys(SECTIONS).map((name) => html`<li><a href="#${name}" @click=${(event) => { if (!mayLeave()) event.preventDefault(); }}
      aria-current=${state.section === name ? 'page' : nothing}>${t(`a.nav.${name}`)}</a></li>`)}</ul>
  </nav>`;
}

function barView() {
  return html`<header class="bar">
    <p class="title">${t('app.name')} — ${t('a.title')}${state.org ? html` <span class="org">${state.org.name}</span>` : nothing}</p>
    <a class="bar-link" href="/dispatch">${t('a.toConsole')}</a>
    <label class="bar-language">${t('a.language')}<select @change=${(event) => {
      localStorage.setItem(LANGUAGE_KEY, event.target.value);
      setLanguage(event.target.value);
      update();
    }}>
      <option value="en" ?selected=${language() === 'en'}>English</option>
      <option value="fr" ?selected=${language() === 'fr'}>Français</option>
    </select></label>
    <button type="button" @click=${async () => { if (!mayLeave()) return; await logout(); location.reload(); }}>${t('a.logout')}</button>
  </header>`;
}

function noticeView() {
  const notice = state.notice;
  if (!notice) return nothing;
  return html`<div class="notice ${notice.kind}" role=${notice.kind === 'error' ? 'alert' : 'status'}>${notice.text}
    <button type="button" aria-label=${t('a.dismiss')} @click=${() => { state.notice = null; update(); }}>×</button></div>`;
}

function draw() {
  const section = SECTIONS[state.section];
  document.title = `${t(`a.nav.${state.section}`)} — ${t('a.title')}`;
  render(html`${barView()}<div class="admin-body">${navView()}
    <main id="main" tabindex="-1">
      <h1>${t(`a.nav.${state.section}`)}</h1>
      ${noticeView()}
      ${section.screen ? section.screen.view() : section.view()}${section.after ? section.after() : nothing}
    </main></div>`, $('app'));
}

function go() {
  const next = sectionFromHash();
  if (next === state.section) return;
  if (!mayLeave()) {
    history.replaceState(null, '', `#${state.section}`);
    return;
  }
  state.section = next;
  state.notice = null;
  const section = SECTIONS[next];
  if (section.screen) section.screen.load();
  section.reload?.();
  update();
  $('main')?.focus();
}

function loginView(message = '') {
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await start(await login(form.get('login'), form.get('password')));
    } catch (error) {
      render(loginView(error instanceof ApiError && error.status < 500 ? t('a.loginFailed') : errorText(error)), $('app'));
    }
  };
  return html`<main class="login"><form @submit=${submit} aria-labelledby="login-title">
    <h1 id="login-title">${t('a.loginTitle')}</h1>
    <label for="login-email">${t('a.f.email')}</label><input id="login-email" name="login" type="email" autocomplete="username" required>
    <label for="login-password">${t('a.f.password')}</label><input id="login-password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit" class="primary">${t('a.login')}</button>
    ${message ? html`<p role="alert" class="field-error">${message}</p>` : nothing}
  </form></main>`;
}

async function start(session) {
  state.user = session.user;
  state.org = session.org;
  if (session.user.role !== 'admin') {
    render(html`<main class="login"><div class="refused">
      <h1>${t('a.title')}</h1>
      <p role="alert">${t('a.adminOnly')}</p>
      <p><a href="/dispatch">${t('a.toConsole')}</a></p>
      <button type="button" @click=${async () => { await logout(); location.reload(); }}>${t('a.logout')}</button>
    </div></main>`, $('app'));
    return;
  }
  setRenderer(draw);
  state.section = sectionFromHash();
  window.addEventListener('hashchange', go);
  const section = SECTIONS[state.section];
  if (section.screen) section.screen.load();
  await section.reload?.();
  update();
}

async function boot() {
  $('app').replaceChildren(); // the placeholder shown while the script loads; lit-html renders from here on
  // The browser's language until the person picks one here or in the console (item 6 of issue #16).
  setLanguage(localStorage.getItem(LANGUAGE_KEY) || chooseLanguage());
  try {
    await start(await me());
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) render(loginView(), $('app'));
    else render(html`<p role="alert">${errorText(error)}</p>`, $('app'));
  }
}

boot();
