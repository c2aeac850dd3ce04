// Sections (a tree), tags and authors, for editors: listed, created, edited in place
// (versioned) and deleted. One view for the three: their shapes differ only in the
// text field beside the name (description or bio) and the section's parent.
import { useState } from 'preact/hooks';
import { api, ok } from '../api/client';
import { forgetLookups } from '../lookups';
import { ErrorNote, Select, TextArea, TextField, announce, useLoad } from '../ui';

type Kind = 'sections' | 'tags' | 'authors';
type Row = { id: string; slug: string; name: string; text: string; parent: string | null; count: number; version: number; depth: number };

const TITLE: Record<Kind, string> = { sections: 'Sections', tags: 'Tags', authors: 'Authors' };
const ONE: Record<Kind, string> = { sections: 'section', tags: 'tag', authors: 'author' };

async function loadRows(kind: Kind): Promise<Row[]> {
  if (kind === 'sections') {
    const tree = await ok(api.GET('/api/v1/sections'));
    const out: Row[] = [];
    const walk = (nodes: typeof tree.data, parent: string | null, depth: number) => {
      for (const n of nodes) {
        out.push({ id: n.id, slug: n.slug, name: n.name, text: n.description, parent, count: n.article_count, version: n.version, depth });
        walk(n.children, n.id, depth + 1);
      }
    };
    walk(tree.data, null, 0);
    return out;
  }
  if (kind === 'tags') {
    const page = await ok(api.GET('/api/v1/tags', { params: { query: { limit: 100 } } }));
    return page.data.map((t) => ({ id: t.id, slug: t.slug, name: t.name, text: t.description, parent: null, count: t.article_count, version: t.version, depth: 0 }));
  }
  const page = await ok(api.GET('/api/v1/authors', { params: { query: { limit: 100 } } }));
  return page.data.map((a) => ({ id: a.id, slug: a.slug, name: a.name, text: a.bio, parent: null, count: a.article_count, version: a.version, depth: 0 }));
}

async function save(kind: Kind, row: Row | null, name: string, slug: string, text: string, parent: string | null) {
  const common = { name, ...(slug ? { slug } : {}) };
  if (kind === 'sections') {
    const body = { ...common, description: text, parent };
    if (row) await ok(api.PATCH('/api/v1/sections/{slug}', { params: { path: { slug: row.slug } }, body: { ...body, version: row.version } }));
    else await ok(api.POST('/api/v1/sections', { body }));
  } else if (kind === 'tags') {
    const body = { ...common, description: text };
    if (row) await ok(api.PATCH('/api/v1/tags/{slug}', { params: { path: { slug: row.slug } }, body: { ...body, version: row.version } }));
    else await ok(api.POST('/api/v1/tags', { body }));
  } else {
    const body = { ...common, bio: text };
    if (row) await ok(api.PATCH('/api/v1/authors/{slug}', { params: { path: { slug: row.slug } }, body: { ...body, version: row.version } }));
    else await ok(api.POST('/api/v1/authors', { body }));
  }
}

async function remove(kind: Kind, row: Row) {
  const params = { params: { path: { slug: row.slug } } };
  if (kind === 'sections') await ok(api.DELETE('/api/v1/sections/{slug}', params));
  else if (kind === 'tags') await ok(api.DELETE('/api/v1/tags/{slug}', params));
  else await ok(api.DELETE('/api/v1/authors/{slug}', params));
}

function RowForm(props: { kind: Kind; row: Row | null; rows: Row[]; onDone: () => void; onCancel?: () => void }) {
  const { kind, row } = props;
  const [name, setName] = useState(row?.name ?? '');
  const [slug, setSlug] = useState(row?.slug ?? '');
  const [text, setText] = useState(row?.text ?? '');
  const [parent, setParent] = useState(row?.parent ?? '');
  const [error, setError] = useState<unknown>(null);
  const what = ONE[kind];
  return (
    <form
      class="rowform"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await save(kind, row, name.trim(), slug.trim(), text, parent || null);
          forgetLookups(kind);
          announce(row ? `Saved ${name}` : `Created ${name}`);
          setError(null);
          if (!row) {
            setName('');
            setSlug('');
            setText('');
          }
          props.onDone();
        } catch (err) {
          setError(err);
        }
      }}
    >
      <TextField label={row ? `Name of ${row.name}` : `New ${what}: name`} value={name} onValue={setName} required error={undefined} />
      <TextField label="Slug" value={slug} onValue={setSlug} hint={row ? undefined : 'Made from the name if left empty.'} />
      <TextArea label={kind === 'authors' ? 'Bio' : 'Description'} value={text} onValue={setText} rows={2} />
      {kind === 'sections' ? (
        <Select
          label="Parent section"
          value={parent}
          options={[['', 'None (top level)'], ...props.rows.filter((r) => r.id !== row?.id).map((r) => [r.id, `${'— '.repeat(r.depth)}${r.name}`] as const)]}
          onValue={setParent}
        />
      ) : null}
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" class="button button--primary">
          {row ? 'Save' : `Create ${what}`}
        </button>
        {props.onCancel ? (
          <button type="button" class="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

export function TaxonomyView({ kind }: { kind: Kind }) {
  const rows = useLoad(() => loadRows(kind), [kind]);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const list = rows.data ?? [];
  return (
    <section>
      <h1>{TITLE[kind]}</h1>
      <ErrorNote error={rows.error ?? error} />
      <table class="table">
        <caption class="visually-hidden">{TITLE[kind]}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Slug</th>
            <th scope="col">Stories</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.map((r) =>
            editing === r.id ? (
              <tr key={r.id}>
                <td colSpan={4}>
                  <RowForm kind={kind} row={r} rows={list} onDone={() => { setEditing(null); rows.reload(); }} onCancel={() => setEditing(null)} />
                </td>
              </tr>
            ) : (
              <tr key={r.id}>
                <td>
                  {'— '.repeat(r.depth)}
                  {r.name}
                </td>
                <td>
                  <code>{r.slug}</code>
                </td>
                <td>{r.count}</td>
                <td class="row-actions">
                  <button type="button" class="button button--small" aria-label={`Edit ${r.name}`} onClick={() => setEditing(r.id)}>
                    Edit
                  </button>
                  <button
                    type="button"
                    class="button button--small button--danger"
                    aria-label={`Delete ${r.name}`}
                    onClick={async () => {
                      try {
                        await remove(kind, r);
                        forgetLookups(kind);
                        announce(`Deleted ${r.name}`);
                        setError(null);
                        rows.reload();
                      } catch (err) {
                        setError(err);
                      }
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      <h2>New {ONE[kind]}</h2>
      <RowForm kind={kind} row={null} rows={list} onDone={() => rows.reload()} />
    </section>
  );
}
