// Who works on a story and where it stands: the edit lock, the stage, the assignees
// and the desk's internal notes (never public).
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok, type Article, type Schemas, type User } from '../api/client';
import { people, type Option } from '../lookups';
import { atLeast, useMe } from '../session';
import { AddChoice, Checkbox, ErrorNote, Select, TextArea, announce, when } from '../ui';

type Stage = Schemas['Stage'];
type Note = Schemas['NoteResponse'];

export type Lock = {
  heldByMe: boolean;
  heldByOther: boolean;
  banner: JSX.Element | null;
  controls: JSX.Element;
};

/** The story's edit lock: taken on request, renewed while held, released on leaving. */
export function useLock(article: Article, me: User, onArticle: (a: Article) => void): Lock {
  const [error, setError] = useState<unknown>(null);
  const lock = article.lock && new Date(article.lock.expires_at) > new Date() ? article.lock : null;
  const heldByMe = !!lock && lock.user.id === me.id;
  const heldByOther = !!lock && !heldByMe;
  const latest = useRef(article);
  latest.current = article;

  const take = async (takeover = false) => {
    try {
      const got = await ok(api.POST('/api/v1/articles/{key}/lock', { params: { path: { key: article.id } }, body: { takeover } }));
      onArticle({ ...latest.current, lock: got });
      setError(null);
      announce(takeover ? 'You took over the lock' : 'Locked for your editing');
    } catch (err) {
      setError(err);
    }
  };
  const release = async () => {
    try {
      await ok(api.DELETE('/api/v1/articles/{key}/lock', { params: { path: { key: article.id } } }));
      onArticle({ ...latest.current, lock: null });
      announce('Lock released');
    } catch (err) {
      setError(err);
    }
  };

  // Renew at half its life while this editor holds it.
  useEffect(() => {
    if (!heldByMe || !lock) return;
    const left = new Date(lock.expires_at).getTime() - Date.now();
    const t = setTimeout(() => take(false), Math.max(5000, left / 2));
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [heldByMe, lock?.expires_at]);
  // Leaving the story lets go of it.
  const held = useRef(heldByMe);
  held.current = heldByMe;
  useEffect(
    () => () => {
      if (held.current) api.DELETE('/api/v1/articles/{key}/lock', { params: { path: { key: article.id } } }).catch(() => undefined);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );

  const banner = heldByOther ? (
    <div class="banner banner--warn" role="status">
      {lock!.user.name} is editing this story (locked since {when(lock!.acquired_at)}, until {when(lock!.expires_at)}). You can
      read it; editing waits until they let go.
      {atLeast(me.role, 'editor') ? (
        <>
          {' '}
          <button type="button" class="button button--small" onClick={() => take(true)}>
            Take over the lock
          </button>
        </>
      ) : null}
    </div>
  ) : null;
  const controls = (
    <div class="lock">
      <p>{lock ? (heldByMe ? 'You hold the edit lock.' : `Locked by ${lock.user.name}.`) : 'No one holds the edit lock.'}</p>
      {!lock ? (
        <button type="button" class="button button--small" onClick={() => take(false)}>
          Lock for my editing
        </button>
      ) : null}
      {heldByMe ? (
        <button type="button" class="button button--small" onClick={release}>
          Release the lock
        </button>
      ) : null}
      <ErrorNote error={error} />
    </div>
  );
  return { heldByMe, heldByOther, banner, controls };
}

const STAGES = [
  ['writing', 'Writing'],
  ['ready_for_edit', 'Ready for edit'],
  ['ready_to_publish', 'Ready to publish'],
] as const;

export function WorkflowPanel(props: { article: Article; onArticle: (a: Article) => void; lock: Lock }) {
  const { article } = props;
  const me = useMe();
  const [error, setError] = useState<unknown>(null);
  const [everyone, setEveryone] = useState<Option[]>([]);
  useEffect(() => {
    people().then(setEveryone, () => undefined);
  }, []);

  const patch = async (body: { stage?: Stage; assignees?: string[] }) => {
    try {
      const saved = await ok(
        api.PATCH('/api/v1/articles/{key}', { params: { path: { key: article.id } }, body: { ...body, version: article.version } }),
      );
      props.onArticle(saved);
      setError(null);
      announce('Saved');
    } catch (err) {
      setError(err);
    }
  };
  const assignees = article.assignees ?? [];
  const ids = assignees.map((p) => p.id);
  const options = everyone.filter((p) => !ids.includes(p.id));
  return (
    <details class="panel" open>
      <summary>Workflow</summary>
      {props.lock.controls}
      <Select label="Stage" value={(article.stage ?? 'writing') as Stage} options={STAGES} onValue={(stage) => patch({ stage })} />
      <h3 class="panel__sub">Assignees</h3>
      <ul class="chips" aria-label="Assignees">
        {assignees.map((p) => (
          <li key={p.id}>
            {p.name}{' '}
            <button
              type="button"
              class="button button--small"
              aria-label={`Remove ${p.name} from the assignees`}
              onClick={() => patch({ assignees: ids.filter((x) => x !== p.id) })}
            >
              Remove
            </button>
          </li>
        ))}
        {assignees.length === 0 ? <li class="muted">No one yet</li> : null}
      </ul>
      {!ids.includes(me.id) ? (
        <button type="button" class="button button--small" onClick={() => patch({ assignees: [...ids, me.id] })}>
          Assign to me
        </button>
      ) : null}
      <AddChoice
        label="Add an assignee"
        placeholder="Choose a person"
        button="Assign"
        options={options}
        onAdd={(id) => patch({ assignees: [...ids, id] })}
      />
      <ErrorNote error={error} />
      <Notes article={article} />
    </details>
  );
}

function Notes({ article }: { article: Article }) {
  const [notes, setNotes] = useState<Note[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const load = async () => {
    try {
      setNotes(await ok(api.GET('/api/v1/articles/{key}/notes', { params: { path: { key: article.id } } })));
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [article.id]);
  const add = async () => {
    if (!text.trim()) return;
    try {
      await ok(api.POST('/api/v1/articles/{key}/notes', { params: { path: { key: article.id } }, body: { text: text.trim() } }));
      setText('');
      announce('Note added');
      load();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div class="notes">
      <h3 class="panel__sub">Notes (never public)</h3>
      <ul class="notes__list">
        {notes.map((n) => (
          <li key={n.id} class={n.resolved ? 'note note--resolved' : 'note'}>
            <p>{n.text}</p>
            <p class="muted small">
              {n.author?.name ?? 'Someone'}, {when(n.created_at)}
            </p>
            <Checkbox
              label="Resolved"
              checked={n.resolved}
              onValue={async (resolved) => {
                try {
                  await ok(
                    api.PATCH('/api/v1/articles/{key}/notes/{id}', {
                      params: { path: { key: article.id, id: n.id } },
                      body: { resolved, version: n.version },
                    }),
                  );
                  load();
                } catch (err) {
                  setError(err);
                }
              }}
            />
          </li>
        ))}
      </ul>
      <TextArea
        label="New note"
        value={text}
        onValue={setText}
        rows={2}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            add();
          }
        }}
      />
      <button type="button" class="button button--small" onClick={add}>
        Add note
      </button>
      <ErrorNote error={error} />
    </div>
  );
}
