// The live coverage console: type an entry and post it with Ctrl+Enter (or the
// button), mark key events, pin, and see colleagues' entries arrive over the same
// Server-Sent Events stream readers follow (polling for a story not yet public).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok, type Article, type Schemas } from '../api/client';
import { Checkbox, ErrorNote, TextArea, TextField, announce, when } from '../ui';

type Entry = Schemas['EntryResponse'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Paragraphs from typed text: a blank line starts a new one, a newline is a break. */
function blocksOf(text: string): Schemas['Block'][] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => ({ type: 'paragraph' as const, html: escape(p).replace(/\n/g, '<br>') }));
}

export function LiveConsole({ article }: { article: Article }) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [text, setText] = useState('');
  const [headline, setHeadline] = useState('');
  const [keyEvent, setKeyEvent] = useState(false);
  const [pinned, setPinned] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [connected, setConnected] = useState<'live' | 'polling' | 'reconnecting'>('polling');
  const key = { params: { path: { key: article.id } } };
  const upsert = useRef((e: Entry) =>
    setEntries((list) => [e, ...list.filter((x) => x.id !== e.id)].sort((a, b) => b.published_at.localeCompare(a.published_at))),
  );

  useEffect(() => {
    let stop = false;
    let source: EventSource | null = null;
    let poll: ReturnType<typeof setInterval> | null = null;
    (async () => {
      try {
        const page = await ok(api.GET('/api/v1/articles/{key}/entries', { params: { path: { key: article.id }, query: { limit: 50 } } }));
        if (stop) return;
        setEntries(page.data);
        if (article.status === 'published') {
          source = new EventSource(
            `/api/v1/articles/${encodeURIComponent(article.id)}/entries/stream?last_event_id=${encodeURIComponent(String(page.last_event_id ?? 0))}`,
          );
          source.onopen = () => setConnected('live');
          source.onerror = () => setConnected('reconnecting');
          const onEntry = (ev: MessageEvent) => upsert.current(JSON.parse(ev.data as string) as Entry);
          source.addEventListener('entry.created', onEntry);
          source.addEventListener('entry.updated', onEntry);
          source.addEventListener('entry.deleted', (ev) => {
            const { id } = JSON.parse((ev as MessageEvent).data as string) as { id: string };
            setEntries((list) => list.filter((x) => x.id !== id));
          });
        } else {
          poll = setInterval(async () => {
            const fresh = await ok(api.GET('/api/v1/articles/{key}/entries', { params: { path: { key: article.id }, query: { limit: 50 } } }));
            if (!stop) setEntries(fresh.data);
          }, 5000);
        }
      } catch (err) {
        setError(err);
      }
    })();
    return () => {
      stop = true;
      source?.close();
      if (poll) clearInterval(poll);
    };
  }, [article.id, article.status]);

  const post = async () => {
    const body = blocksOf(text);
    if (!body.length) return;
    try {
      const created = await ok(
        api.POST('/api/v1/articles/{key}/entries', {
          ...key,
          body: { body, ...(headline.trim() ? { headline: headline.trim() } : {}), key_event: keyEvent, pinned },
        }),
      );
      upsert.current(created);
      setText('');
      setHeadline('');
      setKeyEvent(false);
      setPinned(false);
      setError(null);
      announce('Entry posted');
    } catch (err) {
      setError(err);
    }
  };
  const patch = async (e: Entry, body: { pinned?: boolean; key_event?: boolean }) => {
    try {
      upsert.current(
        await ok(
          api.PATCH('/api/v1/articles/{key}/entries/{id}', {
            params: { path: { key: article.id, id: e.id } },
            body: { ...body, version: e.version },
          }),
        ),
      );
    } catch (err) {
      setError(err);
    }
  };

  return (
    <details class="panel live" open>
      <summary>Live coverage ({article.live?.state})</summary>
      <p class="muted small" role="status">
        {connected === 'live' ? 'Following new entries as they arrive.' : connected === 'reconnecting' ? 'Reconnecting…' : 'Checking for new entries every few seconds.'}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          post();
        }}
      >
        <TextField label="Entry headline (optional)" value={headline} onValue={setHeadline} />
        <TextArea
          label="New entry (Ctrl+Enter posts)"
          value={text}
          onValue={setText}
          rows={4}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              post();
            }
          }}
        />
        <Checkbox label="Key event" checked={keyEvent} onValue={setKeyEvent} />
        <Checkbox label="Pin to the top" checked={pinned} onValue={setPinned} />
        <button type="submit" class="button button--primary" disabled={!text.trim()}>
          Post entry
        </button>
      </form>
      <ErrorNote error={error} />
      <ol class="plain entries" aria-label="Entries, newest first">
        {entries.map((e) => (
          <li key={e.id} class={`entry${e.pinned ? ' entry--pinned' : ''}${e.key_event ? ' entry--key' : ''}`}>
            <p class="muted small">
              {when(e.published_at)} · {e.authors.map((a) => a.name).join(', ') || article.authors.map((a) => a.name).join(', ')}
              {e.pinned ? ' · pinned' : ''}
              {e.key_event ? ' · key event' : ''}
            </p>
            {e.headline ? <p class="entry__headline">{e.headline}</p> : null}
            <div class="entry__body" dangerouslySetInnerHTML={{ __html: e.body_html }} />
            <div class="actions">
              <button type="button" class="button button--small" onClick={() => patch(e, { pinned: !e.pinned })}>
                {e.pinned ? 'Unpin' : 'Pin'}
              </button>
              <button type="button" class="button button--small" onClick={() => patch(e, { key_event: !e.key_event })}>
                {e.key_event ? 'Not a key event' : 'Mark key event'}
              </button>
              <button
                type="button"
                class="button button--small button--danger"
                onClick={async () => {
                  try {
                    await ok(api.DELETE('/api/v1/articles/{key}/entries/{id}', { params: { path: { key: article.id, id: e.id } } }));
                    setEntries((list) => list.filter((x) => x.id !== e.id));
                  } catch (err) {
                    setError(err);
                  }
                }}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ol>
    </details>
  );
}
