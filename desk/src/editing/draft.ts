// What the story editor edits, how it becomes a PATCH, and how two people's changes
// to the same story are merged: field by field against the version both started
// from, and block by block for the body, so that no one's words are dropped.
import type { Article, Block, Schemas } from '../api/client';
import { incomplete, keyed, toApi, type Keyed } from '../blocks/model';

export type Access = Schemas['Access'];

export type Fields = {
  headline: string;
  standfirst: string;
  source: string;
  section: string | null;
  tags: string[];
  authors: string[];
  seo_title: string;
  seo_description: string;
  canonical_url: string;
  language: string;
  access: Access;
  featured_image: string | null;
  body: Keyed[];
};

/** The API's form of the editable fields (references by id). */
export type Payload = {
  headline: string;
  standfirst: string;
  source: string;
  section: string | null;
  tags: string[];
  authors: string[];
  seo: { title: string; description: string };
  canonical_url: string;
  language: string;
  access: Access;
  featured_image: string | null;
  body: Block[];
};
export type FieldName = keyof Payload;

export const FIELD_LABEL: Record<FieldName, string> = {
  headline: 'Headline',
  standfirst: 'Standfirst',
  source: 'Source',
  section: 'Section',
  tags: 'Tags',
  authors: 'Byline',
  seo: 'SEO',
  canonical_url: 'Canonical URL',
  language: 'Language',
  access: 'Access',
  featured_image: 'Featured image',
  body: 'Body',
};

/** Fields a working copy carries (language and access change on the story itself). */
export const COPY_FIELDS: FieldName[] = [
  'headline',
  'standfirst',
  'source',
  'section',
  'tags',
  'authors',
  'seo',
  'canonical_url',
  'featured_image',
  'body',
];

type Ref = string | { id: string } | null | undefined;
const idOf = (r: Ref): string | null => (r == null ? null : typeof r === 'string' ? r : r.id);

/** Fields from a story read, or from a working copy's `content` (same names, ids). */
export function fieldsFrom(source: Article | Record<string, unknown>): Fields {
  const a = source as Partial<Article> & Record<string, unknown>;
  const seo = (a.seo ?? {}) as { title?: string; description?: string };
  return {
    headline: (a.headline as string) ?? '',
    standfirst: (a.standfirst as string) ?? '',
    source: (a.source as string) ?? '',
    section: idOf(a.section as Ref),
    tags: ((a.tags ?? []) as Ref[]).map(idOf).filter((x): x is string => !!x),
    authors: ((a.authors ?? []) as Ref[]).map(idOf).filter((x): x is string => !!x),
    seo_title: seo.title ?? '',
    seo_description: seo.description ?? '',
    canonical_url: (a.canonical_url as string) ?? '',
    language: (a.language as string) ?? '',
    access: ((a.access as Access) ?? 'public') as Access,
    featured_image: idOf(a.featured_image as Ref),
    body: keyed(((a.body ?? []) as Block[]) || []),
  };
}

export function payload(f: Fields): Payload {
  return {
    headline: f.headline,
    standfirst: f.standfirst,
    source: f.source,
    section: f.section,
    tags: f.tags,
    authors: f.authors,
    seo: { title: f.seo_title, description: f.seo_description },
    canonical_url: f.canonical_url,
    language: f.language,
    access: f.access,
    featured_image: f.featured_image,
    // Blocks still being set up (no photo chosen yet) wait until they are complete.
    body: f.body.map((k) => k.block).filter((b) => !incomplete(b)).map(toApi),
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function changed(a: Payload, b: Payload, only?: FieldName[]): FieldName[] {
  return (Object.keys(a) as FieldName[]).filter((k) => (!only || only.includes(k)) && !same(a[k], b[k]));
}

export function pick(p: Payload, keys: FieldName[]): Partial<Payload> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = p[k];
  return out as Partial<Payload>;
}

/** Puts payload values back into editable fields (keeping block editors where unchanged). */
export function applyPayload(f: Fields, p: Partial<Payload>): Fields {
  const next = { ...f };
  for (const [k, v] of Object.entries(p) as [FieldName, unknown][]) {
    if (k === 'seo') {
      const seo = v as Payload['seo'];
      next.seo_title = seo.title;
      next.seo_description = seo.description;
    } else if (k === 'body') {
      const blocks = v as Block[];
      const reuse = new Map(f.body.map((b) => [JSON.stringify(toApi(b.block)), b]));
      next.body = blocks.map((b) => reuse.get(JSON.stringify(toApi(b))) ?? keyed([b])[0]!);
    } else {
      (next as Record<string, unknown>)[k] = v;
    }
  }
  return next;
}

/**
 * Both people's blocks: mine in my order, and every block they added or rewrote
 * (not in the common base, not in mine) placed after the block it followed in theirs.
 */
export function unionBlocks(mine: Block[], theirs: Block[], base: Block[]): Block[] {
  const k = (b: Block) => JSON.stringify(toApi(b));
  const inBase = new Set(base.map(k));
  const out = [...mine];
  let after = -1;
  for (const b of theirs) {
    const key = k(b);
    const at = out.findIndex((x) => k(x) === key);
    if (at >= 0) {
      after = at;
      continue;
    }
    if (inBase.has(key)) continue; // I removed or rewrote it: my change stands
    out.splice(after + 1, 0, b);
    after += 1;
  }
  return out;
}

export type Merge = {
  /** The draft with every change only one side made. */
  merged: Payload;
  /** Fields both changed, differently: the editor decides. */
  conflicts: FieldName[];
};

/** Three-way merge of my draft and their saved story against the version both started from. */
export function merge(mine: Payload, theirs: Payload, base: Payload, fields: FieldName[]): Merge {
  const mineChanged = changed(mine, base, fields);
  const theirsChanged = changed(theirs, base, fields);
  const merged = { ...mine };
  const conflicts: FieldName[] = [];
  for (const f of theirsChanged) {
    if (!mineChanged.includes(f)) (merged as Record<string, unknown>)[f] = theirs[f];
    else if (!same(mine[f], theirs[f])) conflicts.push(f);
  }
  return { merged, conflicts };
}

export function describe(field: FieldName, value: unknown, names: (id: string) => string): string {
  if (value == null || value === '') return '(empty)';
  switch (field) {
    case 'seo': {
      const s = value as Payload['seo'];
      return `Title: ${s.title || '(empty)'}; description: ${s.description || '(empty)'}`;
    }
    case 'tags':
    case 'authors':
      return (value as string[]).map(names).join(', ') || '(none)';
    case 'section':
    case 'featured_image':
      return names(value as string);
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}
