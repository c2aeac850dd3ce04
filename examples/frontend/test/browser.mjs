// Browser test for the reference front end: reads it as a person would, in Debian's
// Chromium, and compares what it shows with what the API says.
//
//   DEMO_URL=http://127.0.0.1:8080/demo/ SCREENSHOT_DIR=target/screenshots node test/browser.mjs
//
// With ADMIN_EMAIL and ADMIN_PASSWORD (run.sh sets them), the test also posts to the
// live story as the desk would and watches the open page update itself.
//
// DEMO_URL may also be a development server with `?api=http://host:port`; the test
// then serves the page with the same Content-Security-Policy the binary sends (its
// connect-src and img-src widened to the API host), so CSP mistakes show up there too.
// Exits non-zero with a message on the first failure.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, TestFailure, check, env as requiredEnv, passedSoFar } from '../../../tests/browser/harness.mjs';

const MAX_API_REQUESTS_PER_VIEW = 3;
// The story view also fetches its structured data (JSON-LD for the page head), in
// parallel with the rest: a document for search engines, not part of what it shows.
const MAX_API_REQUESTS_PER_STORY_VIEW = 4;
// A live story adds its entries and the event stream that keeps them current.
const MAX_API_REQUESTS_PER_LIVE_VIEW = 6;
// The demo newsroom's live story (`dateline demo`).
const LIVE_SLUG = 'storm-watch-live-updates';
// The demo story with a list (bold, a link), a table, a code block and a captioned embed.
const DEMO_BLOCKS_SLUG = 'leaders-agree-to-resume-talks';
const VIEWPORT = { width: 1280, height: 900 };
const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });

/** The page under test, for a screenshot when something fails. */
let currentPage = null;

const env = (name) => requiredEnv(name, 'browser test');

const demoUrl = new URL(env('DEMO_URL'));
const screenshotDir = path.resolve(env('SCREENSHOT_DIR'));
const apiParam = demoUrl.searchParams.get('api');
const devMode = Boolean(apiParam);
const apiBase = apiParam ? new URL(apiParam).href.replace(/\/+$/, '') : demoUrl.origin;
const pageUrl = (hash = '') => {
  const url = new URL(demoUrl);
  url.hash = hash;
  return url.href;
};

async function api(pathAndQuery) {
  const response = await fetch(`${apiBase}/api/v1${pathAndQuery}`, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new TestFailure(`API ${pathAndQuery} answered ${response.status}`);
  return response.json();
}

async function apiOrNull(pathAndQuery) {
  const response = await fetch(`${apiBase}/api/v1${pathAndQuery}`, { headers: { Accept: 'application/json' } });
  return response.ok ? response.json() : null;
}

function flatten(nodes, out = []) {
  for (const node of nodes || []) {
    out.push(node);
    flatten(node.children, out);
  }
  return out;
}

/** Finds a section and a story in its first page that has all the story page shows. */
async function chooseStory() {
  const sections = flatten((await api('/sections')).data);
  for (const section of sections) {
    const list = await api(`/articles?section=${encodeURIComponent(section.slug)}&formats=&limit=12`);
    for (const summary of list.data) {
      const article = await api(`/articles/${encodeURIComponent(summary.slug)}?formats=blocks`);
      const images = new Map();
      if (article.featured_image) images.set(article.featured_image.id, article.featured_image);
      for (const b of article.body || []) {
        if (b.type === 'related' && b.target?.featured_image) images.set(b.target.featured_image.id, b.target.featured_image);
      }
      const imageBlock = (article.body || []).find((b) => b.type === 'image' && (b.image || images.has(b.image_id)));
      const alsoRead = (article.body || []).find((b) => b.type === 'related' && b.target?.available);
      if (article.previous && article.next && imageBlock && alsoRead) {
        const image = imageBlock.image || images.get(imageBlock.image_id);
        return {
          section,
          list: list.data,
          article,
          photo: {
            caption: imageBlock.caption ?? image.caption,
            credit: imageBlock.credit ?? image.credit,
          },
          alsoRead: alsoRead.target,
        };
      }
    }
  }
  throw new TestFailure(
    'the API has no story with a photo, an "Also Read" link and both neighbours: is this the demo newsroom (`dateline demo`)?',
  );
}

const csp = (mediaOrigin) =>
  `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ${new URL(apiBase).origin}; ` +
  `img-src 'self' ${mediaOrigin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

async function run(browser) {
  const plan = await chooseStory();
  const { section, article } = plan;
  const home = await apiOrNull('/collections/homepage');
  const rail = await apiOrNull('/collections/dont-miss');
  console.log(`# section "${section.name}", story "${article.headline}"`);

  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  currentPage = page;
  page.setDefaultTimeout(15_000);

  // Problems the reader's browser reports. CSP violations arrive as console errors.
  const problems = [];
  let expectFailedLoads = false;
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The browser asks for /favicon.ico on its own; the three files declare no icon.
    if (/\/favicon\.ico$/.test(msg.location().url || '')) return;
    if (expectFailedLoads && /Failed to load resource/.test(msg.text())) return;
    problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  const noProblems = (when) => check(problems.length === 0, `no console or page errors ${when}${problems.length ? `:\n  ${problems.join('\n  ')}` : ''}`);

  let apiRequests = [];
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.includes('/api/v1/')) apiRequests.push(req.url());
  });
  /** Runs a navigation, waits until the reader sees it, and checks what it cost (a
   * live story may also read its entries and open their stream). */
  async function view(name, navigate, ready, { live = false } = {}) {
    apiRequests = [];
    await navigate();
    try {
      await ready();
    } catch (err) {
      throw new TestFailure(`the ${name} did not show up: ${err.message.split('\n').slice(0, 3).join(' ')}`);
    }
    // Let any straggling request show up before counting.
    let seen = -1;
    while (seen !== apiRequests.length) {
      seen = apiRequests.length;
      await page.waitForTimeout(400);
    }
    const most = live
      ? MAX_API_REQUESTS_PER_LIVE_VIEW
      : name.includes('story')
        ? MAX_API_REQUESTS_PER_STORY_VIEW
        : MAX_API_REQUESTS_PER_VIEW;
    check(
      apiRequests.length <= most,
      `the ${name} view made ${apiRequests.length} API request(s), at most ${most}${
        apiRequests.length > most ? `:\n  ${apiRequests.join('\n  ')}` : ''
      }`,
    );
  }

  if (devMode) {
    const mediaOrigin = article.featured_image ? new URL(article.featured_image.url).origin : new URL(apiBase).origin;
    await page.route(
      (url) => url.origin === demoUrl.origin,
      async (route) => {
        if (route.request().resourceType() !== 'document') return route.continue();
        const response = await route.fetch();
        await route.fulfill({
          response,
          headers: { ...response.headers(), 'content-security-policy': csp(mediaOrigin) },
        });
      },
    );
  }

  const heading1 = page.locator('main h1');
  const sectionsNav = page.getByRole('navigation', { name: 'Sections' });

  // Front page ------------------------------------------------------------------------
  let documentResponse;
  await view(
    'front page',
    async () => {
      documentResponse = await page.goto(pageUrl());
    },
    () => sectionsNav.getByRole('link', { name: section.name, exact: true }).waitFor(),
  );
  if (!devMode) {
    check(
      Boolean(documentResponse?.headers()['content-security-policy']),
      'the page is served with a Content-Security-Policy',
    );
  }
  check(await page.getByRole('banner').getByRole('link', { name: 'Dateline' }).isVisible(), 'the masthead shows the site name');
  if (home?.items.length) {
    const lead = home.items[0].article;
    check(
      await page.getByRole('main').getByRole('link', { name: lead.headline, exact: true }).isVisible(),
      `the front page leads with the homepage collection's first story ("${lead.headline}")`,
    );
  }
  if (rail?.items.length) {
    const railBox = page.getByRole('complementary', { name: rail.name });
    check(await railBox.isVisible(), `a "${rail.name}" rail is shown`);
    check(
      await railBox.getByRole('link', { name: rail.items[0].article.headline, exact: true }).isVisible(),
      `the rail lists its stories ("${rail.items[0].article.headline}")`,
    );
  }
  noProblems('on the front page');

  // Section page ----------------------------------------------------------------------
  await view(
    'section',
    () => sectionsNav.getByRole('link', { name: section.name, exact: true }).click(),
    () => page.getByRole('heading', { level: 1, name: section.name, exact: true }).waitFor(),
  );
  check((await heading1.innerText()).trim() === section.name, `the section page is titled "${section.name}"`);
  const cards = page.getByRole('main').getByRole('article');
  check((await cards.count()) === plan.list.length, `the section lists its ${plan.list.length} latest stories`);
  for (const story of plan.list) {
    const card = cards.filter({ has: page.getByRole('link', { name: story.headline, exact: true }) });
    if ((await card.count()) !== 1) throw new TestFailure(`the section list shows "${story.headline}"`);
    const text = await card.innerText();
    if (!text.includes(story.standfirst)) throw new TestFailure(`"${story.headline}" is listed with its excerpt`);
    if (!text.includes(dateFormat.format(new Date(story.published_at)))) {
      throw new TestFailure(`"${story.headline}" is listed with its date`);
    }
  }
  check(true, 'every listed story shows its headline, excerpt and date');
  const thumbs = await cards.locator('img').evaluateAll((imgs) => imgs.filter((i) => i.srcset && i.alt !== null).length);
  check(thumbs === plan.list.filter((s) => s.featured_image).length, 'every story with a photo has a responsive thumbnail');
  noProblems('on the section page');
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, 'section.png') });

  // Story page ------------------------------------------------------------------------
  await view(
    'story',
    () => cards.getByRole('link', { name: article.headline, exact: true }).click(),
    () => page.getByRole('heading', { level: 1, name: article.headline, exact: true }).waitFor(),
  );
  const story = page.getByRole('main').getByRole('article').first();
  check((await heading1.innerText()).trim() === article.headline, 'the story headline matches the API');
  check(await story.getByText(article.standfirst, { exact: true }).isVisible(), 'the standfirst is shown');
  check(await story.getByText(article.source, { exact: true }).isVisible(), `the source is credited ("${article.source}")`);
  for (const author of article.authors) {
    check(await story.getByText(author.name).first().isVisible(), `the byline names ${author.name}`);
  }
  const jsonLd = await page.locator('head script#structured-data').textContent().catch(() => null);
  const structured = jsonLd ? JSON.parse(jsonLd) : {};
  check(
    structured['@type'] === 'NewsArticle' && structured.headline === article.headline && structured.datePublished,
    'the page head carries the story as schema.org NewsArticle',
  );
  const published = dateFormat.format(new Date(article.published_at));
  check(await story.locator('time').getByText(published, { exact: true }).first().isVisible(), `the date is shown (${published})`);
  const readTime = `${article.reading_time_minutes} min read`;
  check(await story.getByText(readTime, { exact: true }).isVisible(), `the reading time is shown ("${readTime}")`);

  const figure = story.locator('figure').filter({ has: page.locator('img') }).first();
  await figure.scrollIntoViewIfNeeded();
  const img = figure.locator('img');
  await img.evaluate((el) => (el.complete ? null : new Promise((resolve) => el.addEventListener('load', resolve, { once: true }))));
  const photo = await img.evaluate((el) => ({ srcset: el.srcset, sizes: el.sizes, alt: el.alt, loaded: el.naturalWidth > 0 }));
  check(photo.srcset.trim() !== '' && photo.sizes.trim() !== '', 'the photo is responsive (srcset and sizes)');
  check(photo.loaded, 'the photo loads');
  check(photo.alt.trim() !== '', 'the photo has alt text');
  const caption = (await figure.locator('figcaption').innerText()).trim();
  check(caption.includes(plan.photo.caption) && caption.includes(plan.photo.credit), `the photo has its caption and credit ("${plan.photo.credit}")`);

  const alsoRead = story.locator('.story__body').getByRole('link', { name: plan.alsoRead.headline, exact: true }).first();
  const alsoReadLine = await alsoRead.evaluate((a) => a.parentElement.textContent);
  check(
    (await alsoRead.isVisible()) && /also read/i.test(alsoReadLine),
    `the body has an "Also Read" link to "${plan.alsoRead.headline}"`,
  );

  const pager = page.getByRole('navigation', { name: /previous and next/i });
  const previousLink = pager.getByRole('link', { name: /previous/i });
  const nextLink = pager.getByRole('link', { name: /next/i });
  check((await previousLink.innerText()).includes(article.previous.headline), `"Previous Story" leads to "${article.previous.headline}"`);
  check((await nextLink.innerText()).includes(article.next.headline), `"Next Story" leads to "${article.next.headline}"`);
  noProblems('on the story page');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(screenshotDir, 'story.png'), fullPage: true });

  // Next story ------------------------------------------------------------------------
  const nextIsLive = Boolean((await api(`/articles/${encodeURIComponent(article.next.slug)}`)).live);
  await view(
    'next story',
    () => nextLink.click(),
    () => page.getByRole('heading', { level: 1, name: article.next.headline, exact: true }).waitFor(),
    { live: nextIsLive },
  );
  const nextHeadline = (await heading1.innerText()).trim();
  check(nextHeadline === article.next.headline && nextHeadline !== article.headline, 'Next opens a different story, the one the API names');
  check(await page.evaluate(() => window.scrollY < 50), 'the next story opens at the top of the page');
  noProblems('on the next story');
  await page.screenshot({ path: path.join(screenshotDir, 'next.png') });

  // The demo story with a list, a table, a code block and a captioned embed ------------
  const blocks = await api(`/articles/${DEMO_BLOCKS_SLUG}?formats=blocks`);
  const demoCode = blocks.body.find((b) => b.type === 'code');
  await view(
    'story with a table and code',
    () => page.goto(pageUrl(`#/story/${DEMO_BLOCKS_SLUG}`)),
    () => page.getByRole('heading', { level: 1, name: blocks.headline, exact: true }).waitFor(),
  );
  const demoBody = page.locator('.story__body');
  const table = demoBody.getByRole('table');
  const tableFigure = demoBody.locator('figure').filter({ has: page.getByRole('table') });
  check(
    (await table.getByRole('columnheader', { name: 'Region', exact: true }).isVisible()) &&
      (await table.getByRole('columnheader', { name: 'Turnout', exact: true }).isVisible()) &&
      (await table.locator('thead th').count()) === 2 &&
      (await table.getByRole('cell', { name: '58%', exact: true }).isVisible()),
    'a table block is a table, its first row the column headers',
  );
  check(
    (await tableFigure.locator('figcaption').innerText()).trim() === 'Turnout by region',
    'the table shows its caption ("Turnout by region")',
  );
  const code = demoBody.locator('pre code');
  check(
    (await code.innerText()) === demoCode.text && demoCode.text.includes('\n  --header'),
    'a code block shows its lines as written, the second indented by two spaces',
  );
  const statement = demoBody.getByRole('listitem').getByRole('link', { name: 'full statement', exact: true });
  check(
    (await statement.getAttribute('href')) === 'https://example.com/statement' &&
      (await demoBody.getByRole('listitem').locator('strong', { hasText: 'Monday' }).isVisible()),
    'list items show their link and bold text as markup, not as tags',
  );
  check(
    (await demoBody.locator('figure.embed figcaption').innerText()).trim() === 'The announcement',
    'an embed shows its caption ("The announcement")',
  );
  await page.setViewportSize({ width: 375, height: 800 });
  check(
    await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    'on a phone-sized screen the table and the code scroll inside their boxes, not the page',
  );
  await page.setViewportSize(VIEWPORT);
  noProblems('on the story with a table and code');
  await tableFigure.screenshot({ path: path.join(screenshotDir, 'table.png') });

  // A live story -----------------------------------------------------------------------
  const liveStory = await api(`/articles/${LIVE_SLUG}`);
  const liveEntries = await api(`/articles/${LIVE_SLUG}/entries`);
  await view(
    'live story',
    // A fresh load (the story may be on screen already, as the story before's "Next").
    async () => {
      await page.goto('about:blank');
      await page.goto(pageUrl(`#/story/${LIVE_SLUG}`));
    },
    () => page.getByRole('heading', { level: 1, name: liveStory.headline, exact: true }).waitFor(),
    { live: true },
  );
  const liveBox = page.getByRole('region', { name: 'Live updates' });
  check(await liveBox.isVisible(), 'a live story shows its live updates');
  const timeline = liveBox.locator('.live__entries > .live-entry');
  check((await timeline.count()) === liveEntries.data.length, `the live story lists its ${liveEntries.data.length} entries`);
  check(
    (await timeline.first().getAttribute('data-entry-id')) === liveEntries.data[0].id,
    'the newest entry comes first',
  );
  check(
    (await liveBox.locator('.live__pinned > .live-entry').count()) === liveEntries.pinned.length &&
      (await liveBox.locator('.live__pinned').innerText()).includes(liveEntries.pinned[0].headline),
    `the pinned entry stands apart ("${liveEntries.pinned[0].headline}")`,
  );
  const liveLd = JSON.parse((await page.locator('head script#structured-data').textContent()) || '{}');
  check(
    liveLd['@type'] === 'LiveBlogPosting' && liveLd.liveBlogUpdate?.length === liveEntries.data.length,
    'the page head carries the live story as schema.org LiveBlogPosting with its updates',
  );
  const adminEmail = process.env.ADMIN_EMAIL;
  if (adminEmail) {
    const login = await fetch(`${apiBase}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: adminEmail, password: process.env.ADMIN_PASSWORD }),
    });
    if (!login.ok) throw new TestFailure(`signing in as ${adminEmail} answered ${login.status}`);
    const { access_token: token } = await login.json();
    const desk = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const response = await fetch(`${apiBase}/api/v1/articles/${LIVE_SLUG}/entries`, {
      method: 'POST',
      headers: desk,
      body: JSON.stringify({ headline: 'Power restored', body: [{ type: 'paragraph', html: 'Most homes have power again.' }] }),
    });
    if (response.status !== 201) throw new TestFailure(`posting an entry answered ${response.status}`);
    const posted = await response.json();
    const card = liveBox.locator(`.live__entries > [data-entry-id="${posted.id}"]`);
    await card.waitFor({ timeout: 5_000 }).catch(() => {
      throw new TestFailure('an entry the desk posted did not appear on the open page within 5 s');
    });
    check(
      (await timeline.first().getAttribute('data-entry-id')) === posted.id && (await card.innerText()).includes('Power restored'),
      'an entry the desk posts appears at the top of the open page by itself',
    );
    await fetch(`${apiBase}/api/v1/articles/${LIVE_SLUG}/entries/${posted.id}`, { method: 'DELETE', headers: desk });
    await card.waitFor({ state: 'detached', timeout: 5_000 }).catch(() => {
      throw new TestFailure('a deleted entry stayed on the open page');
    });
    check(true, 'an entry the desk deletes leaves the open page by itself');
  } else {
    console.log('# ADMIN_EMAIL not set: the live page is not posted to');
  }
  noProblems('on the live story');
  await page.screenshot({ path: path.join(screenshotDir, 'live.png') });

  // Small screens ---------------------------------------------------------------------
  await page.setViewportSize({ width: 375, height: 800 });
  await page.waitForTimeout(200);
  check(
    await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
    'a phone-sized screen needs no sideways scrolling',
  );
  await page.setViewportSize(VIEWPORT);

  // A missing story -------------------------------------------------------------------
  expectFailedLoads = true; // the API's 404 shows in the console as a failed load
  await view(
    'missing story',
    () => page.goto(pageUrl('#/story/no-such-story-in-this-newsroom')),
    () => page.getByRole('heading', { level: 1, name: /not found/i }).waitFor(),
  );
  check(await page.getByRole('link', { name: /front page/i }).first().isVisible(), 'a missing story says "not found" and offers the front page');

  // The API failing -------------------------------------------------------------------
  await page.route('**/api/v1/articles/**', (route) => route.abort('failed'));
  await page.goto(pageUrl(`#/story/${encodeURIComponent(article.slug)}`));
  await page.getByRole('heading', { level: 1, name: /could not be loaded/i }).waitFor();
  check(true, 'a failed request shows a friendly error');
  await page.unroute('**/api/v1/articles/**');
  await view(
    'retried story',
    () => page.getByRole('button', { name: /try again/i }).click(),
    () => page.getByRole('heading', { level: 1, name: article.headline, exact: true }).waitFor(),
  );
  check(true, '"Try again" loads the story once the API answers');
  expectFailedLoads = false;
  noProblems('in the error states');

  // Block kinds the demo stories lack, in the shapes the API documents -----------------
  const other = article.previous;
  const extra = [
    { type: 'heading', level: 2, text: 'What happens next' },
    { type: 'list', ordered: false, items: ['First point', 'Second point'] },
    { type: 'related', article_id: '0', label: 'Also Read', target: { available: false } },
    { type: 'embed', url: 'https://video.example.org/watch/1', provider: null },
    { type: 'image', image_id: 'not-in-this-read', caption: null, credit: null },
    { type: 'a-future-kind', text: 'ignored' },
  ];
  await page.route(`**/api/v1/articles/${encodeURIComponent(other.slug)}?*`, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    json.body = [...(json.body || []), ...extra];
    await route.fulfill({ response, json });
  });
  await view(
    'story with every block kind',
    () => page.goto(pageUrl(`#/story/${encodeURIComponent(other.slug)}`)),
    () => page.getByRole('heading', { level: 1, name: other.headline, exact: true }).waitFor(),
  );
  const body = page.locator('.story__body');
  check(await body.getByRole('heading', { level: 2, name: 'What happens next' }).isVisible(), 'a heading block is a subheading');
  check((await body.getByRole('listitem').count()) === 2, 'a list block is a list');
  const gone = body.getByText(/no longer available/i);
  check(
    (await gone.isVisible()) && (await gone.getByRole('link').count()) === 0 && /also read/i.test(await gone.innerText()),
    'an "Also Read" to a withdrawn story is plain text, not a link',
  );
  check(await body.getByRole('link', { name: /video\.example\.org/ }).isVisible(), 'an embed is a link to the original');
  await page.unroute(`**/api/v1/articles/${encodeURIComponent(other.slug)}?*`);
  noProblems('with every block kind');

  await context.close();
}

async function main() {
  let browser;
  const watchdog = setTimeout(() => {
    console.error('browser test FAILED: timed out after 180 s');
    process.exit(1);
  }, 180_000);
  try {
    // A page the test serves itself (dev mode, to add the CSP) counts as public to
    // Chromium's local-network checks, which would then refuse the loopback API.
    const args = devMode ? [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'] : CHROMIUM_ARGS;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
    await run(browser);
    console.log(`browser: ${passedSoFar()} passed, 0 failed`);
    console.log(`screenshots in ${screenshotDir}`);
  } catch (err) {
    const reason = err instanceof TestFailure ? err.message : err.stack || String(err);
    console.error(`\nbrowser test FAILED: ${reason}`);
    console.log(`browser: ${passedSoFar()} passed, 1 failed`);
    process.exitCode = 1;
    if (currentPage) {
      const shot = path.join(screenshotDir, 'failure.png');
      await mkdir(screenshotDir, { recursive: true });
      await currentPage.screenshot({ path: shot, fullPage: true }).then(
        () => console.error(`the page at the failure: ${shot}`),
        () => {},
      );
    }
  } finally {
    clearTimeout(watchdog);
    if (browser) await browser.close();
  }
}

main();
