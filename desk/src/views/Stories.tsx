// The story list: filters by status, stage, section, author, assignee and words,
// newest first, paged by the API's keyset cursor ("Load more"); "New story".
import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Article, type Schemas } from '../api/client';
import { authors, sections, type Option } from '../lookups';
import { navigate } from '../router';
import { Dialog, ErrorNote, Link, Select, TextField, when } from '../ui';

type Status = Schemas['Status'];
type Stage = Schemas['Stage'];

const STATUSES = [
  ['', 'Any status'],
  ['draft', 'Draft'],
  ['scheduled', 'Scheduled'],
  ['published', 'Published'],
  ['archived', 'Archived'],
] as const;
const STAGES = [
  ['', 'Any stage'],
  ['writing', 'Writing'],
  ['ready_for_edit', 'Ready for edit'],
  ['ready_to_publish', 'Ready to publish'],
] as const;

export const STAGE_LABEL: Record<Stage, string> = {
  writing: 'Writing',
  ready_for_edit: 'Ready for edit',
  ready_to_publish: 'Ready to publish',
};

function NewStory({ onClose }: { onClose: () => void }) {
  const [headline, setHeadline] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog title="New story" onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const created = await ok(api.POST('/api/v1/articles', { body: { headline } }));
            navigate(`/stories/${created.id}`);
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="Headline" value={headline} onValue={setHeadline} required autoFocus />
        <ErrorNote error={error} />
        <div class="actions">
          <button type="submit" class="button button--primary">
            Create story
          </button>
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function StoriesView() {
  const [status, setStatus] = useState<'' | Status>('');
  const [stage, setStage] = useState<'' | Stage>('');
  const [section, setSection] = useState('');
  const [author, setAuthor] = useState('');
  const [assignee, setAssignee] = useState('');
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<Article[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [creating, setCreating] = useState(false);
  const [sectionOptions, setSectionOptions] = useState<Option[]>([]);
  const [authorOptions, setAuthorOptions] = useState<Option[]>([]);

  useEffect(() => {
    sections().then(setSectionOptions, () => undefined);
    authors().then(setAuthorOptions, () => undefined);
  }, []);
  // Words filter after a pause in typing, not on every key.
  useEffect(() => {
    const t = setTimeout(() => setQuery(q.trim()), 300);
    return () => clearTimeout(t);
  }, [q]);

  const load = async (after: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await ok(
        api.GET('/api/v1/articles', {
          params: {
            query: {
              limit: 25,
              ...(status ? { status } : {}),
              ...(stage ? { stage } : {}),
              ...(section ? { section } : {}),
              ...(author ? { author } : {}),
              ...(assignee ? { assignee } : {}),
              ...(query ? { q: query } : {}),
              ...(after ? { cursor: after } : {}),
            },
          },
        }),
      );
      setRows((old) => (after ? [...old, ...page.data] : page.data));
      setCursor(page.next_cursor ?? null);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    load(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status, stage, section, author, assignee, query]);

  return (
    <section>
      <div class="view-head">
        <h1>Stories</h1>
        <button type="button" class="button button--primary" onClick={() => setCreating(true)}>
          New story
        </button>
      </div>
      <form class="filters" role="search" aria-label="Filter stories" onSubmit={(e) => e.preventDefault()}>
        <TextField label="Search" type="search" value={q} onValue={setQ} />
        <Select label="Status" value={status} options={STATUSES} onValue={setStatus} />
        <Select label="Stage" value={stage} options={STAGES} onValue={setStage} />
        <Select
          label="Section"
          value={section}
          options={[['', 'Any section'], ...sectionOptions.map((s) => [s.slug, s.name] as const)]}
          onValue={setSection}
        />
        <Select
          label="Author"
          value={author}
          options={[['', 'Any author'], ...authorOptions.map((s) => [s.slug, s.name] as const)]}
          onValue={setAuthor}
        />
        <Select
          label="Assignee"
          value={assignee}
          options={[
            ['', 'Anyone'],
            ['me', 'Assigned to me'],
          ]}
          onValue={setAssignee}
        />
      </form>
      <ErrorNote error={error} />
      <table class="table" aria-busy={loading ? 'true' : 'false'}>
        <caption class="visually-hidden">Stories, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Headline</th>
            <th scope="col">Status</th>
            <th scope="col">Stage</th>
            <th scope="col">Section</th>
            <th scope="col">Byline</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.id}>
              <td>
                <Link to={`/stories/${a.id}`}>{a.headline}</Link>
                {a.live ? <span class="badge badge--live">live</span> : null}
                {a.lock ? <span class="badge">locked by {a.lock.user.name}</span> : null}
              </td>
              <td>
                <span class={`badge badge--${a.status}`}>{a.status}</span>
              </td>
              <td>{a.stage ? STAGE_LABEL[a.stage] : '—'}</td>
              <td>{a.section?.name ?? '—'}</td>
              <td>{a.authors.map((x) => x.name).join(', ') || '—'}</td>
              <td>{when(a.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && rows.length === 0 ? <p class="empty">No stories match.</p> : null}
      {cursor ? (
        <button type="button" class="button" disabled={loading} onClick={() => load(cursor)}>
          Load more
        </button>
      ) : null}
      {creating ? <NewStory onClose={() => setCreating(false)} /> : null}
    </section>
  );
}
