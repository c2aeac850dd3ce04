// For admins: people and their roles, API keys (the secret shown once), webhooks with
// their deliveries (and redelivery), the audit log and the publication's settings.
import { useState } from 'preact/hooks';
import { api, ok, type Role, type Schemas } from '../api/client';
import { Checkbox, ErrorNote, Select, TextField, announce, useLoad, when } from '../ui';

const ROLES = [
  ['contributor', 'Contributor'],
  ['author', 'Author'],
  ['editor', 'Editor'],
  ['admin', 'Admin'],
] as const;

export function UsersView() {
  const users = useLoad(() => ok(api.GET('/api/v1/users', { params: { query: { limit: 100 } } })), []);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('author');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const update = async (u: Schemas['UserResponse'], body: { role?: Role; disabled?: boolean }) => {
    try {
      await ok(api.PATCH('/api/v1/users/{id}', { params: { path: { id: u.id } }, body: { ...body, version: u.version } }));
      setError(null);
      announce(`Saved ${u.name}`);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section>
      <h1>Users</h1>
      <ErrorNote error={users.error ?? error} />
      <table class="table">
        <caption class="visually-hidden">Users</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">Active</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.data.map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>
                <Select label={`Role of ${u.name}`} value={u.role} options={ROLES} onValue={(r) => update(u, { role: r })} />
              </td>
              <td>{when(u.last_login_at)}</td>
              <td>
                <Checkbox label={`${u.name} may sign in`} checked={!u.disabled} onValue={(on) => update(u, { disabled: !on })} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Invite someone</h2>
      <form
        class="rowform"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await ok(api.POST('/api/v1/users', { body: { email, name, role, password } }));
            setEmail('');
            setName('');
            setPassword('');
            setError(null);
            announce('User created');
            users.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="Email" type="email" value={email} onValue={setEmail} required />
        <TextField label="Name" value={name} onValue={setName} required />
        <Select label="Role" value={role} options={ROLES} onValue={setRole} />
        <TextField label="First password" type="password" autoComplete="new-password" value={password} onValue={setPassword} required />
        <button type="submit" class="button button--primary">
          Create user
        </button>
      </form>
    </section>
  );
}

const SCOPES: Schemas['Scope'][] = ['content:read', 'content:write', 'syndication:read'];

export function ApiKeysView() {
  const keys = useLoad(() => ok(api.GET('/api/v1/api-keys', { params: { query: { limit: 100 } } })), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Schemas['Scope'][]>(['content:read']);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <h1>API keys</h1>
      <ErrorNote error={keys.error ?? error} />
      {secret ? (
        <div class="banner" role="status">
          <p>Copy the key now: it is not shown again.</p>
          <code class="secret">{secret}</code>
        </div>
      ) : null}
      <table class="table">
        <caption class="visually-hidden">API keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Starts with</th>
            <th scope="col">Scopes</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.data.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td>
                <code>{k.prefix}</code>
              </td>
              <td>{k.scopes.join(', ')}</td>
              <td>{k.revoked_at ? `revoked ${when(k.revoked_at)}` : when(k.last_used_at)}</td>
              <td>
                {!k.revoked_at ? (
                  <button
                    type="button"
                    class="button button--small button--danger"
                    aria-label={`Revoke ${k.name}`}
                    onClick={async () => {
                      await ok(api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: k.id } } })).catch(setError);
                      keys.reload();
                    }}
                  >
                    Revoke
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>New key</h2>
      <form
        class="rowform"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const made = await ok(api.POST('/api/v1/api-keys', { body: { name, scopes } }));
            setSecret(made.secret ?? null);
            setName('');
            setError(null);
            keys.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="Key name" value={name} onValue={setName} required />
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <Checkbox key={s} label={s} checked={scopes.includes(s)} onValue={(on) => setScopes(on ? [...scopes, s] : scopes.filter((x) => x !== s))} />
          ))}
        </fieldset>
        <button type="submit" class="button button--primary">
          Create key
        </button>
      </form>
    </section>
  );
}

const EVENTS: Schemas['WebhookEvent'][] = [
  'article.published',
  'article.updated',
  'article.unpublished',
  'article.deleted',
  'article.stage_changed',
  'article.assigned',
  'article.entry_published',
  'article.entry_updated',
  'article.entry_deleted',
  'collection.updated',
];

function Deliveries({ hook }: { hook: Schemas['WebhookResponse'] }) {
  const list = useLoad(() => ok(api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id: hook.id }, query: { limit: 20 } } })), [hook.id]);
  return (
    <div>
      <ErrorNote error={list.error} />
      <table class="table table--compact">
        <caption>Latest deliveries to {hook.url}</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Answer</th>
            <th scope="col">When</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((d) => (
            <tr key={d.id}>
              <td>{d.event}</td>
              <td>{d.status}</td>
              <td>{d.attempts}</td>
              <td>{d.response_code ?? d.last_error ?? '—'}</td>
              <td>{when(d.delivered_at ?? d.created_at)}</td>
              <td>
                <button
                  type="button"
                  class="button button--small"
                  onClick={async () => {
                    await ok(
                      api.POST('/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver', { params: { path: { id: hook.id, delivery: d.id } } }),
                    ).catch(() => undefined);
                    list.reload();
                  }}
                >
                  Redeliver
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function WebhooksView() {
  const hooks = useLoad(() => ok(api.GET('/api/v1/webhooks')), []);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<Schemas['WebhookEvent'][]>(['article.published']);
  const [open, setOpen] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const list = (hooks.data as { data?: Schemas['WebhookResponse'][] } | undefined)?.data ?? [];
  return (
    <section>
      <h1>Webhooks</h1>
      <ErrorNote error={hooks.error ?? error} />
      {secret ? (
        <div class="banner" role="status">
          <p>The signing secret (shown once):</p>
          <code class="secret">{secret}</code>
        </div>
      ) : null}
      <ul class="plain hooks">
        {list.map((h) => (
          <li key={h.id} class="hook">
            <p>
              <strong>{h.url}</strong> {h.active ? <span class="badge">active</span> : <span class="badge badge--archived">off</span>}
              {h.disabled_reason ? <span class="muted"> ({h.disabled_reason})</span> : null}
            </p>
            <p class="muted small">{h.events.join(', ')}</p>
            <div class="actions">
              <button type="button" class="button button--small" aria-expanded={open === h.id ? 'true' : 'false'} onClick={() => setOpen(open === h.id ? null : h.id)}>
                Deliveries
              </button>
              <button
                type="button"
                class="button button--small"
                onClick={async () => {
                  await ok(api.PATCH('/api/v1/webhooks/{id}', { params: { path: { id: h.id } }, body: { active: !h.active } })).catch(setError);
                  hooks.reload();
                }}
              >
                {h.active ? 'Pause' : 'Resume'}
              </button>
              <button
                type="button"
                class="button button--small button--danger"
                onClick={async () => {
                  await ok(api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id: h.id } } })).catch(setError);
                  hooks.reload();
                }}
              >
                Delete
              </button>
            </div>
            {open === h.id ? <Deliveries hook={h} /> : null}
          </li>
        ))}
      </ul>
      <h2>New webhook</h2>
      <form
        class="rowform"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const made = await ok(api.POST('/api/v1/webhooks', { body: { url, events } }));
            setSecret(made.secret ?? null);
            setUrl('');
            setError(null);
            hooks.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="Address (https)" type="url" value={url} onValue={setUrl} required />
        <fieldset>
          <legend>Events</legend>
          {EVENTS.map((ev) => (
            <Checkbox key={ev} label={ev} checked={events.includes(ev)} onValue={(on) => setEvents(on ? [...events, ev] : events.filter((x) => x !== ev))} />
          ))}
        </fieldset>
        <button type="submit" class="button button--primary">
          Create webhook
        </button>
      </form>
    </section>
  );
}

export function AuditView() {
  const [rows, setRows] = useState<Schemas['AuditEntry'][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async (after: string | null) => {
    try {
      const page = await ok(api.GET('/api/v1/audit', { params: { query: { limit: 50, ...(after ? { cursor: after } : {}) } } }));
      setRows((old) => (after ? [...old, ...page.data] : page.data));
      setCursor(page.next_cursor ?? null);
    } catch (err) {
      setError(err);
    }
  };
  useLoad(() => load(null), []);
  return (
    <section>
      <h1>Audit log</h1>
      <ErrorNote error={error} />
      <table class="table table--compact">
        <caption class="visually-hidden">Audit log, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{when(r.at)}</td>
              <td>
                {r.actor_type}
                {r.actor_id ? <code> {r.actor_id}</code> : null}
              </td>
              <td>{r.action}</td>
              <td>
                <code>{r.target}</code>
              </td>
              <td>{r.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor ? (
        <button type="button" class="button" onClick={() => load(cursor)}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

export function SettingsView() {
  const settings = useLoad(() => ok(api.GET('/api/v1/settings')), []);
  return (
    <section>
      <h1>Settings</h1>
      <ErrorNote error={settings.error} />
      {settings.data ? <SettingsForm key={settings.data.version} settings={settings.data} onSaved={settings.set} /> : null}
    </section>
  );
}

function SettingsForm({ settings, onSaved }: { settings: Schemas['SettingsResponse']; onSaved: (s: Schemas['SettingsResponse']) => void }) {
  const [name, setName] = useState(settings.publication_name);
  const [language, setLanguage] = useState(settings.language);
  const [siteUrl, setSiteUrl] = useState(settings.site_url);
  const [pattern, setPattern] = useState(settings.story_url_pattern);
  const [approval, setApproval] = useState(settings.require_approval);
  const [teaser, setTeaser] = useState(settings.teaser_blocks == null ? '' : String(settings.teaser_blocks));
  const [error, setError] = useState<unknown>(null);
  const err = (f: string) => (error instanceof Error && 'field' in error ? (error as { field: (n: string) => string | undefined }).field(f) : undefined);
  return (
    <form
      class="rowform"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          onSaved(
            await ok(
              api.PATCH('/api/v1/settings', {
                body: {
                  publication_name: name,
                  language,
                  site_url: siteUrl,
                  story_url_pattern: pattern,
                  require_approval: approval,
                  ...(teaser.trim() ? { teaser_blocks: Number(teaser) } : {}),
                  version: settings.version,
                },
              }),
            ),
          );
          setError(null);
          announce('Settings saved');
        } catch (e2) {
          setError(e2);
        }
      }}
    >
      <TextField label="Publication name" value={name} onValue={setName} error={err('publication_name')} />
      <TextField label="Language (BCP 47)" value={language} onValue={setLanguage} error={err('language')} />
      <TextField label="Site URL" type="url" value={siteUrl} onValue={setSiteUrl} error={err('site_url')} />
      <TextField label="Story URL pattern" value={pattern} onValue={setPattern} hint="For example /{section}/{slug}" error={err('story_url_pattern')} />
      <TextField label="Blocks shown to non-members (teaser)" type="number" min={0} value={teaser} onValue={setTeaser} error={err('teaser_blocks')} />
      <Checkbox label="Stories need an editor's approval before an author publishes" checked={approval} onValue={setApproval} />
      <ErrorNote error={error} />
      <button type="submit" class="button button--primary">
        Save settings
      </button>
    </form>
  );
}
