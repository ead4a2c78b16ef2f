// The console's shell: login, the navigation bar and the hash routes.
import { api, session, setUnauthorizedHandler } from './api.js';
import { h, mount } from './dom.js';
import { lang, onLangChange, setLang, t } from './i18n.js';
import { loginPage } from './pages/login.js';
import { campaignsPage } from './pages/campaigns.js';

/**
 * The pages: a read-only key (`read`, `report`) sees the dashboards only (the service
 * refuses a `report` key all but the experiment report). The pages with
 * charts (ECharts) and the editor (CodeMirror) are loaded when first opened.
 */
const ROUTES = [
  { name: 'campaigns', load: async () => campaignsPage, nav: true },
  { name: 'campaign', load: async () => (await import('./pages/campaign.js')).campaignPage },
  { name: 'playground', load: async () => (await import('./pages/playground.js')).playgroundPage, nav: true, operator: true },
  { name: 'why', load: async () => (await import('./pages/why.js')).whyPage, nav: true, operator: true },
];

const canOperate = () => ['admin', 'decide', 'redeem'].some((s) => session.has(s));

const root = document.getElementById('app');
let cleanup = null;
let loginMessage = null;
let renderCount = 0;

function parseHash() {
  const path = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  const [name, ...rest] = path.split('/');
  return { name: name || 'campaigns', arg: rest.join('/') };
}

function navBar(current) {
  const links = ROUTES.filter((r) => r.nav && (!r.operator || canOperate())).map((r) =>
    h('a', {
      href: `#/${r.name}`,
      class: current === r.name || (current === 'campaign' && r.name === 'campaigns') ? 'active' : '',
      testid: `nav-${r.name}`,
    }, t(`nav.${r.name}`)),
  );
  const scopes = session.info?.scopes ?? [];
  return h('header.nav',
    h('a.brand', { href: '#/campaigns' }, 'Mintage'),
    h('nav', links),
    h('div.spacer'),
    h('span.scopes', { testid: 'scopes', title: t('nav.scopes') },
      scopes.map((s) => h(`span.scope.scope-${s}`, s))),
    h('span.version', { testid: 'rules-version' }, session.info?.rules_version ?? ''),
    h('button.link', { testid: 'lang-toggle', onclick: () => setLang(lang() === 'zh' ? 'en' : 'zh') }, t('nav.lang')),
    h('button.link', { testid: 'logout', onclick: logout }, t('nav.logout')),
  );
}

function logout() {
  session.clear();
  loginMessage = null;
  location.hash = '#/campaigns';
  render();
}

async function ensureSession() {
  if (session.info) return true;
  if (!session.key()) return false;
  try {
    session.info = await api('/v1/session', { key: session.key() });
    return true;
  } catch (e) {
    if (e.status === 401) {
      session.clear();
      loginMessage = t('login.expired', { message: e.message });
    } else {
      loginMessage = t('login.failed', { message: e.message });
    }
    return false;
  }
}

async function render() {
  const mine = ++renderCount;
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
  document.title = t('app.title');
  const ok = await ensureSession();
  if (mine !== renderCount) return;
  if (!ok) {
    mount(root, loginPage({ message: loginMessage, onLogin: afterLogin }));
    return;
  }
  const { name, arg } = parseHash();
  let route = ROUTES.find((r) => r.name === name) ?? ROUTES[0];
  if (route.operator && !canOperate()) route = ROUTES[0];
  const main = h('main.page', { testid: `page-${route.name}` }, h('p.muted', t('common.loading')));
  mount(root, navBar(route.name), main);
  let page;
  try {
    page = await route.load();
  } catch (e) {
    mount(main, h('p.error', t('common.error', { message: e.message })));
    return;
  }
  if (mine !== renderCount) return;
  cleanup = page(main, arg) || null;
}

function afterLogin(info) {
  session.info = info;
  loginMessage = null;
  render();
}

setUnauthorizedHandler((error) => {
  if (!session.key() && !session.info) return;
  session.clear();
  loginMessage = t('login.expired', { message: error.message });
  render();
});

window.addEventListener('hashchange', render);
onLangChange(render);
render();
