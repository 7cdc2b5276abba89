// Users and roles: who may log in to what. Deactivating someone ends all their sessions at once (the server
// revokes them), so a person who left cannot keep using an open console or phone.
import { html } from 'lit-html';
import { t } from '../../shared/i18n.js';
import { ResourceScreen } from '../crud.js';
import { payloadFrom } from '../form.js';
import { api, errorText, getAll, notify, state } from '../store.js';

const ROLES = ['admin', 'dispatcher', 'driver'];

function userFields(user) {
  const fields = [
    { name: 'name', label: t('a.f.name'), required: true, autocomplete: 'name' },
    { name: 'email', label: t('a.f.email'), type: 'email', required: !user || user.role !== 'driver' },
    { name: 'phone', label: t('a.f.phone'), type: 'tel', hint: t('a.h.userPhone') },
    { name: 'role', label: t('a.f.role'), type: 'select', default: 'dispatcher', hint: t('a.h.role'),
      options: ROLES.filter((role) => user || role !== 'driver').map((role) => [role, t(`a.role.${role}`)]) },
    { name: 'language', label: t('a.f.language'), type: 'select', default: 'en', options: [['en', 'English'], ['fr', 'Français']] },
  ];
  if (!user) fields.push({ name: 'password', label: t('a.f.tempPassword'), type: 'password', required: true,
    hint: t('a.h.tempPassword'), autocomplete: 'new-password' });
  return fields;
}

async function setActive(user, active) {
  if (!active && !window.confirm(t('a.confirmDeactivate', { name: user.name }))) return;
  try {
    await api.patch(`/api/v1/users/${user.id}`, { active });
    notify('ok', t(active ? 'a.reactivated' : 'a.deactivated', { name: user.name }));
    await users.load();
  } catch (error) {
    notify('error', errorText(error));
  }
}

export const users = new ResourceScreen({
  key: 'users',
  title: () => t('a.nav.users'),
  addLabel: () => t('a.addUser'),
  empty: () => '',
  load: () => getAll('/api/v1/users'),
  itemLabel: (u) => u.name || '',
  columns: () => [
    [t('a.f.name'), (u) => u.name],
    [t('a.f.login'), (u) => u.email || u.phone],
    [t('a.f.role'), (u) => t(`a.role.${u.role}`)],
    [t('a.f.status'), (u) => (u.active ? t('a.active') : t('a.inactive'))],
    [t('a.f.lastLogin'), (u) => (u.last_login_at ? new Date(u.last_login_at).toLocaleString() : t('a.never'))],
  ],
  fields: userFields,
  save: (draft, user) => {
    const payload = payloadFrom(userFields(user), draft);
    if (!user) return api.post('/api/v1/users', payload);
    const changed = Object.fromEntries(Object.entries(payload).filter(([name, value]) => (user[name] ?? null) !== value));
    return api.patch(`/api/v1/users/${user.id}`, changed);
  },
  extra: (user) => (user.id === state.user.id ? html`<p class="hint">${t('a.h.yourself')}</p>` : html`<div class="danger">
    <h3>${t('a.access')}</h3>
    ${user.active
      ? html`<p class="hint">${t('a.h.deactivate')}</p>
        <button type="button" class="danger" @click=${() => setActive(user, false)}>${t('a.deactivate')}</button>`
      : html`<button type="button" @click=${() => setActive(user, true)}>${t('a.reactivate')}</button>`}
  </div>`),
});
