// Curated collections: the list, and each one as an ordered list reordered by drag
// and drop or from the keyboard (Alt+↑/↓ or the Up/Down buttons), with pins, expiry,
// capacity, stories added by search, scheduled orders and history with restore.
// Every change carries the collection's version; a 412 (a colleague reordered
// first) shows the colleague's order and says so, and nothing is overwritten.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, ok, type Schemas } from '../api/client';
import { StoryPicker } from '../pickers';
import { ErrorNote, Link, TextField, announce, fromLocalInput, toLocalInput, useLoad, when } from '../ui';

type Curation = Schemas['Curation'];
type Item = Schemas['CuratedItem'];

export function CollectionsView() {
  const list = useLoad(() => ok(api.GET('/api/v1/collections', { params: { query: { limit: 100 } } })), []);
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <h1>Collections</h1>
      <ErrorNote error={list.error} />
      <table class="table">
        <caption class="visually-hidden">Collections</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Slug</th>
            <th scope="col">Capacity</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((c) => (
            <tr key={c.id}>
              <td>
                <Link to={`/collections/${c.slug}`}>{c.name}</Link>
              </td>
              <td>
                <code>{c.slug}</code>
              </td>
              <td>{c.max_items}</td>
              <td>{when(c.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await ok(api.POST('/api/v1/collections', { body: { name, ...(slug ? { slug } : {}) } }));
            setName('');
            setSlug('');
            setError(null);
            list.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="New collection name" value={name} onValue={setName} required />
        <TextField label="Slug (optional)" value={slug} onValue={setSlug} />
        <button type="submit" class="button">
          Create collection
        </button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}

const inputs = (items: Item[]): Schemas['ItemInput'][] =>
  items.map((i) => ({ article_id: i.article.id, pinned: i.pinned, ...(i.expires_at ? { expires_at: i.expires_at } : {}) }));

export function CollectionView({ slug }: { slug: string }) {
  const [curation, setCuration] = useState<Curation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Where a drag started: a ref, because dragover fires before a re-render could tell.
  const dragFrom = useRef<number | null>(null);
  const setDragFrom = (at: number | null) => {
    dragFrom.current = at;
  };
  const [dropAt, setDropAt] = useState<number | null>(null);
  const [historyKey, setHistoryKey] = useState(0);
  const focusId = useRef<string | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const path = { params: { path: { slug } } };

  const load = async () => {
    try {
      const fresh = await ok(api.GET('/api/v1/collections/{slug}/items', path));
      latest.current = fresh;
      setCuration(fresh);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [slug]);
  // Moving a focused node blurs it: focus comes back in the same task as the render.
  useLayoutEffect(() => {
    if (!focusId.current) return;
    listRef.current?.querySelector<HTMLElement>(`[data-id="${focusId.current}"]`)?.focus();
    focusId.current = null;
  });

  // Writes go one at a time, each with the version the previous one returned (a
  // second Alt+↓ before the first answer must not look like a colleague's change).
  const latest = useRef<Curation | null>(null);
  // Set only by show() and load(): never from a render, whose state may predate the
  // version a queued write just took.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const show = (next: Curation) => {
    latest.current = next;
    setCuration(next);
  };

  /** One write; on 412 the colleague's order is shown instead, with a notice. */
  const queued = useRef(0);
  const epoch = useRef(0);
  const write = (what: string, call: (version: number) => Promise<Curation>) => {
    const mine = ++queued.current;
    const era = epoch.current;
    queue.current = queue.current.then(async () => {
      // Changes made on the order a 412 replaced are not sent on top of the new one.
      if (!latest.current || era !== epoch.current) return;
      try {
        const answer = await call(latest.current.version);
        // A later change is already on screen (and queued): keep it, take the version.
        if (mine === queued.current) show(answer);
        else latest.current = { ...latest.current, version: answer.version };
        setError(null);
        setNotice(null);
        setHistoryKey((k) => k + 1);
        announce(what);
      } catch (err) {
        if (err instanceof ApiError && err.status === 412) {
          epoch.current += 1;
          await load();
          setNotice('Someone else changed this collection a moment ago. This is their order now; make your change again if it still applies.');
          announce('A colleague changed this collection; the new order is shown');
        } else {
          setError(err);
        }
      }
    });
    return queue.current;
  };
  const move = (from: number, to: number) => {
    const now = latest.current;
    if (!now || to < 0 || to >= now.items.length || from === to) return;
    const items = [...now.items];
    const [x] = items.splice(from, 1);
    items.splice(to, 0, x!);
    focusId.current = x!.article.id;
    show({ ...now, items });
    write(`“${x!.article.headline}” moved to position ${to + 1}`, (version) =>
      ok(api.PUT('/api/v1/collections/{slug}/items', { ...path, body: { version, items: inputs(items) } })),
    );
  };

  if (!curation) {
    return (
      <section>
        <h1>Collection</h1>
        <ErrorNote error={error} />
        {!error ? <p class="loading">Loading…</p> : null}
      </section>
    );
  }
  const items = curation.items;
  return (
    <section>
      <p class="crumbs">
        <Link to="/collections">Collections</Link>
      </p>
      <h1>
        Collection <code>{curation.slug}</code>
      </h1>
      <p class="muted">
        {items.length} of at most {curation.max_items} stories · version {curation.version} · updated {when(curation.updated_at)}
      </p>
      {notice ? (
        <p class="banner banner--warn" role="alert">
          {notice}
        </p>
      ) : null}
      <ErrorNote error={error} />
      <ol class="curation" ref={listRef} aria-label="Stories in order">
        {items.map((item, index) => (
          <li
            key={item.article.id}
            data-id={item.article.id}
            tabIndex={0}
            aria-label={`${index + 1}. ${item.article.headline}${item.pinned ? ', pinned' : ''}`}
            draggable
            class={`curation__item${dropAt === index ? ' curation__item--drop' : ''}${item.visible ? '' : ' curation__item--hidden'}`}
            onDragStart={(e) => {
              e.dataTransfer?.setData('text/plain', item.article.id);
              setDragFrom(index);
            }}
            onDragEnd={() => {
              setDragFrom(null);
              setDropAt(null);
            }}
            onDragOver={(e) => {
              if (dragFrom.current === null) return;
              e.preventDefault();
              setDropAt(index);
            }}
            onDrop={(e) => {
              e.preventDefault();
              if (dragFrom.current !== null) move(dragFrom.current, index);
              setDragFrom(null);
              setDropAt(null);
            }}
            onKeyDown={(e) => {
              if (e.target !== e.currentTarget || !e.altKey) return;
              if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
                e.preventDefault();
                move(index, e.key === 'ArrowUp' ? index - 1 : index + 1);
              }
            }}
          >
            <span class="curation__handle" aria-hidden="true">
              ⠿
            </span>
            <span class="curation__pos">{index + 1}</span>
            <span class="curation__headline">
              {item.article.headline}
              {item.pinned ? <span class="badge">pinned</span> : null}
              {!item.visible ? <span class="badge">not shown ({item.status})</span> : null}
              {item.expires_at ? <span class="muted small"> · until {when(item.expires_at)}</span> : null}
            </span>
            <span class="curation__tools">
              <button type="button" class="button button--small" aria-label={`Move “${item.article.headline}” up`} disabled={index === 0} onClick={() => move(index, index - 1)}>
                Up
              </button>
              <button
                type="button"
                class="button button--small"
                aria-label={`Move “${item.article.headline}” down`}
                disabled={index === items.length - 1}
                onClick={() => move(index, index + 1)}
              >
                Down
              </button>
              <button
                type="button"
                class="button button--small"
                aria-label={`${item.pinned ? 'Unpin' : 'Pin'} “${item.article.headline}”`}
                onClick={() =>
                  write(item.pinned ? 'Unpinned' : 'Pinned', (version) =>
                    ok(
                      api.PATCH('/api/v1/collections/{slug}/items/{article}', {
                        params: { path: { slug, article: item.article.id } },
                        body: { pinned: !item.pinned, version },
                      }),
                    ),
                  )
                }
              >
                {item.pinned ? 'Unpin' : 'Pin'}
              </button>
              <Expiry item={item} onSet={(expires_at) =>
                write('Expiry set', (version) =>
                  ok(
                    api.PATCH('/api/v1/collections/{slug}/items/{article}', {
                      params: { path: { slug, article: item.article.id } },
                      body: { expires_at, version },
                    }),
                  ),
                )
              } />
              <button
                type="button"
                class="button button--small button--danger"
                aria-label={`Remove “${item.article.headline}”`}
                onClick={() =>
                  write('Removed', (version) =>
                    ok(
                      api.DELETE('/api/v1/collections/{slug}/items/{article}', {
                        params: { path: { slug, article: item.article.id }, query: { version } },
                      }),
                    ),
                  )
                }
              >
                Remove
              </button>
            </span>
          </li>
        ))}
      </ol>
      {items.length === 0 ? <p class="muted">No stories yet.</p> : null}
      <p class="muted small">Drag a story, or focus it and press Alt+↑ or Alt+↓, to change the order.</p>
      <StoryPicker
        label="Add a story"
        publishedOnly
        exclude={items.map((i) => i.article.id)}
        onPick={(a) =>
          write(`“${a.headline}” added at the top`, (version) =>
            ok(api.POST('/api/v1/collections/{slug}/items', { ...path, body: { article_id: a.id, position: 1, version } })),
          )
        }
      />
      <Capacity slug={slug} max={curation.max_items} onSaved={load} />
      <Schedules slug={slug} items={items} />
      <History key={historyKey} slug={slug} onRestored={load} />
    </section>
  );
}

function Expiry({ item, onSet }: { item: Item; onSet: (at: string | null) => void }) {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(toLocalInput(item.expires_at));
  if (!open) {
    return (
      <button type="button" class="button button--small" aria-label={`Expiry of “${item.article.headline}”`} onClick={() => setOpen(true)}>
        Expiry
      </button>
    );
  }
  return (
    <span class="inline-form">
      <TextField label="Leaves the collection at" type="datetime-local" value={value} onValue={setValue} />
      <button
        type="button"
        class="button button--small"
        onClick={() => {
          onSet(fromLocalInput(value));
          setOpen(false);
        }}
      >
        Set expiry
      </button>
    </span>
  );
}

function Capacity({ slug, max, onSaved }: { slug: string; max: number; onSaved: () => void }) {
  const [value, setValue] = useState(String(max));
  const [error, setError] = useState<unknown>(null);
  return (
    <details class="panel">
      <summary>Capacity</summary>
      <form
        class="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const c = await ok(api.GET('/api/v1/collections/{slug}', { params: { path: { slug } } }));
            await ok(api.PATCH('/api/v1/collections/{slug}', { params: { path: { slug } }, body: { max_items: Number(value), version: c.version } }));
            setError(null);
            announce('Capacity saved');
            onSaved();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="At most this many stories" type="number" min={1} max={500} value={value} onValue={setValue} />
        <button type="submit" class="button button--small">
          Save capacity
        </button>
      </form>
      <ErrorNote error={error} />
    </details>
  );
}

function Schedules({ slug, items }: { slug: string; items: Item[] }) {
  const list = useLoad(() => ok(api.GET('/api/v1/collections/{slug}/schedules', { params: { path: { slug } } })), [slug]);
  const [at, setAt] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <details class="panel">
      <summary>Scheduled orders</summary>
      <ul class="plain">
        {(list.data ?? []).map((s) => (
          <li key={s.id}>
            {when(s.publish_at)}: {s.items.length} stories, {s.status}
            {s.status === 'pending' ? (
              <button
                type="button"
                class="button button--small"
                onClick={async () => {
                  await ok(api.DELETE('/api/v1/collections/{slug}/schedules/{id}', { params: { path: { slug, id: s.id } } }));
                  list.reload();
                }}
              >
                Cancel
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <div class="inline-form">
        <TextField label="Apply this order at" type="datetime-local" value={at} onValue={setAt} />
        <button
          type="button"
          class="button button--small"
          disabled={!at}
          onClick={async () => {
            try {
              await ok(
                api.POST('/api/v1/collections/{slug}/schedules', {
                  params: { path: { slug } },
                  body: { publish_at: fromLocalInput(at)!, items: inputs(items) },
                }),
              );
              setError(null);
              setAt('');
              announce('Order scheduled');
              list.reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          Schedule this order
        </button>
      </div>
      <ErrorNote error={error} />
    </details>
  );
}

function History({ slug, onRestored }: { slug: string; onRestored: () => void }) {
  const list = useLoad(() => ok(api.GET('/api/v1/collections/{slug}/history', { params: { path: { slug }, query: { limit: 20 } } })), [slug]);
  const [error, setError] = useState<unknown>(null);
  return (
    <details class="panel">
      <summary>History</summary>
      <ol class="plain">
        {(list.data?.data ?? []).map((c) => (
          <li key={c.version}>
            Version {c.version}: {c.operation}, {when(c.created_at)} ({c.after.length} stories){' '}
            <button
              type="button"
              class="button button--small"
              onClick={async () => {
                try {
                  const now = await ok(api.GET('/api/v1/collections/{slug}', { params: { path: { slug } } }));
                  await ok(
                    api.POST('/api/v1/collections/{slug}/history/{version}/restore', {
                      params: { path: { slug, version: c.version } },
                      body: { version: now.version },
                    }),
                  );
                  announce(`Order of version ${c.version} restored`);
                  onRestored();
                  list.reload();
                } catch (err) {
                  setError(err);
                }
              }}
            >
              Restore this order
            </button>
          </li>
        ))}
      </ol>
      <ErrorNote error={error} />
    </details>
  );
}
