// The body as the editor holds it: the API's blocks, each with a local key so that
// moving a block keeps its editor (and its caret) with it.
import type { Block } from '../api/client';
import { textOf } from './richtext';

export type Keyed = { key: number; block: Block };

let nextKey = 1;
export function keyed(blocks: readonly Block[]): Keyed[] {
  return blocks.map((block) => ({ key: nextKey++, block }));
}
export function fresh(block: Block): Keyed {
  return { key: nextKey++, block };
}

/** A block as the API takes it: read-only expansions (`image`, `target`) left out. */
export function toApi(block: Block): Block {
  switch (block.type) {
    case 'image':
      return {
        type: 'image',
        image_id: block.image_id,
        ...(block.caption ? { caption: block.caption } : {}),
        ...(block.credit ? { credit: block.credit } : {}),
      };
    case 'related':
      return { type: 'related', article_id: block.article_id, ...(block.label ? { label: block.label } : {}) };
    case 'quote':
      return { type: 'quote', text: block.text, ...(block.attribution ? { attribution: block.attribution } : {}) };
    case 'embed':
      return {
        type: 'embed',
        url: block.url,
        ...(block.provider ? { provider: block.provider } : {}),
        ...(block.caption ? { caption: block.caption } : {}),
      };
    case 'list':
      return { type: 'list', ordered: block.ordered, items: block.items.filter((i) => i.trim()) };
    case 'table':
      return { type: 'table', header: !!block.header, rows: block.rows, ...(block.caption ? { caption: block.caption } : {}) };
    case 'code':
      // As the server keeps it (indentation is meaning: only blank lines before and
      // trailing space after go), so trailing spaces alone are no change to save.
      return {
        type: 'code',
        text: block.text.replace(/\r\n?/g, '\n').replace(/^\n+/, '').trimEnd(),
        ...(block.language?.trim() ? { language: block.language.trim() } : {}),
      };
    default:
      return block;
  }
}

export const BLOCK_LABEL: Record<Block['type'], string> = {
  paragraph: 'Paragraph',
  heading: 'Heading',
  quote: 'Quote',
  list: 'List',
  table: 'Table',
  code: 'Code',
  image: 'Image',
  related: 'Also Read',
  embed: 'Embed',
};

export function emptyBlock(type: Block['type']): Block {
  switch (type) {
    case 'paragraph':
      return { type, html: '' };
    case 'heading':
      return { type, level: 2, text: '' };
    case 'quote':
      return { type, text: '' };
    case 'list':
      return { type, ordered: false, items: [''] };
    case 'table':
      return {
        type,
        header: true,
        rows: [
          ['', ''],
          ['', ''],
        ],
      };
    case 'code':
      return { type, text: '' };
    case 'image':
      return { type, image_id: '' };
    case 'related':
      return { type, article_id: '', label: 'Also Read' };
    case 'embed':
      return { type, url: '' };
  }
}

/** A block's words, for conflict views and word counts. */
export function blockText(block: Block): string {
  switch (block.type) {
    case 'paragraph':
      return textOf(block.html);
    case 'heading':
      return block.text;
    case 'quote':
      return block.attribution ? `${block.text} — ${block.attribution}` : block.text;
    case 'list':
      return block.items.map(textOf).join(' · ');
    case 'table':
      return [block.caption, ...block.rows.map((row) => row.map(textOf).join(' | '))].filter(Boolean).join(' / ');
    case 'code':
      return block.text;
    case 'image':
      return `[photo${block.caption ? `: ${block.caption}` : ''}]`;
    case 'related':
      return `[${block.label || 'Also Read'}: ${block.target?.headline ?? 'a linked story'}]`;
    case 'embed':
      return `[embed: ${block.url}${block.caption ? ` — ${block.caption}` : ''}]`;
  }
}

/** Blocks that cannot be saved yet (an image not chosen, a link with no story, a table with no words). */
export function incomplete(block: Block): boolean {
  return (
    (block.type === 'heading' && !block.text.trim()) ||
    (block.type === 'list' && !block.items.some((i) => i.trim())) ||
    (block.type === 'table' && !block.rows.some((row) => row.some((cell) => cell.trim()))) ||
    (block.type === 'code' && !block.text.trim()) ||
    (block.type === 'image' && !block.image_id) ||
    (block.type === 'related' && !block.article_id) ||
    (block.type === 'embed' && !block.url.trim())
  );
}
