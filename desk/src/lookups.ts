// Lists the editor's pickers need (sections, authors, tags, people), loaded once per
// page and shared, refreshed when a view changes them.
import { api, ok, type Schemas } from './api/client';

export type Option = { id: string; slug: string; name: string };

type SectionNode = Schemas['SectionNode'];

function flatten(nodes: SectionNode[], depth: number, out: Option[]) {
  for (const n of nodes) {
    out.push({ id: n.id, slug: n.slug, name: `${'— '.repeat(depth)}${n.name}` });
    flatten(n.children, depth + 1, out);
  }
  return out;
}

const cache = new Map<string, Promise<Option[]>>();

function once(key: string, load: () => Promise<Option[]>): Promise<Option[]> {
  let hit = cache.get(key);
  if (!hit) {
    hit = load().catch((e: unknown) => {
      cache.delete(key);
      throw e;
    });
    cache.set(key, hit);
  }
  return hit;
}

export function forgetLookups(key?: string) {
  if (key) cache.delete(key);
  else cache.clear();
}

export const sections = () =>
  once('sections', async () => flatten((await ok(api.GET('/api/v1/sections'))).data, 0, []));

async function allPages<T>(page: (cursor?: string) => Promise<{ data: T[]; next_cursor?: string | null }>, max = 10): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < max; i++) {
    const p = await page(cursor);
    out.push(...p.data);
    if (!p.next_cursor) break;
    cursor = p.next_cursor;
  }
  return out;
}

export const authors = () =>
  once('authors', () =>
    allPages((cursor) => ok(api.GET('/api/v1/authors', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))),
  );

export const tags = () =>
  once('tags', () => allPages((cursor) => ok(api.GET('/api/v1/tags', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))));

/** People a story can be assigned to: every active account (`GET /people`). */
export const people = () =>
  once('people', async () =>
    (await ok(api.GET('/api/v1/people'))).map((p) => ({ id: p.id, slug: p.role, name: p.name })),
  );
