// Browser test of the desk: a desk's day, driven in Debian's Chromium by labels and
// roles, as a person with a keyboard and a mouse (or a screen reader) would.
//
//   DESK_URL=http://127.0.0.1:8080/desk/ DEMO_URL=http://127.0.0.1:8080/demo/ \
//   ADMIN_EMAIL=… ADMIN_PASSWORD=… SCREENSHOT_DIR=target/screenshots node test/desk.mjs
//
// (desk/test/run.sh sets all of that up on a throwaway demo newsroom.)
//
// The day: sign in; write a story with a photo uploaded in the editor and an "Also
// Read" link; autosave; a colleague in a second browser edits the same paragraph and
// the first resolves the conflict without losing either text; publish; put it on the
// homepage collection and drag it to the top (after a colleague's reorder answers
// 412 and the desk shows the new order); the reference front end shows it with its
// photo, caption and credit; the demo story's list, table, code block and captioned
// embed are edited and saved without losing a link or an indent. Along the way:
// every view is checked with axe-core (no serious or critical violation), no console
// error or CSP violation anywhere, the editor at phone width, and a 5,000-word story
// typed into. Timings are printed, not asserted (benchmarks, not timed tests: see
// BENCHMARKS.md).
// Exits non-zero with a message on the first failure.

import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, TestFailure, check, env as requiredEnv, passedSoFar } from '../../tests/browser/harness.mjs';

const VIEWPORT = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const env = (name) => requiredEnv(name, 'desk test');

const deskUrl = new URL(env('DESK_URL'));
const demoUrl = new URL(env('DEMO_URL'));
const admin = { email: env('ADMIN_EMAIL'), password: env('ADMIN_PASSWORD') };
const screenshotDir = path.resolve(env('SCREENSHOT_DIR'));
const origin = deskUrl.origin;
const desk = (p = '') => new URL(p.replace(/^\//, ''), deskUrl).href;
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The API as a script (the colleague's side and the checks), with its own token. */
async function session(email, password) {
  const res = await fetch(`${origin}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new TestFailure(`login as ${email} answered ${res.status}`);
  const { access_token } = await res.json();
  return async (method, p, body) => {
    const r = await fetch(`${origin}/api/v1${p}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    if (!r.ok) throw new TestFailure(`API ${method} ${p} answered ${r.status}: ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
}

const pages = [];
let currentPage = null;
const problems = [];
function watch(page, who) {
  pages.push(page);
  currentPage = page;
  page.setDefaultTimeout(15_000);
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    // The conflict this test provokes on purpose: the 412 answers the browser logs.
    if (/status of (412|423)/.test(text)) return;
    problems.push(`${who}: console error: ${text} (${msg.location().url || ''})`);
  });
  page.on('pageerror', (err) => problems.push(`${who}: page error: ${err.message}`));
}
const noProblems = (when) =>
  check(problems.length === 0, `no console error, page error or CSP violation ${when}${problems.length ? `:\n  ${problems.join('\n  ')}` : ''}`);

async function axe(page, view) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(
    bad.length === 0,
    `axe: no serious or critical accessibility violation on ${view}${bad.length ? `:\n  ${bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(', ')}`).join('\n  ')}` : ''}`,
  );
}

async function shot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(screenshotDir, `desk-${name}.png`), fullPage: false });
}

async function signIn(page, who) {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const saveState = (page) => page.locator('.savestate');
async function waitSaved(page, what) {
  try {
    await page.locator('.savestate[data-state="saved"]', { hasText: /^Saved/ }).waitFor({ timeout: 15_000 });
  } catch {
    throw new TestFailure(`${what}: the editor never said "Saved" (it says "${await saveState(page).innerText()}")`);
  }
  check(true, `${what}: the editor says "Saved"`);
}

/** Polls `probe` until it returns something truthy (or 10 s pass); returns its last value. */
async function until(probe) {
  let value;
  for (let i = 0; i < 50; i++) {
    value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  return value;
}

/** The text of a story's paragraphs as the API has them. */
const paragraphs = (article) => (article.body || []).filter((b) => b.type === 'paragraph').map((b) => b.html.replace(/<[^>]+>/g, ''));

async function run(browser) {
  const api = await session(admin.email, admin.password);
  // A colleague, for the second browser and the collection reorder.
  const colleague = { email: 'rita@dateline.test', password: 'colleague-password-1', name: 'Rita Okafor' };
  await api('POST', '/users', { ...colleague, role: 'editor' });
  const colleagueApi = await session(colleague.email, colleague.password);
  // A published story to link to ("Also Read"), and a photo file to upload.
  const linkable = (await api('GET', '/articles?status=published&limit=5')).data.find((a) => !a.live);
  const word = linkable.headline.split(/\s+/).find((w) => w.length > 4).replace(/[^\p{L}\p{N}]/gu, '');
  const sample = (await api('GET', '/images?limit=1')).data[0];
  const photo = Buffer.from(await (await fetch(new URL(sample.url, origin))).arrayBuffer());

  // ---- Sign in, then the list -------------------------------------------------------
  const contextA = await browser.newContext({ viewport: VIEWPORT });
  const page = await contextA.newPage();
  watch(page, 'editor');
  await page.goto(desk());
  await page.getByRole('heading', { name: 'Dateline desk' }).waitFor();
  await axe(page, 'the sign-in page');
  await signIn(page, admin);
  await page.getByRole('heading', { level: 1, name: 'Stories' }).waitFor();
  await page.getByRole('table').getByRole('link').first().waitFor();
  check(await page.getByText('admin', { exact: true }).isVisible(), 'signed in: the desk shows who I am and my role');
  check(await page.getByRole('link', { name: 'Users' }).isVisible(), 'an admin sees the admin views in the navigation');
  await page.getByLabel('Status').selectOption('published');
  await page.waitForFunction(() => [...document.querySelectorAll('tbody td:nth-child(2) .badge')].every((b) => b.textContent === 'published'));
  check(true, 'the status filter shows only published stories');
  await page.getByLabel('Status').selectOption('');
  await axe(page, 'the story list');
  await shot(page, 'stories');

  // A reload keeps the session (refresh token kept, access token renewed).
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Stories' }).waitFor();
  check(true, 'a reload keeps me signed in');

  // ---- Write a story ----------------------------------------------------------------
  const headline = 'Harbour board approves new ferry terminal';
  await page.getByRole('button', { name: 'New story' }).click();
  const dialog = page.getByRole('dialog', { name: 'New story' });
  await dialog.getByLabel('Headline').fill(headline);
  await dialog.getByRole('button', { name: 'Create story' }).click();
  await page.waitForURL(/\/desk\/stories\/[^/]+$/);
  const storyId = decodeURIComponent(page.url().split('/').pop());
  await page.getByRole('group', { name: 'Add a block' }).waitFor();

  await page.getByLabel('Standfirst').fill('The vote clears the way for a terminal that can take two ferries at once');
  const add = (type) => page.getByRole('group', { name: 'Add a block' }).getByRole('button', { name: type, exact: true }).click();
  await add('Paragraph');
  const first = page.getByRole('textbox', { name: 'Paragraph 1' });
  await first.click();
  await page.keyboard.type('The harbour board voted on Tuesday to build the terminal. ');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('Work starts in spring.');
  await page.keyboard.press('Control+b');

  await add('Image');
  await page.getByLabel('Image 2: upload a photo').setInputFiles({ name: 'terminal.jpg', mimeType: sample.mime, buffer: photo });
  await page.getByLabel('Image 2 caption').fill('The site of the new terminal, seen from the breakwater');
  await page.getByLabel('Image 2 credit').fill('Photo – Dateline desk');
  await page.getByRole('button', { name: /^Set the focal point/ }).waitFor();
  check(true, 'a photo uploaded in the editor shows in its image block');

  await add('Also Read');
  await page.getByLabel('Also Read 3: find a story').fill(word);
  await page.getByRole('button', { name: `Choose “${linkable.headline}”` }).click();
  await page.getByText(`Links to ${linkable.headline}`).waitFor();
  await waitSaved(page, 'a new story with a paragraph, a photo and an "Also Read" link');

  let saved = await api('GET', `/articles/${storyId}?formats=blocks`);
  check(saved.headline === headline && /two ferries/.test(saved.standfirst), 'the API has the headline and standfirst');
  check(
    saved.body?.[0]?.type === 'paragraph' && saved.body[0].html.includes('<strong>Work starts in spring.</strong>'),
    `the first paragraph is saved with its bold text (${saved.body?.[0]?.html})`,
  );
  const imageBlock = saved.body?.[1];
  check(
    imageBlock?.type === 'image' && imageBlock.caption === 'The site of the new terminal, seen from the breakwater' && imageBlock.credit === 'Photo – Dateline desk',
    'the image block is saved with its caption and credit',
  );
  check(saved.body?.[2]?.type === 'related' && saved.body[2].article_id === linkable.id, 'the "Also Read" block links the chosen story');
  await axe(page, 'the story editor');
  await shot(page, 'editor');

  // Keyboard: move the "Also Read" block above the photo and back.
  await page.getByRole('button', { name: 'Move Also Read 3 up' }).click();
  await page.getByRole('button', { name: 'Move Image 3 down' }).waitFor();
  await page.getByRole('button', { name: 'Move Also Read 2 down' }).click();
  await waitSaved(page, 'blocks moved and moved back');
  saved = await api('GET', `/articles/${storyId}?formats=blocks`);
  check(saved.body.map((b) => b.type).join(',') === 'paragraph,image,related', 'moving blocks keeps the order the editor shows');

  // ---- A colleague edits the same paragraph: the conflict ---------------------------
  const contextB = await browser.newContext({ viewport: VIEWPORT });
  const pageB = await contextB.newPage();
  watch(pageB, 'colleague');
  await pageB.goto(desk(`stories/${storyId}`));
  await signIn(pageB, colleague);
  const theirs = pageB.getByRole('textbox', { name: 'Paragraph 1' });
  await theirs.waitFor();
  await theirs.click();
  await pageB.keyboard.press('Control+a');
  await pageB.keyboard.type('The board approved the terminal 7 to 2 after a long debate.');
  await waitSaved(pageB, "the colleague's edit");
  // An editor (not an admin) assigns the story to a colleague from the people list.
  const boss = await api('GET', '/me');
  await pageB.getByLabel('Add an assignee').selectOption({ label: boss.name });
  await pageB.getByRole('button', { name: 'Assign', exact: true }).click();
  await pageB.getByRole('list', { name: 'Assignees' }).getByText(boss.name).waitFor();
  check(
    (await api('GET', `/articles/${storyId}`)).assignees?.some((p) => p.id === boss.id),
    'an editor assigns the story to a colleague chosen from the people list',
  );
  currentPage = page;

  await first.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' Ferry operators welcomed the decision.');
  const conflict = page.getByRole('dialog', { name: 'Someone else saved this story while you were editing' });
  await conflict.waitFor();
  check(await conflict.getByText('The board approved the terminal 7 to 2').isVisible(), 'the conflict shows what the colleague wrote');
  check(await conflict.getByText(/Ferry operators welcomed the decision/).isVisible(), 'the conflict shows what I wrote');
  check(await conflict.getByLabel('Keep both (every block of each)').isChecked(), 'keeping both versions of the body is offered first');
  await axe(page, 'the conflict dialog');
  await shot(page, 'conflict');
  await conflict.getByRole('button', { name: 'Save these choices' }).click();
  await waitSaved(page, 'the conflict resolved by keeping both');
  saved = await api('GET', `/articles/${storyId}?formats=blocks`);
  const texts = paragraphs(saved).join('\n');
  check(
    texts.includes('7 to 2 after a long debate') && texts.includes('Ferry operators welcomed the decision') && texts.includes('Work starts in spring'),
    `no text is lost: both people's paragraphs are saved (${paragraphs(saved).length} paragraphs)`,
  );
  await contextB.close();

  // ---- A preview link, read in the reference front end by someone with no login ----------
  await page.getByText('Preview', { exact: true }).click();
  await page.getByRole('button', { name: 'Create preview link' }).click();
  const previewLink = page.getByRole('link', { name: 'Open the preview in the reference front end' });
  await previewLink.waitFor();
  const previewHref = new URL(await previewLink.getAttribute('href'), origin).href;
  const outsider = await browser.newContext({ viewport: VIEWPORT });
  const previewPage = await outsider.newPage();
  watch(previewPage, 'preview reader');
  await previewPage.goto(previewHref);
  await previewPage.getByRole('heading', { level: 1, name: headline }).waitFor();
  check(
    await previewPage.getByText('Preview: readers do not see this version yet.').isVisible(),
    'the preview link shows the unpublished story in the reference front end, marked as a preview',
  );
  await outsider.close();
  currentPage = page;

  // ---- Publish -------------------------------------------------------------------------
  await page.getByRole('button', { name: 'Publish now' }).click();
  await page.locator('.crumbs .badge--published').waitFor();
  saved = await api('GET', `/articles/${storyId}`);
  check(saved.status === 'published', 'Publish now publishes the story');

  // ---- Homepage collection: add, keyboard, a colleague's reorder, drag to the top ------
  await page.getByRole('link', { name: 'Collections' }).click();
  await page.getByRole('link', { name: /homepage/i }).first().click();
  await page.getByRole('list', { name: 'Stories in order' }).waitFor();
  await page.getByLabel('Add a story').fill('ferry terminal');
  await page.getByRole('button', { name: `Choose “${headline}”` }).click();
  const ours = page.getByRole('listitem', { name: new RegExp(`^\\d+\\. ${headline}`) });
  await ours.waitFor();
  const at = Number((await ours.getAttribute('aria-label')).split('.')[0]);
  check(at <= 2, `a story added by search goes to the top of the collection (below a pinned story at most): position ${at}`);
  await ours.focus();
  await page.keyboard.press('Alt+ArrowDown');
  await page.getByRole('listitem', { name: `${at + 1}. ${headline}` }).waitFor();
  await page.keyboard.press('Alt+ArrowDown');
  await page.getByRole('listitem', { name: `${at + 2}. ${headline}` }).waitFor();
  let items = await until(async () => {
    const now = (await api('GET', '/collections/homepage/items')).items;
    return now[at + 1]?.article.id === storyId && now;
  });
  check(
    items && items[at + 1]?.article.id === storyId,
    `Alt+↓ moves a story down, and the API has the new order${items ? '' : `: ${(await api('GET', '/collections/homepage/items')).items.map((i) => i.article.headline).join(' | ')}`}`,
  );
  await axe(page, 'a collection');
  await shot(page, 'collection');

  // A colleague reorders meanwhile: this page's next move answers 412 and shows theirs.
  const current = await colleagueApi('GET', '/collections/homepage/items');
  const reversed = [...current.items].reverse().map((i) => ({ article_id: i.article.id, pinned: i.pinned }));
  await colleagueApi('PUT', '/collections/homepage/items', { version: current.version, items: reversed });
  await page.getByRole('button', { name: `Move “${headline}” up` }).click();
  await page.getByText('Someone else changed this collection a moment ago').waitFor();
  const shown = await page.getByRole('list', { name: 'Stories in order' }).getByRole('listitem').evaluateAll((lis) => lis.map((li) => li.dataset.id));
  check(JSON.stringify(shown) === JSON.stringify(reversed.map((i) => i.article_id)), "after a colleague's reorder, the desk shows their order (a 412, nothing overwritten)");

  // Drag it to the top.
  // (A window tall enough for the whole list: a drag that scrolls starts wherever
  // the pointer lands after the scroll.)
  await page.setViewportSize({ width: VIEWPORT.width, height: 2000 });
  const top = page.getByRole('list', { name: 'Stories in order' }).getByRole('listitem').first();
  await ours.dragTo(top);
  await page.getByRole('listitem', { name: `1. ${headline}` }).waitFor();
  items = await until(async () => {
    const now = (await api('GET', '/collections/homepage/items')).items;
    return now[0]?.article.id === storyId && now;
  });
  check(items && items[0]?.article.id === storyId, 'dragging the story to the top puts it first in the homepage collection');
  await page.setViewportSize(VIEWPORT);
  noProblems('in the editor and the collection');

  // ---- A working copy of the published story -----------------------------------------------
  await page.goto(desk(`stories/${storyId}`));
  await page.getByRole('button', { name: 'Edit in a working copy' }).click();
  await page.locator('.badge--copy').waitFor();
  await page.getByLabel('Standfirst').fill('The vote clears the way for a terminal that can take three ferries at once');
  await waitSaved(page, 'an edit to the working copy');
  check(/two ferries/.test((await api('GET', `/articles/${storyId}`)).standfirst), 'readers keep the published version while the working copy is edited');
  await page.getByLabel('Correction note (optional, shown to readers)').fill('An earlier version gave the wrong number of berths.');
  await page.getByRole('button', { name: 'Publish changes' }).click();
  await page.locator('.crumbs .badge--published').waitFor();
  await page.locator('.badge--copy').waitFor({ state: 'detached' });
  saved = await api('GET', `/articles/${storyId}`);
  check(
    /three ferries/.test(saved.standfirst) && saved.corrections.some((c) => /wrong number of berths/.test(c.text)),
    'publishing the working copy updates the live story, with its correction',
  );
  // Revisions: the change is listed, with its diff.
  await page.getByText(/^Revisions \(/).click();
  await page.getByRole('button', { name: /publish_working_copy/ }).first().click();
  await page.locator('.diff ins', { hasText: 'three' }).first().waitFor();
  check(true, 'the revisions list shows what publishing the working copy changed, word by word');

  // ---- The reference front end shows it -------------------------------------------------
  const reader = await browser.newContext({ viewport: VIEWPORT });
  const front = await reader.newPage();
  watch(front, 'reader');
  await front.goto(demoUrl.href);
  const lead = front.getByRole('link', { name: headline }).first();
  await lead.waitFor();
  check(true, 'the reference front end shows the story on its front page');
  await lead.click();
  await front.getByRole('heading', { level: 1, name: headline }).waitFor();
  const figure = front.locator('.story__body figure').first();
  check(
    (await figure.locator('img').count()) === 1 &&
      (await figure.innerText()).includes('The site of the new terminal, seen from the breakwater') &&
      (await figure.innerText()).includes('Photo – Dateline desk'),
    'the story page shows the photo with its caption and credit',
  );
  check(await front.getByRole('link', { name: linkable.headline }).first().isVisible(), 'the story page shows the "Also Read" link');
  await reader.close();
  currentPage = page;

  // ---- Every other view: axe, and no errors ---------------------------------------------
  for (const [link, heading, name] of [
    ['Media', 'Media', 'media'],
    ['Sections', 'Sections', 'sections'],
    ['Tags', 'Tags', 'tags'],
    ['Authors', 'Authors', 'authors'],
    ['Users', 'Users', 'users'],
    ['API keys', 'API keys', 'api-keys'],
    ['Webhooks', 'Webhooks', 'webhooks'],
    ['Audit log', 'Audit log', 'audit'],
    ['Settings', 'Settings', 'settings'],
  ]) {
    await page.getByRole('navigation', { name: 'Desk' }).getByRole('link', { name: link, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.waitForLoadState('networkidle');
    await axe(page, `the ${name} view`);
    if (name === 'media') {
      await page.getByRole('list', { name: 'Photos' }).getByRole('button').first().click();
      await page.getByRole('button', { name: 'Save photo details' }).waitFor();
      // The newest photo is the one uploaded in the editor: the library says where it is used.
      await page.locator('#photo-usage').getByRole('link', { name: headline }).waitFor();
      check(await page.getByRole('button', { name: 'Delete photo' }).isDisabled(), 'the library shows where a photo is used, and a photo in use cannot be deleted');
      await axe(page, 'the media view with a photo open');
      await shot(page, 'media');
    }
  }
  noProblems('on every view');

  // ---- Every block type: the demo story's list, table, code and captioned embed ---------------
  const demo = await api('GET', '/articles/leaders-agree-to-resume-talks?formats=blocks');
  const positionOf = (type) => demo.body.findIndex((b) => b.type === type) + 1;
  const [listAt, tableAt, codeAt, embedAt] = ['list', 'table', 'code', 'embed'].map(positionOf);
  const demoCode = demo.body[codeAt - 1];
  await page.goto(desk(`stories/${demo.id}`));
  const grid = page.getByRole('table', { name: `Table ${tableAt} cells` });
  await grid.waitFor();
  const cell = (row, column) => page.getByRole('textbox', { name: `Table ${tableAt}, row ${row}, column ${column}` });
  check(
    (await cell(1, 1).innerText()) === 'Region' && (await cell(1, 2).innerText()) === 'Turnout' && (await cell(3, 2).innerText()) === '58%',
    'the editor shows the demo story\'s table, cell by cell',
  );
  check(
    (await page.getByLabel('The first row is a header row').isChecked()) &&
      (await page.getByLabel(`Table ${tableAt} caption`).inputValue()) === 'Turnout by region',
    'the table editor shows its header row and its caption',
  );
  const code = page.getByLabel(`Code ${codeAt} text`);
  check((await code.inputValue()) === demoCode.text, 'the code editor shows the code exactly as stored, indentation and all');
  const item = (n) => page.getByRole('textbox', { name: `List ${listAt} item ${n}` });
  check(
    (await item(1).locator('strong', { hasText: 'Monday' }).isVisible()) &&
      (await item(2).getByRole('link', { name: 'full statement' }).isVisible()),
    'list items show their bold text and their link, not tags',
  );
  await axe(page, 'the editor with a list, a table and a code block');

  // A cell rewritten; a row added, its first cell linked from the table's toolbar and
  // its second made bold from the keyboard.
  await cell(3, 2).click();
  await page.keyboard.press('Control+a');
  await page.keyboard.type('61%');
  await page.getByRole('button', { name: 'Add row' }).click();
  await page.keyboard.type('East');
  await page.keyboard.press('Control+a');
  await page.getByRole('toolbar', { name: `Table ${tableAt} formatting` }).getByRole('button', { name: 'Link' }).click();
  await page.getByLabel('Link address').fill('https://example.com/east');
  await page.getByRole('button', { name: 'Apply link' }).click();
  await cell(4, 2).click();
  await page.keyboard.press('Control+b');
  await page.keyboard.type('70%');
  await page.keyboard.press('Control+b');
  // The code: a new indented line (Tab indents), then Esc and Tab move on.
  await code.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await page.keyboard.type("--data 'region=east'");
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  check(
    await page.getByLabel(`Code ${codeAt} language`).evaluate((el) => el === document.activeElement),
    'Tab indents in the code editor, and Esc then Tab moves on to the next field',
  );
  // The list: words after the link in the second item; the embed: a new caption.
  await item(2).click();
  await page.keyboard.press('End');
  await page.keyboard.type(', published today');
  await page.getByLabel(`Embed ${embedAt} caption`).fill('The announcement, in full');
  await waitSaved(page, 'edits to a table, a code block, a list and an embed');

  saved = await api('GET', `/articles/${demo.id}?formats=blocks`);
  const table = saved.body.find((b) => b.type === 'table');
  check(
    table?.header === true &&
      table.rows[2]?.[1] === '61%' &&
      /^<a href="https:\/\/example\.com\/east"[^>]*>East<\/a>$/.test(table.rows[3]?.[0] ?? '') &&
      table.rows[3]?.[1] === '<strong>70%</strong>',
    `the table is saved with the rewritten cell and the new row, its link and bold kept (${JSON.stringify(table?.rows)})`,
  );
  const savedCode = saved.body.find((b) => b.type === 'code');
  check(
    savedCode?.text === `${demoCode.text}\n  --data 'region=east'` && savedCode.language === 'shell',
    `the code is saved with its new line, indentation kept (${JSON.stringify(savedCode?.text)})`,
  );
  const list = saved.body.find((b) => b.type === 'list');
  check(
    /^Read the <a href="https:\/\/example\.com\/statement"[^>]*>full statement/.test(list?.items[1] ?? '') &&
      list.items[1].includes(', published today') &&
      list.items[0] === 'Talks resume on <strong>Monday</strong>',
    `the list item is saved with its link intact and the new words (${list?.items[1]})`,
  );
  check(saved.body.find((b) => b.type === 'embed')?.caption === 'The announcement, in full', 'the embed is saved with its caption');

  // Add a code block from the bar, then remove the table: both saved.
  await page.getByRole('group', { name: 'Add a block' }).getByRole('button', { name: 'Code', exact: true }).click();
  const added = saved.body.length + 1;
  await page.keyboard.type('print("turnout")');
  await page.getByLabel(`Code ${added} language`).fill('python');
  await page.getByRole('button', { name: `Remove Table ${tableAt}` }).click();
  await waitSaved(page, 'a code block added and the table removed');
  saved = await api('GET', `/articles/${demo.id}?formats=blocks`);
  check(
    !saved.body.some((b) => b.type === 'table') &&
      saved.body.at(-1)?.type === 'code' &&
      saved.body.at(-1).text === 'print("turnout")' &&
      saved.body.at(-1).language === 'python',
    'a code block added from the bar is saved with its language, and a removed table is gone',
  );
  noProblems('editing every block type');

  // ---- Live coverage console --------------------------------------------------------------
  const live = (await api('GET', '/articles?status=published&limit=50')).data.find((a) => a.live);
  if (live) {
    await page.goto(desk(`stories/${live.id}`));
    const entry = page.getByLabel('New entry (Ctrl+Enter posts)');
    await entry.waitFor();
    await page.getByText('Following new entries as they arrive.').waitFor();
    await entry.fill('The harbour master closes the outer basin.');
    await page.keyboard.press('Control+Enter');
    await page.getByRole('list', { name: 'Entries, newest first' }).getByText('The harbour master closes the outer basin.').waitFor();
    // A colleague's entry arrives by itself.
    await colleagueApi('POST', `/articles/${live.id}/entries`, { body: [{ type: 'paragraph', html: 'Winds ease to 40 km/h.' }] });
    await page.getByRole('list', { name: 'Entries, newest first' }).getByText('Winds ease to 40 km/h.').waitFor();
    check(true, "the live console posts with Ctrl+Enter and shows a colleague's entry as it arrives");
    await axe(page, 'the live coverage console');
    await shot(page, 'live');
  }

  // ---- Phone width ------------------------------------------------------------------------
  const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  const small = await phone.newPage();
  watch(small, 'phone');
  await small.goto(desk(`stories/${storyId}`));
  await signIn(small, admin);
  await small.getByRole('textbox', { name: 'Paragraph 1' }).waitFor();
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `the editor fits a phone's width (${overflow}px too wide)`);
  await small.getByRole('button', { name: 'Menu' }).click();
  await small.getByRole('navigation', { name: 'Desk' }).getByRole('link', { name: 'Collections' }).waitFor();
  await axe(small, 'the editor at phone width');
  await shot(small, 'phone');
  await phone.close();
  currentPage = page;

  // ---- Budgets, measured (printed, not asserted) -------------------------------------------
  const fresh = await browser.newContext({ viewport: VIEWPORT });
  const timed = await fresh.newPage();
  watch(timed, 'timing');
  await timed.goto(desk(`stories/${storyId}`));
  await timed.getByLabel('Email').fill(admin.email);
  await timed.getByLabel('Password').fill(admin.password);
  const t0 = Date.now();
  await timed.getByRole('button', { name: 'Sign in' }).click();
  await timed.getByRole('textbox', { name: 'Paragraph 1' }).waitFor();
  console.log(`# budget: sign-in to an editable story: ${Date.now() - t0} ms (budget 1000 ms)`);

  const words = (n, seed) => Array.from({ length: n }, (_, i) => ['harbour', 'ferry', 'council', 'terminal', 'budget', 'weather', 'storm', 'vote'][(i * 7 + seed) % 8]).join(' ');
  const long = await api('POST', '/articles', {
    headline: 'A 5,000-word investigation',
    body: Array.from({ length: 50 }, (_, i) => ({ type: 'paragraph', html: `${words(100, i)}.` })),
  });
  await timed.goto(desk(`stories/${long.id}`));
  const last = timed.getByRole('textbox', { name: 'Paragraph 50' });
  await last.waitFor();
  await last.click();
  await timed.keyboard.press('Control+End');
  // Smoothness as the browser reports it: frames that took 50 ms or more (Long
  // Animation Frames, with the script time in them) and the slowest key event.
  await timed.evaluate(() => {
    window.__events = [];
    window.__frames = [];
    new PerformanceObserver((list) => window.__events.push(...list.getEntries().map((e) => e.duration))).observe({
      type: 'event',
      durationThreshold: 16,
    });
    new PerformanceObserver((list) =>
      window.__frames.push(...list.getEntries().map((e) => ({ duration: e.duration, script: e.scripts.reduce((a, x) => a + x.duration, 0) }))),
    ).observe({ type: 'long-animation-frame' });
  });
  let patches = 0;
  timed.on('request', (r) => r.method() === 'PATCH' && r.url().includes(`/articles/${long.id}`) && patches++);
  const typed = ' The council will publish the full report next week, with every figure checked twice.';
  const t1 = Date.now();
  await timed.keyboard.type(typed);
  const typing = Date.now() - t1;
  await waitSaved(timed, 'a 5,000-word story after typing');
  const { events, frames } = await timed.evaluate(() => ({ events: window.__events, frames: window.__frames }));
  console.log(
    `# budget: typing ${typed.length} characters into a 5,000-word story: ${typing} ms in all, ` +
      `${frames.length} frame(s) of 50 ms or more (${frames.map((f) => `${Math.round(f.duration)} ms, script ${Math.round(f.script)} ms`).join('; ') || 'none'}), ` +
      `slowest key event ${events.length ? Math.max(...events) : '<16'} ms, ${patches} autosave request(s)`,
  );
  const stored = await api('GET', `/articles/${long.id}?formats=blocks`);
  check(stored.body[49].html.endsWith('every figure checked twice.'), 'every character typed into the 5,000-word story is saved');
  check(patches <= 3, `typing saves after pauses, not per keystroke (${patches} saves for ${typed.length} keys)`);
  noProblems('in the whole day');
  await fresh.close();
  await contextA.close();
}

async function main() {
  let browser;
  const watchdog = setTimeout(() => {
    console.error('desk test FAILED: timed out after 300 s');
    process.exit(1);
  }, 300_000);
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    await run(browser);
    console.log(`desk: ${passedSoFar()} passed, 0 failed`);
    console.log(`screenshots in ${screenshotDir}`);
  } catch (err) {
    const reason = err instanceof TestFailure ? err.message : err.stack || String(err);
    console.error(`\ndesk test FAILED: ${reason}`);
    console.log(`desk: ${passedSoFar()} passed, 1 failed`);
    process.exitCode = 1;
    if (currentPage && !currentPage.isClosed()) {
      await mkdir(screenshotDir, { recursive: true });
      const file = path.join(screenshotDir, 'desk-failure.png');
      await currentPage.screenshot({ path: file, fullPage: true }).then(
        () => console.error(`the page at the failure: ${file}`),
        () => {},
      );
    }
  } finally {
    clearTimeout(watchdog);
    if (browser) await browser.close();
  }
}

main();
