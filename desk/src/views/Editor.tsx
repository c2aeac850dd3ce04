// The story editor. Changes save by themselves a moment after typing stops, with the
// version the API handed back; the status line says "Saved" only once the server has
// them. A 412 (a colleague saved in between) merges what only one side changed and
// asks only about fields both changed (ConflictDialog). Until a change is saved it is
// also kept on this device, so a crash or a closed tab loses nothing.
import { memo } from 'preact/compat';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, ok, type Article } from '../api/client';
import { BlockList } from '../blocks/BlockList';
import type { Keyed } from '../blocks/model';
import { ConflictDialog, type Resolution } from '../editing/ConflictDialog';
import {
  COPY_FIELDS,
  applyPayload,
  changed,
  fieldsFrom,
  merge,
  payload,
  pick,
  type FieldName,
  type Fields,
  type Payload,
} from '../editing/draft';
import { DetailsPanel } from '../editing/DetailsPanel';
import { LiveConsole } from '../editing/LiveConsole';
import { PublishingPanel, PreviewPanel, RevisionsPanel, CorrectionsPanel } from '../editing/Panels';
import { WorkflowPanel, useLock } from '../editing/Workflow';
import { navigate } from '../router';
import { useMe } from '../session';
import { ErrorNote, Link, TextArea, announce, when } from '../ui';

type Mode = 'story' | 'copy';

// The side panels re-render when their own inputs change, not on every keystroke.
const Publishing = memo(PublishingPanel);
const Preview = memo(PreviewPanel);
const Corrections = memo(CorrectionsPanel);
const Revisions = memo(RevisionsPanel);
const Live = memo(LiveConsole);
const META: (keyof Fields)[] = ['section', 'tags', 'authors', 'source', 'language', 'access', 'featured_image', 'seo_title', 'seo_description', 'canonical_url'];
const Details = memo(DetailsPanel, (a, b) =>
  a.article === b.article && a.mode === b.mode && a.readOnly === b.readOnly && a.set === b.set && META.every((k) => a.fields[k] === b.fields[k]),
);

/** A callback whose identity never changes but which always runs the latest code. */
function useStable<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const ref = useRef(fn);
  ref.current = fn;
  return useCallback((...args: A) => ref.current(...args), []);
}
type SaveState = 'saved' | 'dirty' | 'saving' | 'conflict' | 'error' | 'locked';

const BACKUP = (id: string, mode: Mode) => `dateline.desk.unsaved.${id}.${mode}`;
type Backup = { version: number; base: Payload; mine: Payload };

const SAVE_DELAY_MS = 700;

export function EditorView({ id }: { id: string }) {
  const [article, setArticle] = useState<Article | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [copyVersion, setCopyVersion] = useState<number | null>(null);

  const load = async (wanted: Mode | null = null) => {
    try {
      const a = (await ok(api.GET('/api/v1/articles/{key}', { params: { path: { key: id } } }))) as Article;
      setArticle(a);
      setError(null);
      let copy: { version: number; content: Record<string, unknown> } | null = null;
      // A published story with a working copy opens on the copy (readers keep the
      // published version until the copy is published).
      if (a.working_copy && wanted !== 'story') {
        copy = await ok(api.GET('/api/v1/articles/{key}/working-copy', { params: { path: { key: id } } }));
      }
      setCopyVersion(copy ? copy.version : null);
      return { article: a, copy };
    } catch (err) {
      setError(err);
      return null;
    }
  };

  const [session, setSession] = useState<{ n: number; fields: Fields; version: number; mode: Mode } | null>(null);
  const start = async (wanted: Mode | null = null) => {
    const got = await load(wanted);
    if (!got) return;
    const { article: a, copy } = got;
    setSession((s) => ({
      n: (s?.n ?? 0) + 1,
      fields: fieldsFrom(copy ? copy.content : a),
      version: copy ? copy.version : a.version,
      mode: copy ? 'copy' : 'story',
    }));
  };
  useEffect(() => {
    start();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  if (error) {
    return (
      <section>
        <h1>Story</h1>
        <ErrorNote error={error} />
        <Link to="/">Back to the stories</Link>
      </section>
    );
  }
  if (!article || !session) return <p class="loading">Loading the story…</p>;
  return (
    <StoryEditor
      key={session.n}
      article={article}
      initial={session.fields}
      initialVersion={session.version}
      mode={session.mode}
      copyVersion={copyVersion}
      onArticle={setArticle}
      reload={(m) => start(m)}
    />
  );
}

function StoryEditor(props: {
  article: Article;
  initial: Fields;
  initialVersion: number;
  mode: Mode;
  copyVersion: number | null;
  onArticle: (a: Article) => void;
  reload: (mode?: Mode | null) => void;
}) {
  const { article, mode } = props;
  const me = useMe();
  const fieldsOf: FieldName[] | undefined = mode === 'copy' ? COPY_FIELDS : undefined;
  const [fields, setFields] = useState<Fields>(props.initial);
  const [state, setState] = useState<SaveState>('saved');
  const [saveError, setSaveError] = useState<unknown>(null);
  const [savedAt, setSavedAt] = useState<Date | null>(null);
  const [conflict, setConflict] = useState<{ mine: Payload; theirs: Payload; base: Payload; fields: FieldName[] } | null>(null);
  const [backup, setBackup] = useState<Backup | null>(null);

  // What the server holds (as far as this editor knows) and its version.
  const server = useRef<Payload>(payload(props.initial));
  const version = useRef(props.initialVersion);
  const saving = useRef(false);
  // A refused payload (4xx) is not sent again until it changes.
  const refused = useRef<string | null>(null);
  const [tick, setTick] = useState(0);
  const fieldsRef = useRef(fields);
  fieldsRef.current = fields;
  // The fields as last saved (or loaded), by identity: typing compares one pointer,
  // not the whole story; the save itself works out what changed.
  const clean = useRef<Fields>(props.initial);

  // A write by a side panel (stage, publish, live, corrections) moves the story's
  // version on without touching its content: this editor's next save uses it.
  const adopt = useStable((a: Article) => {
    props.onArticle(a);
    if (mode === 'story' && !saving.current) version.current = a.version;
  });
  const lock = useLock(article, me, props.onArticle);
  const readOnly = lock.heldByOther;

  const dirty = fields !== clean.current;

  // An earlier session's unsaved changes on this device.
  useEffect(() => {
    const raw = localStorage.getItem(BACKUP(article.id, mode));
    if (!raw) return;
    try {
      const b = JSON.parse(raw) as Backup;
      if (changed(b.mine, server.current, fieldsOf).length) setBackup(b);
      else localStorage.removeItem(BACKUP(article.id, mode));
    } catch {
      localStorage.removeItem(BACKUP(article.id, mode));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const save = async () => {
    if (saving.current || conflict || readOnly) return;
    const snapshot = fieldsRef.current;
    const sent = payload(snapshot);
    const diff = changed(sent, server.current, fieldsOf);
    if (!diff.length) {
      clean.current = snapshot;
      localStorage.removeItem(BACKUP(article.id, mode));
      setState('saved');
      setTick((t) => t + 1); // `clean` is a ref: show the news
      return;
    }
    const json = JSON.stringify(sent);
    if (refused.current === json) return;
    // Kept on this device until the server has it.
    const backupValue: Backup = { version: version.current, base: server.current, mine: sent };
    localStorage.setItem(BACKUP(article.id, mode), JSON.stringify(backupValue));
    saving.current = true;
    setState('saving');
    try {
      const body = { ...pick(sent, diff), version: version.current };
      if (mode === 'copy') {
        const copy = await ok(
          api.PATCH('/api/v1/articles/{key}/working-copy', { params: { path: { key: article.id } }, body: body as never }),
        );
        version.current = copy.version;
      } else {
        const saved = await ok(api.PATCH('/api/v1/articles/{key}', { params: { path: { key: article.id } }, body: body as never }));
        version.current = saved.version;
        props.onArticle(saved);
      }
      server.current = { ...server.current, ...pick(sent, diff) };
      clean.current = snapshot;
      refused.current = null;
      setSaveError(null);
      setSavedAt(new Date());
      if (fieldsRef.current === snapshot) {
        localStorage.removeItem(BACKUP(article.id, mode));
        setState('saved');
        announce('Saved');
      } else {
        setState('dirty');
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        try {
          await resolveConflict();
        } catch (again) {
          setSaveError(again);
          setState('error');
        }
        return;
      }
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) refused.current = json;
      setSaveError(err);
      setState(err instanceof ApiError && err.status === 423 ? 'locked' : 'error');
    } finally {
      saving.current = false;
      setTick((t) => t + 1);
    }
  };

  /** A colleague saved first: merge what only one side changed, ask about the rest. */
  const resolveConflict = async () => {
    setState('conflict');
    const theirsRead =
      mode === 'copy'
        ? await ok(api.GET('/api/v1/articles/{key}/working-copy', { params: { path: { key: article.id } } }))
        : ((await ok(api.GET('/api/v1/articles/{key}', { params: { path: { key: article.id } } }))) as Article);
    const theirs = payload(fieldsFrom(mode === 'copy' ? (theirsRead as { content: Record<string, unknown> }).content : (theirsRead as Article)));
    const mine = payload(fieldsRef.current);
    const base = server.current;
    const { merged, conflicts } = merge(mine, theirs, base, fieldsOf ?? (Object.keys(mine) as FieldName[]));
    version.current = theirsRead.version;
    server.current = theirs;
    if (mode === 'story') props.onArticle(theirsRead as Article);
    setFields((f) => applyPayload(f, pick(merged, changed(merged, mine))));
    if (!conflicts.length) {
      announce('A colleague saved this story too; their changes were merged with yours');
      setState('dirty');
      return;
    }
    setConflict({ mine, theirs, base, fields: conflicts });
  };

  const resolve = (resolution: Resolution) => {
    setFields((f) => applyPayload(f, resolution));
    setConflict(null);
    setState('dirty');
  };

  // Autosave: a moment after the last change.
  useEffect(() => {
    if (!dirty || conflict || readOnly || saving.current) return;
    const t = setTimeout(save, state === 'error' ? 5000 : SAVE_DELAY_MS);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fields, conflict, readOnly, tick]);

  // Leaving with unsaved changes: the browser asks first.
  useEffect(() => {
    const guard = (e: BeforeUnloadEvent) => {
      if (changed(payload(fieldsRef.current), server.current, fieldsOf).length) e.preventDefault();
    };
    addEventListener('beforeunload', guard);
    return () => removeEventListener('beforeunload', guard);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const set = useCallback(<K extends keyof Fields>(key: K, value: Fields[K]) => setFields((f) => ({ ...f, [key]: value })), []);
  const flush = useStable(async () => {
    await save();
    return version.current;
  });
  const reload = useStable((m?: Mode | null) => props.reload(m));
  const onTrashed = useStable(() => navigate('/'));
  const onRestored = useStable(() => props.reload('story'));
  const onBody = useCallback((update: (blocks: Keyed[]) => Keyed[]) => setFields((f) => ({ ...f, body: update(f.body) })), []);
  // What the line says: changes undone before they were saved leave nothing unsaved.
  const shown: SaveState = state === 'dirty' && !dirty ? 'saved' : state === 'saved' && dirty ? 'dirty' : state;
  const status =
    shown === 'saving'
      ? 'Saving…'
      : shown === 'conflict'
        ? 'A colleague saved this story too'
        : shown === 'error'
          ? 'Not saved: retrying'
          : shown === 'locked'
            ? 'Not saved: locked by someone else'
            : shown === 'dirty'
              ? 'Unsaved changes'
              : savedAt
                ? 'Saved'
                : 'All changes saved';

  return (
    <div class="editor">
      <div class="editor__head">
        <p class="crumbs">
          <Link to="/">Stories</Link> / <span class={`badge badge--${article.status}`}>{article.status}</span>
          {mode === 'copy' ? <span class="badge badge--copy">working copy</span> : null}
        </p>
        <p class={`savestate savestate--${shown}`} data-state={shown} aria-live="polite">
          {status}
          {savedAt && shown === 'saved' ? <span class="muted"> at {savedAt.toLocaleTimeString()}</span> : null}
        </p>
      </div>
      {mode === 'copy' ? (
        <p class="banner">
          You are editing a working copy of the published story. Readers see the published version until you publish
          these changes (Publishing, below right).
        </p>
      ) : null}
      {lock.banner}
      {backup ? (
        <div class="banner banner--warn" role="alert">
          <p>Changes to this story that were never saved were kept on this device.</p>
          <button
            type="button"
            class="button"
            onClick={() => {
              server.current = backup.base;
              version.current = backup.version;
              setFields((f) => applyPayload(f, backup.mine));
              setBackup(null);
            }}
          >
            Restore unsaved changes
          </button>{' '}
          <button
            type="button"
            class="button button--quiet"
            onClick={() => {
              localStorage.removeItem(BACKUP(article.id, mode));
              setBackup(null);
            }}
          >
            Discard them
          </button>
        </div>
      ) : null}
      <ErrorNote error={saveError} />
      <div class="editor__grid">
        <fieldset class="editor__main" disabled={readOnly}>
          <legend class="visually-hidden">Story</legend>
          <TextArea label="Headline" rows={2} value={fields.headline} onValue={(v) => set('headline', v.replace(/\n/g, ' '))} />
          <TextArea label="Standfirst" rows={2} value={fields.standfirst} onValue={(v) => set('standfirst', v)} />
          <h2 class="editor__bodyhead">Body</h2>
          <BlockList
            blocks={fields.body}
            onChange={onBody}
            disabled={readOnly}
          />
        </fieldset>
        <aside class="editor__side" aria-label="Story settings">
          <Publishing
            article={article}
            mode={mode}
            copyVersion={props.copyVersion}
            flush={flush}
            onArticle={adopt}
            reload={reload}
            onTrashed={onTrashed}
          />
          {article.live ? <Live article={article} /> : null}
          <Details fields={fields} set={set} mode={mode} readOnly={readOnly} article={article} onArticle={adopt} />
          <WorkflowPanel article={article} onArticle={adopt} lock={lock} />
          <Preview article={article} mode={mode} />
          {article.status === 'published' ? <Corrections article={article} onArticle={adopt} /> : null}
          <Revisions article={article} onRestored={onRestored} />
          <p class="muted small">
            Created {when(article.created_at)} · version {article.version} · {article.word_count} words
          </p>
        </aside>
      </div>
      {conflict ? (
        <ConflictDialog
          conflict={conflict}
          onResolve={resolve}
        />
      ) : null}
    </div>
  );
}
