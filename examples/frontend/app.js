// Dateline reference front end: a small news site built only on the public API.
//
// Three static files, no build step. Hash routes keep it to those files:
//   #/                 front page   (sections, "homepage" collection, rail collection)
//   #/section/<slug>   section page (sections, the section's stories, rail collection)
//   #/story/<slug>     story page   (the story, sections, rail collection)
//   #/preview/<token>  a story before publication, from the desk's preview link
// Each view costs at most three API requests, made in parallel. The article read
// already carries previous/next, related stories and "Also Read" targets, so the
// story page needs nothing more than its structured data for the page head; a live
// story adds its entries and follows them over Server-Sent Events (EventSource),
// updating itself as the desk posts.
//
// Untrusted text goes in with textContent; only inline HTML the API has sanitised to
// a, em, strong and br (a paragraph's `html`, list items, table cells) is inserted as
// HTML. The page runs under a strict CSP: no inline styles or scripts, so
// presentation lives in style.css classes.

const params = new URLSearchParams(location.search);

/** Where the API lives: this origin by default, or `?api=https://host` for development. */
const API_BASE = apiBase(params.get('api'));
/** The curated collection the front page shows (`?home=`). */
const HOME_COLLECTION = params.get('home') || 'homepage';
/** The curated rail beside every page (`?rail=`). */
const RAIL_COLLECTION = params.get('rail') || 'dont-miss';
/** Stories per page on a section page. */
const PAGE_SIZE = 12;

const SIZES = {
  lead: '(min-width: 1100px) 720px, (min-width: 760px) 62vw, 100vw',
  body: '(min-width: 760px) 680px, 100vw',
  card: '(min-width: 760px) 220px, 100vw',
  rail: '96px',
};

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const clockFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const todayFormat = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

const main = document.getElementById('main');
const rail = document.getElementById('rail');
const nav = document.getElementById('sections-nav');

function apiBase(raw) {
  if (!raw) return '';
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      return url.origin + url.pathname.replace(/\/+$/, '');
    }
  } catch {
    // Not a URL: fall back to this origin.
  }
  return '';
}

// ---------------------------------------------------------------------------
// API

/** A failed API call: `status` is 0 when the server could not be reached. */
class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, query = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const qs = search.toString();
  const url = `${API_BASE}/api/v1${path}${qs ? `?${qs}` : ''}`;
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'The newsroom could not be reached.');
  }
  if (!response.ok) {
    let detail = '';
    try {
      detail = (await response.json()).detail || '';
    } catch {
      // Not a problem document; the status says enough.
    }
    throw new ApiError(response.status, detail);
  }
  return response.json();
}

/** Resolves to `fallback` when the API answers with one of `statuses`. */
function unless(statuses, fallback) {
  return (err) => {
    if (err instanceof ApiError && statuses.includes(err.status)) return fallback;
    throw err;
  };
}

const seg = (s) => encodeURIComponent(s);
const storyHref = (slug) => `#/story/${seg(slug)}`;
const sectionHref = (slug) => `#/section/${seg(slug)}`;

// ---------------------------------------------------------------------------
// DOM helpers

/** Builds an element; strings become text nodes, never markup. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An element holding inline HTML the API has sanitised (a, em, strong and br). */
function inline(tag, html, attrs = {}) {
  const el = h(tag, attrs);
  el.innerHTML = html;
  return el;
}

function time(iso, format = dateFormat) {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return h('time', { datetime: iso }, format.format(date));
}

function readingTime(minutes) {
  return minutes > 0 ? `${minutes} min read` : null;
}

/** A responsive photo from a `FeaturedImage` (url, srcset, alt, width, height). */
function photo(image, sizes, { eager = false, className } = {}) {
  return h('img', {
    class: className,
    src: image.url,
    srcset: image.srcset || null,
    sizes: image.srcset ? sizes : null,
    alt: image.alt || '',
    width: image.width || null,
    height: image.height || null,
    loading: eager ? 'eager' : 'lazy',
    decoding: 'async',
  });
}

function figure(image, caption, credit, { eager = false, className = 'figure' } = {}) {
  const text = caption || '';
  const by = credit || '';
  return h(
    'figure',
    { class: className },
    photo(image, SIZES.body, { eager, className: 'figure__img' }),
    text || by
      ? h(
          'figcaption',
          { class: 'figure__caption' },
          text ? h('span', { class: 'figure__text' }, text) : null,
          by ? h('span', { class: 'figure__credit' }, by) : null,
        )
      : null,
  );
}

function meta(...parts) {
  const items = parts.filter(Boolean);
  if (!items.length) return null;
  return h(
    'p',
    { class: 'meta' },
    items.map((part, i) => [
      i ? h('span', { class: 'meta__sep', 'aria-hidden': 'true' }, ' · ') : null,
      part instanceof Node ? part : h('span', {}, part),
    ]),
  );
}

function byline(authors) {
  const names = (authors || []).map((a) => a.name).filter(Boolean);
  if (!names.length) return null;
  const joined =
    names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return h('span', { class: 'byline' }, 'By ', h('span', { class: 'byline__names' }, joined));
}

// ---------------------------------------------------------------------------
// Shared pieces: section navigation, story cards, the rail

/** Flattens the section tree into [{node, parent, depth}] in display order. */
function flatten(nodes, parent = null, depth = 0, out = []) {
  for (const node of nodes || []) {
    out.push({ node, parent, depth });
    flatten(node.children, node, depth + 1, out);
  }
  return out;
}

function findSection(tree, slug) {
  return flatten(tree.data).find((entry) => entry.node.slug === slug) || null;
}

/** The chain of sections from the top level down to `slug`. */
function sectionTrail(tree, slug) {
  const trail = [];
  let entry = findSection(tree, slug);
  const all = flatten(tree.data);
  while (entry) {
    trail.unshift(entry.node);
    const parentId = entry.parent && entry.parent.id;
    entry = parentId ? all.find((e) => e.node.id === parentId) : null;
  }
  return trail;
}

function renderNav(tree, { current, active } = {}) {
  const items = [
    h(
      'li',
      { class: 'sections-nav__item' },
      h('a', { href: '#/', class: 'sections-nav__link', 'aria-current': current === 'home' ? 'page' : null }, 'Home'),
    ),
  ];
  for (const { node, depth } of flatten(tree ? tree.data : [])) {
    const isCurrent = current === node.slug;
    const isActive = active && active.includes(node.slug);
    items.push(
      h(
        'li',
        { class: `sections-nav__item${depth ? ' sections-nav__item--child' : ''}` },
        h(
          'a',
          {
            href: sectionHref(node.slug),
            class: `sections-nav__link${isActive || isCurrent ? ' is-active' : ''}`,
            'aria-current': isCurrent ? 'page' : null,
          },
          node.name,
        ),
      ),
    );
  }
  nav.replaceChildren(...items);
}

/** A story in a list: `ArticleSummary` or `ArticleResponse` (same field names). */
function storyCard(story, { headingLevel = 2, showSection = true, lead = false } = {}) {
  const image = story.featured_image;
  const heading = h(
    `h${headingLevel}`,
    { class: 'card__headline' },
    h('a', { href: storyHref(story.slug), class: 'card__link' }, story.headline),
  );
  return h(
    'article',
    { class: `card${lead ? ' card--lead' : ''}${image ? '' : ' card--text'}` },
    image
      ? h(
          'div',
          { class: 'card__media' },
          photo(image, lead ? SIZES.lead : SIZES.card, { eager: lead, className: 'card__img' }),
        )
      : null,
    h(
      'div',
      { class: 'card__body' },
      showSection && story.section
        ? h('p', { class: 'card__kicker' }, h('a', { href: sectionHref(story.section.slug) }, story.section.name))
        : null,
      heading,
      story.standfirst ? h('p', { class: 'card__excerpt' }, story.standfirst) : null,
      meta(time(story.published_at), readingTime(story.reading_time_minutes)),
    ),
  );
}

function renderRail(collection) {
  const items = collection ? collection.items || [] : [];
  if (!items.length) {
    rail.hidden = true;
    rail.replaceChildren();
    return;
  }
  const parts = [
    h('h2', { id: 'rail-title', class: 'rail__title' }, collection.name),
    collection.description ? h('p', { class: 'rail__description' }, collection.description) : null,
    h(
      'ol',
      { class: 'rail__list' },
      items.map(({ article }) =>
        h(
          'li',
          { class: 'rail__item' },
          article.featured_image
            ? photo(article.featured_image, SIZES.rail, { className: 'rail__img' })
            : null,
          h(
            'div',
            { class: 'rail__text' },
            h('a', { href: storyHref(article.slug), class: 'rail__link' }, article.headline),
            meta(time(article.published_at)),
          ),
        ),
      ),
    ),
  ];
  rail.replaceChildren(...parts.filter(Boolean));
  rail.hidden = false;
}

/** The rail is extra: if it cannot load, the page goes on without it. */
function loadRail() {
  return api(`/collections/${seg(RAIL_COLLECTION)}`).catch(() => null);
}

function notice(title, text, ...extra) {
  return h(
    'div',
    { class: 'notice' },
    h('h1', { class: 'notice__title', tabindex: '-1' }, title),
    h('p', {}, text),
    extra,
  );
}

function notFound(what) {
  return {
    title: `${what} not found | Dateline`,
    content: notice(
      `${what} not found`,
      `We couldn't find the ${what.toLowerCase()} you were looking for. It may have been moved or taken down.`,
      h('p', {}, h('a', { href: '#/', class: 'button' }, 'Go to the front page')),
    ),
    status: 404,
  };
}

// ---------------------------------------------------------------------------
// Views. Each returns {title, content, tree?, rail?, nav?}.

async function frontView() {
  const [tree, home, railItems] = await Promise.all([
    api('/sections'),
    api(`/collections/${seg(HOME_COLLECTION)}`).catch(unless([404], null)),
    loadRail(),
  ]);
  const stories = home ? home.items.map((item) => item.article) : [];
  let content;
  if (!stories.length) {
    content = notice(
      'No stories yet',
      `The front page shows the "${HOME_COLLECTION}" collection, which is empty or missing. Pick a section above to read the latest stories.`,
    );
  } else {
    const [lead, ...rest] = stories;
    content = h(
      'div',
      { class: 'front' },
      h('h1', { class: 'visually-hidden', tabindex: '-1' }, 'Top stories'),
      storyCard(lead, { lead: true }),
      rest.length
        ? h(
            'ul',
            { class: 'grid', 'aria-label': 'More top stories' },
            rest.map((story) => h('li', { class: 'grid__item' }, storyCard(story))),
          )
        : null,
    );
  }
  return { title: 'Dateline', content, tree, rail: railItems, nav: { current: 'home' } };
}

async function sectionView(slug) {
  const [tree, page, railItems] = await Promise.all([
    api('/sections'),
    // An unknown section is a 422 here; the tree tells the reader it does not exist.
    api('/articles', { section: slug, formats: '', limit: PAGE_SIZE }).catch(unless([404, 422], null)),
    loadRail(),
  ]);
  const entry = findSection(tree, slug);
  if (!entry || !page) return { ...notFound('Section'), tree, rail: railItems };
  const section = entry.node;
  const trail = sectionTrail(tree, slug);

  const list = h('ol', { class: 'story-list' });
  const addStories = (stories) => {
    const items = stories.map((story) =>
      h('li', { class: 'story-list__item' }, storyCard(story, { showSection: story.section?.slug !== slug })),
    );
    list.append(...items);
    return items;
  };
  addStories(page.data);

  const more = h('div', { class: 'more' });
  let cursor = page.next_cursor;
  const showMore = () => {
    more.replaceChildren();
    if (!cursor) return;
    const button = h('button', { type: 'button', class: 'button' }, 'More stories');
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = 'Loading…';
      try {
        const next = await api('/articles', { section: slug, formats: '', limit: PAGE_SIZE, cursor });
        cursor = next.next_cursor;
        const added = addStories(next.data);
        showMore();
        added[0]?.querySelector('a.card__link')?.focus();
      } catch {
        button.disabled = false;
        button.textContent = 'Could not load more stories. Try again';
      }
    });
    more.append(button);
  };
  showMore();

  const content = h(
    'div',
    { class: 'section-page' },
    breadcrumb(trail.slice(0, -1)),
    h(
      'header',
      { class: 'section-page__header' },
      h('h1', { class: 'section-page__title', tabindex: '-1' }, section.name),
      section.description ? h('p', { class: 'section-page__description' }, section.description) : null,
      section.children?.length
        ? h(
            'nav',
            { class: 'subsections', 'aria-label': `Inside ${section.name}` },
            h(
              'ul',
              { class: 'subsections__list' },
              section.children.map((child) =>
                h('li', {}, h('a', { href: sectionHref(child.slug), class: 'chip' }, child.name)),
              ),
            ),
          )
        : null,
    ),
    page.data.length
      ? list
      : h('p', { class: 'status' }, 'No stories in this section yet.'),
    more,
  );
  return {
    title: `${section.name} | Dateline`,
    content,
    tree,
    rail: railItems,
    nav: { current: slug, active: trail.map((s) => s.slug) },
  };
}

function breadcrumb(sections) {
  if (!sections.length) return null;
  return h(
    'nav',
    { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
    h(
      'ol',
      { class: 'breadcrumb__list' },
      sections.map((s) => h('li', {}, h('a', { href: sectionHref(s.slug) }, s.name))),
    ),
  );
}

/** A story page; with `previewToken`, the story as the desk's preview link shows it
 * (unpublished or a working copy): no structured data, no live stream, marked. */
async function storyView(slug, previewToken = null) {
  const [article, tree, railItems, structuredData] = await Promise.all([
    previewToken
      ? api(`/preview/${seg(previewToken)}`, { formats: 'blocks' }).catch(unless([401, 403, 404, 410], null))
      : api(`/articles/${seg(slug)}`, { formats: 'blocks' }).catch(unless([404, 410], null)),
    api('/sections'),
    loadRail(),
    // What search engines read, for the page head (schema.org NewsArticle).
    previewToken ? null : api(`/articles/${seg(slug)}/structured-data`).catch(() => null),
  ]);
  if (!article) return { ...notFound(previewToken ? 'Preview' : 'Story'), tree, rail: railItems };
  // A live story: its entries, newest first, then the stream from where they end.
  const entries = article.live && !previewToken ? await api(`/articles/${seg(article.slug)}/entries`) : null;
  const live = entries ? liveCoverage(article, entries) : null;
  // An old slug redirects to the current one: show the current address.
  if (!previewToken && article.slug && article.slug !== slug) {
    history.replaceState(null, '', `${location.pathname}${location.search}${storyHref(article.slug)}`);
  }
  const trail = article.section ? sectionTrail(tree, article.section.slug) : [];
  const crumbs = trail.length ? trail : article.section ? [article.section] : [];
  const body = renderBody(article);

  const content = h(
    'div',
    { class: 'story-page' },
    h(
      'article',
      { class: 'story' },
      h(
        'header',
        { class: 'story__header' },
        previewToken ? h('p', { class: 'preview-note', role: 'note' }, 'Preview: readers do not see this version yet.') : null,
        breadcrumb(crumbs),
        h('h1', { class: 'story__headline', tabindex: '-1' }, article.headline),
        article.standfirst ? h('p', { class: 'story__standfirst' }, article.standfirst) : null,
        h(
          'div',
          { class: 'story__meta' },
          meta(
            byline(article.authors),
            article.source ? h('span', { class: 'story__source' }, article.source) : null,
          ),
          meta(time(article.published_at), readingTime(article.reading_time_minutes)),
        ),
      ),
      body.lead,
      h('div', { class: 'story__body' }, body.blocks),
      live?.section,
      corrections(article.corrections),
      tagList(article.tags),
      pager(article.previous, article.next),
    ),
    relatedList(article.related, body.alsoRead),
  );
  return {
    title: `${previewToken ? 'Preview: ' : ''}${article.live?.state === 'live' ? 'LIVE: ' : ''}${article.headline} | Dateline`,
    structuredData,
    onShow: live?.follow,
    content,
    tree,
    rail: railItems,
    nav: { active: trail.map((s) => s.slug) },
  };
}

// ---------------------------------------------------------------------------
// Live coverage

/** The open event stream of the live story on screen, if any. */
let liveStream = null;

function stopLive() {
  liveStream?.close();
  liveStream = null;
}

function entryCard(entry) {
  const blocks = (entry.body || []).map((block) => renderBlock(block, new Map(), new Set())).filter(Boolean);
  return h(
    'article',
    {
      class: `live-entry${entry.key_event ? ' live-entry--key' : ''}`,
      id: `entry-${entry.id}`,
      'data-entry-id': entry.id,
    },
    h(
      'p',
      { class: 'live-entry__meta' },
      time(entry.published_at, clockFormat),
      entry.key_event ? h('span', { class: 'live-entry__flag' }, 'Key event') : null,
      entry.pinned ? h('span', { class: 'live-entry__flag' }, 'Pinned') : null,
    ),
    entry.headline ? h('h3', { class: 'live-entry__headline' }, entry.headline) : null,
    h('div', { class: 'live-entry__body' }, blocks),
    entry.authors?.length ? h('p', { class: 'live-entry__byline' }, byline(entry.authors)) : null,
  );
}

/** The entries of a live story and, while it is live, a stream that keeps them current. */
function liveCoverage(article, page) {
  const isLive = article.live.state === 'live';
  const pinned = h('div', { class: 'live__pinned' }, page.pinned.map(entryCard));
  const timeline = h('div', { class: 'live__entries' }, page.data.map(entryCard));
  const status = h(
    'p',
    { class: 'live__status', role: 'status' },
    isLive ? 'Live: this page updates itself' : 'This live coverage has ended',
  );
  const section = h(
    'section',
    { class: `live${isLive ? ' live--on' : ''}`, 'aria-labelledby': 'live-heading' },
    h('h2', { class: 'live__heading', id: 'live-heading' }, 'Live updates'),
    status,
    pinned,
    timeline,
  );
  const find = (box, id) => [...box.children].find((el) => el.dataset.entryId === id);
  const upsert = (event) => {
    const entry = JSON.parse(event.data);
    const card = entryCard(entry);
    const existing = find(timeline, entry.id);
    if (existing) existing.replaceWith(card);
    else timeline.prepend(card);
    find(pinned, entry.id)?.remove();
    if (entry.pinned) pinned.prepend(entryCard(entry));
  };
  const remove = (event) => {
    const { id } = JSON.parse(event.data);
    find(timeline, id)?.remove();
    find(pinned, id)?.remove();
  };
  const follow = () => {
    if (!isLive) return;
    const url = `${API_BASE}/api/v1/articles/${seg(article.slug)}/entries/stream?last_event_id=${page.last_event_id}`;
    liveStream = new EventSource(url);
    liveStream.addEventListener('entry.created', upsert);
    liveStream.addEventListener('entry.updated', upsert);
    liveStream.addEventListener('entry.deleted', remove);
    // EventSource reconnects by itself, resuming from the last event it received.
    liveStream.addEventListener('error', () => {
      status.textContent = 'Live: reconnecting…';
    });
    liveStream.addEventListener('open', () => {
      status.textContent = 'Live: this page updates itself';
    });
  };
  return { section, follow };
}

// ---------------------------------------------------------------------------
// Story body

/** Images the read already describes, by id: the lead photo and related targets'. */
function knownImages(article) {
  const images = new Map();
  if (article.featured_image) images.set(article.featured_image.id, article.featured_image);
  for (const block of article.body || []) {
    const image = block.type === 'related' && block.target?.featured_image;
    if (image && !images.has(image.id)) images.set(image.id, image);
  }
  return images;
}

function renderBody(article) {
  const images = knownImages(article);
  const blocks = article.body || [];
  const alsoRead = new Set();
  // The lead photo often opens the body too: show it once, where the editor put it.
  const leadInBody = blocks.some((b) => b.type === 'image' && b.image_id === article.featured_image?.id);
  const lead =
    article.featured_image && !leadInBody
      ? figure(article.featured_image, article.featured_image.caption, article.featured_image.credit, {
          eager: true,
          className: 'figure figure--lead',
        })
      : null;
  const out = [];
  for (const block of blocks) {
    const el = renderBlock(block, images, alsoRead);
    if (el) out.push(el);
  }
  return { lead, blocks: out, alsoRead };
}

function renderBlock(block, images, alsoRead) {
  switch (block.type) {
    case 'paragraph':
      return inline('p', block.html);
    case 'heading': {
      const level = Math.min(Math.max(block.level || 2, 2), 4);
      return h(`h${level}`, { class: 'story__subhead' }, block.text);
    }
    case 'quote':
      return h(
        'figure',
        { class: 'pullquote' },
        h('blockquote', {}, h('p', {}, block.text)),
        block.attribution ? h('figcaption', { class: 'pullquote__by' }, block.attribution) : null,
      );
    case 'list':
      return h(
        block.ordered ? 'ol' : 'ul',
        { class: 'story__list' },
        (block.items || []).map((item) => inline('li', item)),
      );
    case 'table':
      return table(block);
    case 'code':
      // Text, never markup: textContent keeps every space and line break.
      return h(
        'pre',
        { class: 'code', tabindex: 0 },
        h('code', { class: block.language ? `language-${block.language}` : null }, block.text),
      );
    case 'image': {
      // Reads carry the photo in `image`; older servers gave only the id, which the
      // lead photo or a related story's may still describe.
      const image = block.image || images.get(block.image_id);
      if (!image) return null;
      return figure(image, block.caption ?? image.caption, block.credit ?? image.credit);
    }
    case 'related': {
      const label = block.label || 'Also Read';
      const target = block.target;
      if (target?.available && target.slug) {
        alsoRead.add(target.slug);
        return h(
          'p',
          { class: 'also-read' },
          h('span', { class: 'also-read__label' }, label),
          ' – ',
          h('a', { href: storyHref(target.slug), class: 'also-read__link' }, target.headline || target.slug),
        );
      }
      return h(
        'p',
        { class: 'also-read also-read--gone' },
        h('span', { class: 'also-read__label' }, label),
        ' – ',
        'this story is no longer available',
      );
    }
    case 'embed':
      return embed(block);
    default:
      return null;
  }
}

/** A table block: the first row heads the columns when `header` is set. A wide table
 * scrolls sideways inside its own box (focusable, so a keyboard can scroll it). */
function table(block) {
  const rows = block.rows || [];
  const head = block.header && rows.length ? rows[0] : null;
  const body = head ? rows.slice(1) : rows;
  return h(
    'figure',
    { class: 'table' },
    h(
      'div',
      { class: 'table__scroll', tabindex: 0, role: 'region', 'aria-label': block.caption || 'Table' },
      h(
        'table',
        {},
        head ? h('thead', {}, h('tr', {}, head.map((cell) => inline('th', cell, { scope: 'col' })))) : null,
        h('tbody', {}, body.map((row) => h('tr', {}, row.map((cell) => inline('td', cell))))),
      ),
    ),
    block.caption ? h('figcaption', { class: 'table__caption' }, block.caption) : null,
  );
}

function embed(block) {
  let url;
  try {
    url = new URL(block.url);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const provider = block.provider || url.hostname.replace(/^www\./, '');
  return h(
    'figure',
    { class: 'embed' },
    h('span', { class: 'embed__label' }, `Embedded from ${provider}`),
    h('a', { href: url.href, rel: 'noopener noreferrer', class: 'embed__link' }, `View on ${provider}`),
    block.caption ? h('figcaption', { class: 'embed__caption' }, block.caption) : null,
  );
}

function corrections(list) {
  if (!list || !list.length) return null;
  return h(
    'section',
    { class: 'corrections', 'aria-labelledby': 'corrections-title' },
    h('h2', { id: 'corrections-title', class: 'corrections__title' }, 'Corrections'),
    h(
      'ul',
      {},
      list.map((c) => h('li', {}, time(c.at), ': ', c.text)),
    ),
  );
}

function tagList(tags) {
  if (!tags || !tags.length) return null;
  return h(
    'ul',
    { class: 'tags', 'aria-label': 'Topics' },
    tags.map((t) => h('li', { class: 'chip' }, t.name)),
  );
}

function pager(previous, next) {
  if (!previous && !next) return null;
  const link = (story, rel, label) =>
    h(
      'a',
      { href: storyHref(story.slug), rel, class: `pager__link pager__link--${rel}` },
      h('span', { class: 'pager__label' }, label),
      h('span', { class: 'pager__headline' }, story.headline),
    );
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Previous and next stories' },
    previous ? link(previous, 'prev', 'Previous Story') : h('span'),
    next ? link(next, 'next', 'Next Story') : h('span'),
  );
}

function relatedList(related, alreadyLinked) {
  const stories = (related || []).filter((s) => !alreadyLinked.has(s.slug)).slice(0, 4);
  if (!stories.length) return null;
  return h(
    'section',
    { class: 'related', 'aria-labelledby': 'related-title' },
    h('h2', { id: 'related-title', class: 'related__title' }, 'More on this story'),
    h(
      'ul',
      { class: 'related__list' },
      stories.map((s) =>
        h(
          'li',
          { class: 'related__item' },
          h('h3', { class: 'related__headline' }, h('a', { href: storyHref(s.slug) }, s.headline)),
          s.standfirst ? h('p', { class: 'related__excerpt' }, s.standfirst) : null,
          meta(time(s.published_at)),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------
// Routing

function parseRoute(hash) {
  // A plain fragment (#main, from the skip link) on a fresh load: show the front page.
  if (!hash.startsWith('#/')) return { view: 'front' };
  let parts;
  try {
    parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { view: 'missing' };
  }
  if (!parts.length) return { view: 'front' };
  if (parts.length === 2 && parts[0] === 'section') return { view: 'section', slug: parts[1] };
  if (parts.length === 2 && parts[0] === 'story') return { view: 'story', slug: parts[1] };
  if (parts.length === 2 && parts[0] === 'preview') return { view: 'preview', token: parts[1] };
  return { view: 'missing' };
}

function load(route) {
  switch (route.view) {
    case 'front':
      return frontView();
    case 'section':
      return sectionView(route.slug);
    case 'story':
      return storyView(route.slug);
    case 'preview':
      return storyView(null, route.token);
    default:
      return Promise.resolve(notFound('Page'));
  }
}

function errorView(err) {
  const offline = err instanceof ApiError && err.status === 0;
  const retry = h('button', { type: 'button', class: 'button' }, 'Try again');
  retry.addEventListener('click', () => render({ focus: true }));
  return {
    title: 'Something went wrong | Dateline',
    content: notice(
      'Sorry, this page could not be loaded',
      offline
        ? 'We could not reach the newsroom. Check your connection and try again.'
        : 'The newsroom had trouble answering. Please try again in a moment.',
      h('p', {}, retry, ' ', h('a', { href: '#/', class: 'button button--quiet' }, 'Front page')),
    ),
  };
}

let renderCount = 0;

/** The story's JSON-LD in the page head (data, never executed: the CSP allows it). */
function setStructuredData(data) {
  let script = document.getElementById('structured-data');
  if (!data) {
    script?.remove();
    return;
  }
  if (!script) {
    script = document.createElement('script');
    script.type = 'application/ld+json';
    script.id = 'structured-data';
    document.head.append(script);
  }
  script.textContent = JSON.stringify(data);
}

async function render({ focus = false } = {}) {
  // Other fragments (#main from the skip link) are in-page jumps, not routes.
  if (location.hash && !location.hash.startsWith('#/') && main.dataset.view) return;
  const ticket = ++renderCount;
  main.setAttribute('aria-busy', 'true');
  let view;
  try {
    view = await load(parseRoute(location.hash));
  } catch (err) {
    view = errorView(err);
  }
  if (ticket !== renderCount) return; // a newer navigation won
  stopLive();
  document.title = view.title;
  setStructuredData(view.structuredData);
  if (view.tree || !nav.childElementCount) renderNav(view.tree, view.nav);
  if ('rail' in view) renderRail(view.rail);
  main.replaceChildren(view.content);
  view.onShow?.();
  main.dataset.view = view.status === 404 ? 'not-found' : 'ready';
  main.setAttribute('aria-busy', 'false');
  if (focus) {
    window.scrollTo(0, 0);
    const heading = main.querySelector('h1');
    (heading || main).focus({ preventScroll: true });
  }
}

function start() {
  const today = document.getElementById('today');
  today.replaceChildren(h('span', { class: 'visually-hidden' }, 'Today: '), todayFormat.format(new Date()));
  document.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  document.getElementById('to-top').addEventListener('click', () => {
    window.scrollTo(0, 0);
    document.querySelector('.masthead__brand').focus({ preventScroll: true });
  });
  window.addEventListener('hashchange', () => render({ focus: true }));
  render();
}

start();
