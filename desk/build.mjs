// Builds the desk into dist/ (committed; the binary embeds it): one minified ES module
// (app.js), one stylesheet (app.css), the page and its icon. Deterministic: the same
// sources and lockfile give the same bytes, which `check.sh` verifies in CI.
// Fails when the editor's JavaScript breaks its budget (300 KB compressed).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIP_BYTES = 300 * 1024;

mkdirSync('dist', { recursive: true });
await build({
  entryPoints: { app: 'src/main.tsx' },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: 'dist',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
});
await build({
  entryPoints: { app: 'src/style.css' },
  bundle: true,
  minify: true,
  outdir: 'dist',
  logLevel: 'warning',
});
copyFileSync('public/index.html', 'dist/index.html');
copyFileSync('public/icon.svg', 'dist/icon.svg');

for (const file of ['app.js', 'app.css']) {
  const bytes = readFileSync(`dist/${file}`);
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`dist/${file}: ${(bytes.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped`);
  if (file === 'app.js' && gz > BUDGET_GZIP_BYTES) {
    console.error(`build: dist/app.js is ${gz} bytes gzipped, over the ${BUDGET_GZIP_BYTES}-byte budget`);
    process.exit(1);
  }
}
