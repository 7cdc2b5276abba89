// The landing page at /: where to go (console, driver app, administration, API docs). On an empty
// installation it also offers the one-time sign-up of the first organization and its admin, guarded by the
// setup code from the server's log (backend/onboarding/service.py says why).
import { html, nothing, render } from 'lit-html';
import { ApiError, get, request, setCsrfToken } from '../shared/api.js';
import { chooseLanguage, language, setLanguage, t } from '../shared/i18n.js';
import { focusFirstError, formView, serverErrors } from '../admin/form.js';
import { invitationToken, invitationView, loadInvitation } from './invitation.js';
import { mergeHomeMessages } from './messages.js';
import '../admin/styles.css';
import './styles.css';

mergeHomeMessages();
const LANGUAGE_KEY = 'lastmile.dispatch.language';

const page = { needsSetup: false, draft: { organization_name: '', admin_name: '', email: '', password: '', currency: 'CAD',
  setup_code: '' }, errors: {}, problem: '', busy: false, done: false };

const signupFields = () => [
  { name: 'organization_name', label: t('h.signup.orgName'), required: true, autocomplete: 'organization', wide: true },
  { name: 'admin_name', label: t('h.signup.adminName'), required: true, autocomplete: 'name' },
  { name: 'email', label: t('h.signup.email'), type: 'email', required: true, autocomplete: 'email' },
  { name: 'password', label: t('h.signup.password'), type: 'password', required: true, autocomplete: 'new-password',
    hint: t('h.signup.password.hint') },
  { name: 'currency', label: t('h.signup.currency'), required: true, hint: t('h.signup.currency.hint') },
  { name: 'setup_code', label: t('h.signup.code'), required: true, hint: t('h.signup.code.hint'), wide: true },
];

function localErrors() {
  const errors = {};
  for (const field of signupFields()) if (!String(page.draft[field.name] || '').trim()) errors[field.name] = t('h.signup.required');
  if (page.draft.password && page.draft.password.length < 8) errors.password = t('h.signup.short');
  return errors;
}

async function signUp() {
  page.errors = localErrors();
  page.problem = Object.keys(page.errors).length ? t('h.signup.fix') : '';
  if (page.problem) {
    draw();
    focusFirstError('signup');
    return;
  }
  page.busy = true;
  draw();
  try {
    const body = { ...page.draft, currency: page.draft.currency.trim().toUpperCase(), language: language() };
    const session = await request('POST', '/api/v1/setup/organization', { json: body });
    await setCsrfToken(session.csrf_token);
    page.done = true;
    location.assign('/admin#setup');
    return;
  } catch (error) {
    page.busy = false;
    if (error instanceof ApiError) {
      const { byName, rest } = serverErrors(signupFields(), error.body);
      page.errors = byName;
      page.problem = error.code === 'already_set_up' ? t('h.signup.taken') : [error.message, ...rest].join(' ');
      if (error.code === 'already_set_up') page.needsSetup = false;
    } else {
      page.problem = t('h.signup.network');
    }
  }
  draw();
  focusFirstError('signup');
}

function link(href, title, hint) {
  return html`<li><a href=${href}><strong>${title}</strong><span>${hint}</span></a></li>`;
}

function draw() {
  document.title = t('app.name');
  render(html`<header class="bar">
      <p class="title">${t('app.name')}</p>
      <label class="bar-language">${t('h.language')}<select @change=${(event) => {
        localStorage.setItem(LANGUAGE_KEY, event.target.value);
        setLanguage(event.target.value);
        draw();
      }}>
        <option value="en" ?selected=${language() === 'en'}>English</option>
        <option value="fr" ?selected=${language() === 'fr'}>Français</option>
      </select></label>
    </header>
    <main class="home">
      <h1>${t('app.name')}</h1>
      <p class="tagline">${t('h.tagline')}</p>
      ${invitationView(draw)}
      ${page.needsSetup ? html`<section class="signup" aria-labelledby="signup-title">
        <h2 id="signup-title">${t('h.signup.title')}</h2>
        <p>${t('h.signup.intro')}</p>
        ${formView({ id: 'signup', fields: signupFields(), draft: page.draft, errors: page.errors, problem: page.problem,
          busy: page.busy, submitLabel: page.busy ? t('h.signup.busy') : t('h.signup.submit'),
          onInput: (name, value) => { page.draft[name] = value; if (page.errors[name]) { delete page.errors[name]; draw(); } },
          onSubmit: signUp })}
      </section>` : nothing}
      <nav aria-label=${t('app.name')}><ul class="apps">
        ${link('/dispatch', t('h.console'), t('h.console.hint'))}
        ${link('/driver', t('h.driver'), t('h.driver.hint'))}
        ${link('/admin', t('h.admin'), t('h.admin.hint'))}
        ${link('/api/docs', t('h.docs'), t('h.docs.hint'))}
      </ul></nav>
    </main>`, document.getElementById('app'));
}

async function boot() {
  const chosenLanguage = localStorage.getItem(LANGUAGE_KEY);
  setLanguage(chosenLanguage || chooseLanguage());
  const token = invitationToken();
  if (token) await loadInvitation(token, { chosenLanguage }); // in the language the admin invited them in
  try {
    page.needsSetup = (await get('/api/v1/setup')).needs_first_organization;
  } catch {
    page.needsSetup = false; // the links still work; the sign-up shows when the server answers
  }
  draw();
}

boot();
