// What a front-end developer writes against Dateline: a typed client from
// openapi-fetch over the types generated from openapi/openapi.json.
//
// CI type-checks this file (check.sh), so a breaking change to the document (a field
// renamed or removed, a type changed, a path or block type gone or added) fails the
// build here before it breaks a real front end. Keep it realistic: only what a page
// needs, with the real field names. Nothing runs at import.

import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Schemas = components["schemas"];
export type Block = Schemas["Block"];
export type ArticlePage = Schemas["ArticlePage"];
export type ArticleLink = Schemas["ArticleLink"];
export type ArticleSummary = Schemas["ArticleSummary"];
export type FeaturedImage = Schemas["FeaturedImage"];
export type ImageResponse = Schemas["ImageResponse"];
export type SectionNode = Schemas["SectionNode"];
export type Problem = Schemas["Problem"];

export type DatelineClient = ReturnType<typeof createClient<paths>>;

/** A client for one Dateline server. Public reads need no token. */
export function createDatelineClient(baseUrl: string, token?: string): DatelineClient {
  return createClient<paths>({
    baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

/** An API error as the page shows it: RFC 9457 problem details. */
export class DatelineError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    const fields = problem?.errors?.map((e) => `${e.field}: ${e.message}`).join("; ");
    super(problem ? `${problem.title}: ${problem.detail}${fields ? ` (${fields})` : ""}` : `HTTP ${status}`);
  }
}

function fail(response: Response, error: Problem | undefined): never {
  throw new DatelineError(response.status, error);
}

// --- One story ------------------------------------------------------------------

/** Everything a story page shows. */
export interface StoryView {
  headline: string;
  standfirst: string;
  source: string;
  byline: string[];
  section: { slug: string; name: string } | null;
  publishedAt: Date | null;
  readingTime: string;
  lead: { src: string; srcset: string; alt: string; caption: string; credit: string; width: number; height: number } | null;
  bodyHtml: string;
  previous: ArticleLink | null;
  next: ArticleLink | null;
  related: ArticleLink[];
  corrections: { at: string; text: string }[];
  seo: { title: string; description: string };
}

/**
 * Reads one story by slug (or id), renders its typed body blocks and links its
 * neighbours. `images` resolves the body's photos (see `loadBodyImages`); without an
 * entry an image block renders as its caption and credit only.
 */
export async function getStory(
  client: DatelineClient,
  slug: string,
  images: ReadonlyMap<string, ImageResponse> = new Map(),
): Promise<StoryView> {
  const { data, error, response } = await client.GET("/api/v1/articles/{key}", {
    params: { path: { key: slug }, query: { formats: "blocks", include: "section" } },
  });
  if (!data) fail(response, error);
  // Without `format=ninjs` the answer is the page, not a ninjs document.
  if (!("headline" in data)) throw new Error("expected an article page, got ninjs");
  const story: ArticlePage = data;

  const lead = story.featured_image;
  return {
    headline: story.headline,
    standfirst: story.standfirst,
    source: story.source,
    byline: story.authors.map((a) => a.name),
    section: story.section ? { slug: story.section.slug, name: story.section.name } : null,
    publishedAt: story.published_at ? new Date(story.published_at) : null,
    readingTime: `${story.reading_time_minutes} min read`,
    lead: lead
      ? {
          src: lead.url,
          srcset: lead.srcset,
          alt: lead.alt,
          caption: lead.caption,
          credit: lead.credit,
          width: lead.width,
          height: lead.height,
        }
      : null,
    bodyHtml: (story.body ?? []).map((block) => renderBlock(block, images)).join("\n"),
    previous: story.previous ?? null,
    next: story.next ?? null,
    related: story.related,
    corrections: story.corrections.map((c) => ({ at: c.at, text: c.text })),
    seo: { title: story.seo.title ?? story.headline, description: story.seo.description ?? story.standfirst },
  };
}

/** One body block as HTML. Every block type is handled; a new one fails the build. */
export function renderBlock(block: Block, images: ReadonlyMap<string, ImageResponse>): string {
  switch (block.type) {
    case "paragraph":
      // Already sanitised by the server: only a, em, strong and br survive (list items
      // and table cells too).
      return `<p>${block.html}</p>`;
    case "heading": {
      const level = Math.min(Math.max(block.level, 2), 4);
      return `<h${level}>${esc(block.text)}</h${level}>`;
    }
    case "quote":
      return `<blockquote><p>${esc(block.text)}</p>${
        block.attribution ? `<footer>${esc(block.attribution)}</footer>` : ""
      }</blockquote>`;
    case "list": {
      // Each item is inline HTML, sanitised by the server as a paragraph's.
      const tag = block.ordered ? "ol" : "ul";
      return `<${tag}>${block.items.map((item) => `<li>${item}</li>`).join("")}</${tag}>`;
    }
    case "table": {
      // Cells are inline HTML, sanitised as a paragraph's; the caption is plain text.
      const [first, ...rest] = block.rows;
      const headCells = block.header && first ? first.map((cell) => `<th scope="col">${cell}</th>`).join("") : "";
      const head = headCells ? `<thead><tr>${headCells}</tr></thead>` : "";
      const rows = block.header ? rest : block.rows;
      const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join("")}</tr>`).join("");
      const caption = block.caption ? `<figcaption>${esc(block.caption)}</figcaption>` : "";
      return `<figure class="table"><table>${head}<tbody>${body}</tbody></table>${caption}</figure>`;
    }
    case "code": {
      // Plain text, shown exactly as written: escaped, never markup.
      const language = block.language ? ` class="language-${esc(block.language)}"` : "";
      return `<pre><code${language}>${esc(block.text)}</code></pre>`;
    }
    case "image": {
      // Reads carry the photo itself; the `images` map (token-protected lookups) is
      // only a fallback for bodies that did not come from a read.
      const photo = block.image;
      if (!photo) return renderPhoto(block.image_id, block.caption ?? null, block.credit ?? null, images);
      const caption = block.caption ?? photo.caption;
      const credit = block.credit ?? photo.credit;
      return `<figure><img src="${esc(photo.url)}" srcset="${esc(photo.srcset)}" sizes="(min-width: 760px) 720px, 100vw" alt="${esc(
        photo.alt,
      )}" width="${photo.width}" height="${photo.height}"><figcaption>${esc(caption)}${
        credit ? ` <small>${esc(credit)}</small>` : ""
      }</figcaption></figure>`;
    }
    case "related": {
      // "Also Read": the server fills `target` on every read; an unavailable story
      // (unpublished, embargoed, trashed) is shown as plain text, never a dead link.
      const label = esc(block.label ?? "Also Read");
      const target = block.target;
      if (!target?.available || !target.slug) return `<aside class="related">${label}</aside>`;
      const thumb = target.featured_image
        ? `<img srcset="${esc(target.featured_image.srcset)}" sizes="120px" alt="${esc(target.featured_image.alt)}">`
        : "";
      return `<aside class="related">${label} – <a href="/${esc(target.slug)}">${thumb}${esc(
        target.headline ?? target.slug,
      )}</a></aside>`;
    }
    case "embed":
      return `<figure class="embed" data-provider="${esc(block.provider ?? "")}"><a href="${esc(block.url)}">${esc(
        block.url,
      )}</a>${block.caption ? `<figcaption>${esc(block.caption)}</figcaption>` : ""}</figure>`;
    default:
      return assertNever(block);
  }
}

function renderPhoto(
  imageId: string,
  caption: string | null,
  credit: string | null,
  images: ReadonlyMap<string, ImageResponse>,
): string {
  const image = images.get(imageId);
  // The block's caption and credit override the library's.
  const shownCaption = caption ?? image?.caption ?? "";
  const shownCredit = credit ?? image?.credit ?? "";
  const figcaption = `<figcaption>${esc(shownCaption)}${
    shownCredit ? ` <span class="credit">${esc(shownCredit)}</span>` : ""
  }</figcaption>`;
  if (!image) return shownCaption || shownCredit ? `<figure>${figcaption}</figure>` : "";
  // WebP for browsers that take it, the original's format otherwise; widths from the
  // renditions themselves, so the largest one is the <img> fallback.
  const largest = image.renditions.reduce<Schemas["Rendition"] | undefined>(
    (best, r) => (!best || r.width > best.width ? r : best),
    undefined,
  );
  const focal = `${Math.round(image.focal_point.x * 100)}% ${Math.round(image.focal_point.y * 100)}%`;
  return `<figure><picture><source type="image/webp" srcset="${esc(image.srcset)}"><img src="${esc(
    largest?.url ?? image.url,
  )}" srcset="${esc(image.fallback_srcset)}" alt="${esc(image.alt)}" width="${image.width}" height="${
    image.height
  }" style="object-position: ${focal}" loading="lazy"></picture>${figcaption}</figure>`;
}

/**
 * Looks up the photos a story's body uses. `GET /images/{id}` needs a token with
 * `content:read` (e.g. a server-side renderer's API key); public pages can use the
 * story's `body_html`, which has the figures rendered.
 */
export async function loadBodyImages(
  client: DatelineClient,
  blocks: readonly Block[],
): Promise<Map<string, ImageResponse>> {
  const ids = new Set<string>();
  for (const block of blocks) if (block.type === "image") ids.add(block.image_id);
  const found = new Map<string, ImageResponse>();
  for (const id of ids) {
    const { data, error, response } = await client.GET("/api/v1/images/{id}", { params: { path: { id } } });
    if (data) found.set(id, data);
    else if (response.status !== 404) fail(response, error);
  }
  return found;
}

// --- A curated rail -----------------------------------------------------------------

/** One card of a rail such as "Don't Miss" or "Top News". */
export interface Card {
  position: number;
  pinned: boolean;
  curated: boolean;
  href: string;
  headline: string;
  standfirst: string;
  section: string | null;
  byline: string;
  readingMinutes: number;
  publishedAt: string | null;
  image: Pick<FeaturedImage, "srcset" | "alt" | "width" | "height"> | null;
}

/** A collection (e.g. `top-news`, `dont-miss`) as its rail shows it. */
export async function getRail(client: DatelineClient, slug: string): Promise<{ title: string; cards: Card[] }> {
  const { data, error, response } = await client.GET("/api/v1/collections/{slug}", {
    params: { path: { slug } },
  });
  if (!data) fail(response, error);
  return {
    title: data.name,
    cards: data.items.slice(0, data.max_items).map((item) => ({
      position: item.position,
      pinned: item.pinned,
      curated: item.source === "curated",
      ...card(item.article),
    })),
  };
}

function card(article: ArticleSummary): Omit<Card, "position" | "pinned" | "curated"> {
  const image = article.featured_image;
  return {
    href: `/${article.slug}`,
    headline: article.headline,
    standfirst: article.standfirst,
    section: article.section?.name ?? null,
    byline: article.authors.map((a) => a.name).join(", "),
    readingMinutes: article.reading_time_minutes,
    publishedAt: article.published_at ?? null,
    image: image ? { srcset: image.srcset, alt: image.alt, width: image.width, height: image.height } : null,
  };
}

// --- Navigation ---------------------------------------------------------------------

/** One entry of the site menu, flattened from the section tree. */
export interface MenuEntry {
  slug: string;
  name: string;
  depth: number;
  stories: number;
}

/** The section tree as a menu, subsections indented under their parents. */
export async function getMenu(client: DatelineClient): Promise<MenuEntry[]> {
  const { data, error, response } = await client.GET("/api/v1/sections");
  if (!data) fail(response, error);
  const menu: MenuEntry[] = [];
  const walk = (nodes: SectionNode[], depth: number): void => {
    for (const node of [...nodes].sort((a, b) => a.position - b.position)) {
      menu.push({ slug: node.slug, name: node.name, depth, stories: node.article_count });
      walk(node.children, depth + 1);
    }
  };
  walk(data.data, 0);
  return menu;
}

// --- A section front, page by page --------------------------------------------------

/** One page of a section's stories, newest first, and the cursor for the next. */
export async function listSectionStories(
  client: DatelineClient,
  section: string,
  page: { limit?: number; cursor?: string } = {},
): Promise<{ stories: Omit<Card, "position" | "pinned" | "curated">[]; nextCursor: string | null }> {
  const { data, error, response } = await client.GET("/api/v1/articles", {
    params: {
      query: {
        section,
        limit: page.limit ?? 20,
        // Lists only need the cards: skip the body renderings.
        formats: "text",
        ...(page.cursor ? { cursor: page.cursor } : {}),
      },
    },
  });
  if (!data) fail(response, error);
  return {
    stories: data.data.map((story) =>
      card({
        id: story.id,
        slug: story.slug,
        headline: story.headline,
        standfirst: story.standfirst,
        published_at: story.published_at ?? null,
        updated_at: story.updated_at,
        reading_time_minutes: story.reading_time_minutes,
        section: story.section ?? null,
        authors: story.authors,
        featured_image: story.featured_image ?? null,
      }),
    ),
    nextCursor: data.next_cursor ?? null,
  };
}

/** Every story of a section, following `next_cursor` (at most `maxPages` pages). */
export async function* allSectionStories(
  client: DatelineClient,
  section: string,
  maxPages = 50,
): AsyncGenerator<Omit<Card, "position" | "pinned" | "curated">> {
  let cursor: string | undefined;
  for (let n = 0; n < maxPages; n++) {
    const page = await listSectionStories(client, section, { limit: 100, ...(cursor ? { cursor } : {}) });
    yield* page.stories;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

// --- Helpers --------------------------------------------------------------------------

function esc(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function assertNever(value: never): never {
  throw new Error(`unhandled block: ${JSON.stringify(value)}`);
}
