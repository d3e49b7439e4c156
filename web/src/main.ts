/** The app shell: top navigation, live-update indicator and the routed page. */
import './style.css';
import { el, replace } from './dom';
import { connectLive, type LiveState } from './live';
import type { Page, PageFactory } from './page';
import { dashboardPage } from './pages/dashboard';
import { dashboardsPage } from './pages/dashboards';
import { datasetPage } from './pages/dataset';
import { datasetsPage } from './pages/datasets';
import { fileDetailPage } from './pages/file-detail';
import { filesPage } from './pages/files';
import { notFoundPage } from './pages/not-found';
import { opsPage } from './pages/ops';
import { parseHash, type Route } from './router';
import { ensureSignedIn } from './sign-in';

interface NavItem {
  name: string;
  label: string;
  href: string;
  testid: string;
}

const NAV: NavItem[] = [
  { name: '', label: 'Files', href: '#/', testid: 'nav-files' },
  { name: 'datasets', label: 'Datasets', href: '#/datasets', testid: 'nav-datasets' },
  { name: 'dashboards', label: 'Dashboards', href: '#/dashboards', testid: 'nav-dashboards' },
  { name: 'ops', label: 'Operations', href: '#/ops', testid: 'nav-ops' },
];

/** The page for a route; `section` is the nav entry it belongs to. */
function pageFor(route: Route | null): { factory: PageFactory; section: string } {
  if (!route) return { factory: notFoundPage, section: '' };
  const one = route.params.length === 0;
  switch (route.name) {
    case '':
      return { factory: filesPage, section: '' };
    case 'files':
      return { factory: one ? filesPage : fileDetailPage, section: '' };
    case 'datasets':
      return { factory: one ? datasetsPage : datasetPage, section: 'datasets' };
    case 'dashboards':
      return { factory: one ? dashboardsPage : dashboardPage, section: 'dashboards' };
    case 'ops':
      return { factory: opsPage, section: 'ops' };
    default:
      return { factory: notFoundPage, section: '' };
  }
}

const LIVE_TEXT: Record<LiveState, string> = { connecting: 'connecting…', live: 'live', offline: 'offline' };

function start(app: HTMLElement): void {
  const links = NAV.map((n) => ({ item: n, a: el('a', { href: n.href, 'data-testid': n.testid }, n.label) }));
  const live = el('span', { class: 'live', 'data-state': 'connecting', title: 'updates from the server' }, LIVE_TEXT.connecting);
  const main = el('main');
  replace(app, el('header', { class: 'top' }, el('a', { class: 'brand', href: '#/' }, 'Sluice'), el('nav', null, ...links.map((l) => l.a)), live), main);

  let current: Page | null = null;
  const show = (): void => {
    current?.dispose();
    const route = parseHash(location.hash);
    const { factory, section } = pageFor(route);
    for (const { item, a } of links) {
      if (item.name === section) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const root = el('div', { class: 'page' });
    replace(main, root);
    window.scrollTo(0, 0);
    current = factory(root, route?.params ?? []);
  };

  window.addEventListener('hashchange', show);
  connectLive(
    () => current?.refresh(),
    (state) => {
      live.dataset.state = state;
      live.textContent = LIVE_TEXT[state];
    },
  );
  show();
}

const app = document.getElementById('app');
if (app) void ensureSignedIn(app).then((ok) => ok && start(app));
