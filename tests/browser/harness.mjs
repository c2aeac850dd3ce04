// What the browser tests share (examples/frontend/test/browser.mjs, desk/test/desk.mjs):
// how Debian's Chromium is started on this closed network, TAP-style checks, and the
// environment the server script (with-server.sh) hands over. No dependencies, so
// each test's own node_modules (playwright-core) stays its own.

/** Debian's Chromium (a test tool's own browser download cannot work here). */
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Headless, and nothing that reaches for the network on its own: without the
 * background-networking flags Chromium's connections are refused many at a time. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A failed expectation (as opposed to a crash in the test itself). */
export class TestFailure extends Error {}

let passed = 0;

/** One check: `ok N - what`, or a TestFailure that stops the test. */
export function check(condition, what) {
  if (!condition) throw new TestFailure(what);
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
}

/** How many checks have passed so far. */
export function passedSoFar() {
  return passed;
}

/** A required environment variable, or exit 2 naming it (and the test's header). */
export function env(name, test) {
  const value = process.env[name];
  if (!value) {
    console.error(`${test} FAILED: ${name} is not set (see the header of the test file)`);
    process.exit(2);
  }
  return value;
}
