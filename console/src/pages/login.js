// The login screen: an API key, checked against GET /v1/session.
import { api, session } from '../api.js';
import { h } from '../dom.js';
import { lang, setLang, t } from '../i18n.js';

export function loginPage({ message, onLogin }) {
  const input = h('input', {
    type: 'password', id: 'login-key', autocomplete: 'off', spellcheck: false,
    placeholder: 'mnt_…', testid: 'login-key',
  });
  const error = h('p.error', { testid: 'login-error', role: 'alert' }, message ?? '');
  const button = h('button.primary', { type: 'submit', testid: 'login-submit' }, t('login.submit'));

  async function submit(ev) {
    ev.preventDefault();
    const key = input.value.trim();
    if (!key) {
      error.textContent = t('login.empty');
      return;
    }
    button.disabled = true;
    error.textContent = '';
    try {
      const info = await api('/v1/session', { key });
      session.setKey(key);
      onLogin(info);
    } catch (e) {
      error.textContent = t('login.failed', { message: e.message });
      button.disabled = false;
      input.select();
    }
  }

  const form = h('form.login', { onsubmit: submit, testid: 'login' },
    h('div.login-head',
      h('h1', 'Mintage'),
      h('button.link', { type: 'button', testid: 'lang-toggle', onclick: () => setLang(lang() === 'zh' ? 'en' : 'zh') }, t('nav.lang')),
    ),
    h('p.muted', t('login.title')),
    h('label', { for: 'login-key' }, t('login.key')),
    input,
    button,
    error,
    h('p.hint', t('login.hint')),
  );
  setTimeout(() => input.focus(), 0);
  return h('div.login-wrap', form);
}
