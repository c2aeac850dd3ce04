// Paragraph HTML the API keeps: text with a, em, strong and br. What the browser's
// editing puts into a contenteditable (b, i, div, span, nbsp, pasted markup) is
// brought to that form before it is saved, so what the editor sees is what is stored.

const KEEP = new Set(['A', 'EM', 'STRONG', 'BR']);
const RENAME: Record<string, string> = { B: 'strong', I: 'em' };

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\u00a0/g, ' ');
}

function escapeAttr(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}

function safeHref(href: string): string | null {
  const trimmed = href.trim();
  if (/^(https?:|mailto:)/i.test(trimmed) || trimmed.startsWith('/') || trimmed.startsWith('#')) return trimmed;
  return null;
}

function walk(node: Node, out: string[]) {
  node.childNodes.forEach((child, i) => {
    if (child.nodeType === Node.TEXT_NODE) {
      out.push(escapeText(child.textContent ?? ''));
      return;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) return;
    const el = child as HTMLElement;
    let tag = el.tagName;
    if (RENAME[tag]) tag = RENAME[tag]!.toUpperCase();
    // A line the browser made a block (Enter in some engines): a line break before it.
    if ((tag === 'DIV' || tag === 'P') && i > 0) out.push('<br>');
    if (!KEEP.has(tag)) {
      walk(el, out);
      return;
    }
    const name = tag.toLowerCase();
    if (name === 'br') {
      out.push('<br>');
      return;
    }
    if (name === 'a') {
      const href = safeHref(el.getAttribute('href') ?? '');
      if (!href) {
        walk(el, out);
        return;
      }
      out.push(`<a href="${escapeAttr(href)}">`);
    } else {
      out.push(`<${name}>`);
    }
    walk(el, out);
    out.push(`</${name}>`);
  });
}

/** The stored form of a contenteditable's content. */
export function normalise(root: HTMLElement): string {
  const out: string[] = [];
  walk(root, out);
  // A trailing <br> is the browser's placeholder for an empty last line.
  return out.join('').replace(/(<br>)+$/, '');
}

/** Plain text of paragraph HTML (for diffs, search, word counts). */
export function textOf(html: string): string {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  return doc.body.textContent ?? '';
}
