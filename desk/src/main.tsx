// The desk: sign-in, then a shell whose navigation follows the person's role, and
// one view per address under /desk/.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, hasStoredSession, ok, refresh, signIn, signOut, whenSignedOut, type User } from './api/client';
import { match, navigate, useRoute } from './router';
import { ErrorNote, Link, LiveRegion, TextField } from './ui';
import { SessionContext, atLeast } from './session';
import { StoriesView } from './views/Stories';
import { EditorView } from './views/Editor';
import { CollectionsView, CollectionView } from './views/Collections';
import { MediaView } from './views/Media';
import { TaxonomyView } from './views/Taxonomy';
import { UsersView, ApiKeysView, WebhooksView, AuditView, SettingsView } from './views/Admin';

function SignIn({ onSignedIn }: { onSignedIn: (me: User) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin" id="main">
      <form
        class="signin__form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await signIn(email.trim(), password);
            onSignedIn(await ok(api.GET('/api/v1/me')));
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>Dateline desk</h1>
        <p class="muted">Sign in with your newsroom account.</p>
        <TextField label="Email" type="email" autoComplete="username" required value={email} onValue={setEmail} />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onValue={setPassword} />
        <ErrorNote error={error} />
        <button type="submit" class="button button--primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

const NAV: { to: string; label: string; role: 'contributor' | 'editor' | 'admin' }[] = [
  { to: '/', label: 'Stories', role: 'contributor' },
  { to: '/collections', label: 'Collections', role: 'editor' },
  { to: '/media', label: 'Media', role: 'contributor' },
  { to: '/sections', label: 'Sections', role: 'editor' },
  { to: '/tags', label: 'Tags', role: 'editor' },
  { to: '/authors', label: 'Authors', role: 'editor' },
  { to: '/users', label: 'Users', role: 'admin' },
  { to: '/api-keys', label: 'API keys', role: 'admin' },
  { to: '/webhooks', label: 'Webhooks', role: 'admin' },
  { to: '/audit', label: 'Audit log', role: 'admin' },
  { to: '/settings', label: 'Settings', role: 'admin' },
];

function View({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === '/' || path === '/stories') return <StoriesView />;
  if ((m = match('/stories/:id', path))) return <EditorView key={m.id} id={m.id!} />;
  if (path === '/collections') return <CollectionsView />;
  if ((m = match('/collections/:slug', path))) return <CollectionView key={m.slug} slug={m.slug!} />;
  if (path === '/media') return <MediaView />;
  if (path === '/sections') return <TaxonomyView kind="sections" />;
  if (path === '/tags') return <TaxonomyView kind="tags" />;
  if (path === '/authors') return <TaxonomyView kind="authors" />;
  if (path === '/users') return <UsersView />;
  if (path === '/api-keys') return <ApiKeysView />;
  if (path === '/webhooks') return <WebhooksView />;
  if (path === '/audit') return <AuditView />;
  if (path === '/settings') return <SettingsView />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Back to the stories</Link>
      </p>
    </section>
  );
}

function App() {
  const [me, setMe] = useState<User | null>(null);
  const [starting, setStarting] = useState(hasStoredSession());
  const [menuOpen, setMenuOpen] = useState(false);
  const { path } = useRoute();

  useEffect(() => {
    whenSignedOut(() => setMe(null));
    if (!hasStoredSession()) return;
    (async () => {
      try {
        if (await refresh()) setMe(await ok(api.GET('/api/v1/me')));
      } finally {
        setStarting(false);
      }
    })();
  }, []);
  useEffect(() => setMenuOpen(false), [path]);

  if (starting) return <p class="loading">Loading the desk…</p>;
  if (!me) return <SignIn onSignedIn={setMe} />;
  const links = NAV.filter((n) => atLeast(me.role, n.role));
  const active = (to: string) => (to === '/' ? path === '/' || path.startsWith('/stories') : path.startsWith(to));
  return (
    <SessionContext.Provider value={me}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link to="/" class="topbar__brand">
          Dateline desk
        </Link>
        <button
          type="button"
          class="topbar__menu button"
          aria-expanded={menuOpen ? 'true' : 'false'}
          aria-controls="desk-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="desk-nav" aria-label="Desk" class={menuOpen ? 'topbar__nav topbar__nav--open' : 'topbar__nav'}>
          <ul>
            {links.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={active(n.to) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="topbar__who">
          <span>
            {me.name} <span class="badge">{me.role}</span>
          </span>
          <button
            type="button"
            class="button button--quiet"
            onClick={async () => {
              await signOut();
              setMe(null);
              navigate('/', { replace: true });
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabindex={-1} class="main">
        <View path={path} />
      </main>
      <LiveRegion />
    </SessionContext.Provider>
  );
}

const root = document.getElementById('app')!;
// The page's own "Loading" line goes; Preact owns the container from here.
root.replaceChildren();
render(<App />, root);
