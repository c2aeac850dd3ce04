// The editor's side panels: publishing (now, scheduled, embargo, unpublish, working
// copy, trash), preview links, corrections and revisions with their diff.
import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Article, type Schemas } from '../api/client';
import { useMe, atLeast } from '../session';
import { ErrorNote, TextArea, TextField, announce, fromLocalInput, toLocalInput, when } from '../ui';

type Mode = 'story' | 'copy';

export function PublishingPanel(props: {
  article: Article;
  mode: Mode;
  copyVersion: number | null;
  flush: () => Promise<number>;
  onArticle: (a: Article) => void;
  reload: (mode?: Mode | null) => void;
  onTrashed: () => void;
}) {
  const { article, mode } = props;
  const me = useMe();
  const [at, setAt] = useState(toLocalInput(article.status === 'scheduled' ? article.published_at : null));
  const [embargo, setEmbargo] = useState(toLocalInput(article.embargo_until));
  const [until, setUntil] = useState(toLocalInput(article.unpublish_at));
  const [correction, setCorrection] = useState('');
  const [confirmTrash, setConfirmTrash] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const key = { params: { path: { key: article.id } } };

  const run = async (what: string, action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
      setError(null);
      announce(what);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const publish = (publishAt: string | null) =>
    run(publishAt ? 'Scheduled' : 'Published', async () => {
      const version = await props.flush();
      const body: Schemas['PublishRequest'] = { version, ...(publishAt ? { publish_at: publishAt } : {}) };
      props.onArticle(await ok(api.POST('/api/v1/articles/{key}/publish', { ...key, body })));
    });
  const patchTimes = (body: { embargo_until?: string | null; unpublish_at?: string | null }) =>
    run('Saved', async () => {
      const version = mode === 'story' ? await props.flush() : article.version;
      props.onArticle(await ok(api.PATCH('/api/v1/articles/{key}', { ...key, body: { ...body, version } })));
    });
  const mayPublish = atLeast(me.role, 'author');

  return (
    <details class="panel" open>
      <summary>Publishing</summary>
      <p>
        Status: <span class={`badge badge--${article.status}`}>{article.status}</span>
        {article.published_at ? <span class="muted"> · {when(article.published_at)}</span> : null}
      </p>
      {mode === 'copy' ? (
        <>
          <TextArea label="Correction note (optional, shown to readers)" value={correction} onValue={setCorrection} rows={2} />
          <div class="actions">
            <button
              type="button"
              class="button button--primary"
              disabled={busy}
              onClick={() =>
                run('Changes published', async () => {
                  const version = await props.flush();
                  await ok(
                    api.POST('/api/v1/articles/{key}/working-copy/publish', {
                      ...key,
                      body: { version, ...(correction.trim() ? { correction: correction.trim() } : {}) },
                    }),
                  );
                  props.reload('story');
                })
              }
            >
              Publish changes
            </button>
            <button
              type="button"
              class="button"
              disabled={busy}
              onClick={() =>
                run('Working copy discarded', async () => {
                  await ok(api.DELETE('/api/v1/articles/{key}/working-copy', key));
                  props.reload('story');
                })
              }
            >
              Discard working copy
            </button>
          </div>
        </>
      ) : article.status === 'published' ? (
        <>
          <div class="actions">
            <button
              type="button"
              class="button"
              disabled={busy}
              onClick={() =>
                run('Working copy created', async () => {
                  await ok(api.POST('/api/v1/articles/{key}/working-copy', key));
                  props.reload('copy');
                })
              }
            >
              Edit in a working copy
            </button>
            <button
              type="button"
              class="button"
              disabled={busy || !mayPublish}
              onClick={() =>
                run('Unpublished', async () => {
                  const version = await props.flush();
                  props.onArticle(await ok(api.POST('/api/v1/articles/{key}/unpublish', { ...key, body: { version } })));
                })
              }
            >
              Unpublish
            </button>
          </div>
          <div class="inline-form">
            <TextField label="Unpublish automatically at" type="datetime-local" value={until} onValue={setUntil} />
            <button type="button" class="button button--small" onClick={() => patchTimes({ unpublish_at: fromLocalInput(until) })}>
              Set
            </button>
          </div>
        </>
      ) : (
        <>
          <div class="actions">
            <button type="button" class="button button--primary" disabled={busy || !mayPublish} onClick={() => publish(null)}>
              Publish now
            </button>
          </div>
          <div class="inline-form">
            <TextField label="Publish at" type="datetime-local" value={at} onValue={setAt} />
            <button type="button" class="button button--small" disabled={!at || busy || !mayPublish} onClick={() => publish(fromLocalInput(at))}>
              Schedule
            </button>
          </div>
          {!mayPublish ? <p class="muted small">Contributors send a story to an editor by setting its stage.</p> : null}
        </>
      )}
      <div class="inline-form">
        <TextField label="Embargo until" type="datetime-local" value={embargo} onValue={setEmbargo} />
        <button type="button" class="button button--small" onClick={() => patchTimes({ embargo_until: fromLocalInput(embargo) })}>
          Set embargo
        </button>
      </div>
      {confirmTrash ? (
        <div class="actions">
          <button
            type="button"
            class="button button--danger"
            onClick={() =>
              run('Moved to the trash', async () => {
                await ok(api.DELETE('/api/v1/articles/{key}', key));
                props.onTrashed();
              })
            }
          >
            Yes, move it to the trash
          </button>
          <button type="button" class="button" onClick={() => setConfirmTrash(false)}>
            Keep it
          </button>
        </div>
      ) : (
        <button type="button" class="button button--quiet button--danger" onClick={() => setConfirmTrash(true)}>
          Move to trash
        </button>
      )}
      <ErrorNote error={error} />
    </details>
  );
}

export function PreviewPanel({ article, mode }: { article: Article; mode: Mode }) {
  const [links, setLinks] = useState<Schemas['PreviewLink'][]>([]);
  const [made, setMade] = useState<Schemas['PreviewResponse'] | null>(null);
  const [hours, setHours] = useState('24');
  const [error, setError] = useState<unknown>(null);
  const key = { params: { path: { key: article.id } } };
  const load = () =>
    ok(api.GET('/api/v1/articles/{key}/previews', key)).then(
      (list) => setLinks(list),
      () => undefined,
    );
  useEffect(() => {
    load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [article.id]);
  return (
    <details class="panel">
      <summary>Preview</summary>
      <div class="inline-form">
        <TextField label="Link valid for (hours)" type="number" min={1} max={720} value={hours} onValue={setHours} />
        <button
          type="button"
          class="button button--small"
          onClick={async () => {
            try {
              const res = await ok(
                api.POST('/api/v1/articles/{key}/preview', {
                  ...key,
                  body: { expires_in_hours: Number(hours) || 24, working_copy: mode === 'copy' },
                }),
              );
              setMade(res);
              setError(null);
              load();
            } catch (err) {
              setError(err);
            }
          }}
        >
          Create preview link
        </button>
      </div>
      {made ? (
        <p>
          <a href={`/demo/#/preview/${encodeURIComponent(made.token)}`} target="_blank" rel="noopener">
            Open the preview in the reference front end
          </a>{' '}
          (until {when(made.expires_at)}). Front ends read it from <code>{made.path}</code>.
        </p>
      ) : null}
      <ul class="plain">
        {links.map((l) => (
          <li key={l.id}>
            Link by {l.created_by?.name ?? 'someone'}, until {when(l.expires_at)}{' '}
            <button
              type="button"
              class="button button--small"
              onClick={async () => {
                await ok(api.DELETE('/api/v1/articles/{key}/previews/{id}', { params: { path: { key: article.id, id: l.id } } }));
                load();
              }}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <ErrorNote error={error} />
    </details>
  );
}

export function CorrectionsPanel({ article, onArticle }: { article: Article; onArticle: (a: Article) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <details class="panel">
      <summary>Corrections ({article.corrections.length})</summary>
      <ul class="plain">
        {article.corrections.map((c) => (
          <li key={c.at}>
            <span class="muted">{when(c.at)}:</span> {c.text}
          </li>
        ))}
      </ul>
      <TextArea label="Correction to append" value={text} onValue={setText} rows={2} />
      <button
        type="button"
        class="button button--small"
        disabled={!text.trim()}
        onClick={async () => {
          try {
            onArticle(
              await ok(
                api.PATCH('/api/v1/articles/{key}', {
                  params: { path: { key: article.id } },
                  body: { append_correction: text.trim(), version: article.version },
                }),
              ),
            );
            setText('');
            setError(null);
            announce('Correction appended');
          } catch (err) {
            setError(err);
          }
        }}
      >
        Append correction
      </button>
      <ErrorNote error={error} />
    </details>
  );
}

type Diff = Schemas['RevisionDiff'];

function show(value: unknown): string {
  if (value == null || value === '') return '(empty)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function RevisionsPanel({ article, onRestored }: { article: Article; onRestored: () => void }) {
  const [revisions, setRevisions] = useState<Schemas['RevisionSummary'][]>([]);
  const [open, setOpen] = useState<number | null>(null);
  const [diff, setDiff] = useState<Diff | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    ok(api.GET('/api/v1/articles/{key}/revisions', { params: { path: { key: article.id } } })).then(
      (list) => setRevisions([...list].sort((a, b) => b.number - a.number)),
      setError,
    );
  }, [article.id, article.version]);
  const view = async (n: number) => {
    setOpen(n);
    setDiff(null);
    try {
      setDiff(await ok(api.GET('/api/v1/articles/{key}/revisions/{number}/diff', { params: { path: { key: article.id, number: n } } })));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <details class="panel">
      <summary>Revisions ({revisions.length})</summary>
      <ol class="plain revisions">
        {revisions.map((r) => (
          <li key={r.number}>
            <button type="button" class="button button--small button--quiet" aria-expanded={open === r.number ? 'true' : 'false'} onClick={() => view(r.number)}>
              #{r.number} {r.action}, {when(r.created_at)}
            </button>
            {open === r.number ? (
              <div class="diff">
                {diff ? (
                  <>
                    {diff.fields.map((f) => (
                      <p key={f.field}>
                        <strong>{f.field}</strong>: <del>{show(f.before)}</del> → <ins>{show(f.after)}</ins>
                      </p>
                    ))}
                    {diff.blocks.map((b, i) => (
                      <p key={i}>
                        Block {b.index + 1} {b.change}
                        {b.words ? (
                          <>
                            {': '}
                            {b.words.map((w, j) =>
                              w.op === 'added' ? <ins key={j}>{w.text}</ins> : w.op === 'removed' ? <del key={j}>{w.text}</del> : <span key={j}>{w.text}</span>,
                            )}
                          </>
                        ) : null}
                      </p>
                    ))}
                    {!diff.fields.length && !diff.blocks.length ? <p class="muted">No content change.</p> : null}
                  </>
                ) : (
                  <p class="muted">Loading the changes…</p>
                )}
                <button
                  type="button"
                  class="button button--small"
                  onClick={async () => {
                    try {
                      await ok(
                        api.POST('/api/v1/articles/{key}/revisions/{number}/restore', {
                          params: { path: { key: article.id, number: r.number } },
                          body: { version: article.version },
                        }),
                      );
                      announce(`Revision ${r.number} restored`);
                      onRestored();
                    } catch (err) {
                      setError(err);
                    }
                  }}
                >
                  Restore revision {r.number}
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ol>
      <ErrorNote error={error} />
    </details>
  );
}
