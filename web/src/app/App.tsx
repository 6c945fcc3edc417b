import { useEffect } from 'preact/hooks';
import { api } from './http';
import { homeFor, routes } from './routes';
import { Link, location$, matchRoute, navigate, type RouteDef } from './router';
import { lockedSession, me, roleNames, signOutLocally } from './session';
import { UnlockPage } from '../features/auth/UnlockPage';
import { Notice } from '../ui/components';

function findRoute(pathname: string): { route: RouteDef; params: Record<string, string> } | null {
  for (const route of routes) {
    const params = matchRoute(route.path, pathname);
    if (params) return { route, params };
  }
  return null;
}

async function signOut() {
  try {
    await api.post('/api/auth/logout');
  } catch {
    // The server session may already be gone; forgetting it here is what matters.
  }
  signOutLocally();
  navigate('/login', true);
}

function Nav() {
  const user = me.value;
  const pathname = location$.value.split('?')[0];
  if (!user) {
    return (
      <nav aria-label="Main">
        <ul>
          <li><Link href="/login" aria-current={pathname === '/login' ? 'page' : undefined}>Sign in</Link></li>
          <li><Link href="/signup" aria-current={pathname === '/signup' ? 'page' : undefined}>Create account</Link></li>
        </ul>
      </nav>
    );
  }
  const items = routes.filter((r) => r.nav && Array.isArray(r.roles) && r.roles.includes(user.role));
  return (
    <nav aria-label="Main">
      <ul>
        {items.map((r) => (
          <li key={r.path}>
            <Link href={r.path} aria-current={pathname.startsWith(r.path) ? 'page' : undefined}>
              {r.title}
            </Link>
          </li>
        ))}
        <li><Link href="/account" aria-current={pathname === '/account' ? 'page' : undefined}>Account</Link></li>
        <li>
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </li>
      </ul>
    </nav>
  );
}

export function App() {
  const pathname = location$.value.split('?')[0];
  const user = me.value;
  const found = findRoute(pathname);

  // Redirects happen in an effect so rendering stays pure.
  // After a reload the session's tokens may survive without its keys: signed-in screens then show the unlock step.
  const locked = !user ? lockedSession.value : null;
  const redirect = (() => {
    if (pathname === '/' || !found) return user ? homeFor(user.role) : locked ? homeFor(locked.user.role) : '/login';
    if (found.route.roles === 'public') return null;
    if (!user && !locked) return `/login?next=${encodeURIComponent(location$.value)}`;
    return null;
  })();
  useEffect(() => {
    if (redirect) navigate(redirect, true);
  }, [redirect]);

  let content;
  if (redirect || !found) content = null;
  else if (locked && found.route.roles !== 'public') content = <UnlockPage />;
  else if (Array.isArray(found.route.roles) && user && !found.route.roles.includes(user.role))
    content = (
      <Notice kind="warning">
        <strong>Not available for your role.</strong> {found.route.title} is for {found.route.roles.map((r) => roleNames[r]).join(', ')} accounts.
      </Notice>
    );
  else {
    const Screen = found.route.component;
    content = <Screen params={found.params} />;
  }

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          MedLedger
        </Link>
        {user && (
          <span class="who" aria-label="Signed in as">
            {roleNames[user.role]} · {user.email}
          </span>
        )}
        <Nav />
      </header>
      {user && !user.canAct && (
        <div class="banner" role="status">
          {user.cannotActReason ?? 'Your account is waiting for verification by a platform admin.'}
        </div>
      )}
      <main id="main">{content}</main>
      <footer class="foot">
        <small>End-to-end encrypted in this browser · every access is recorded on the ledger</small>
      </footer>
    </>
  );
}
