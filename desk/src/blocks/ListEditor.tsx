// A list's editor: each item is inline rich text, as a paragraph is (bold, italic,
// links). Enter splits the item at the caret into a new one, Shift+Enter breaks the
// line, Backspace in an empty item removes it.
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Block } from '../api/client';
import { Checkbox, announce } from '../ui';
import { normalise } from './richtext';
import { FormatBar, InlineText, focusText } from './InlineText';

type ListBlock = Extract<Block, { type: 'list' }>;

/** Most items a list may have (the API's limit). */
const MAX_ITEMS = 200;

/** What follows the caret in `host`, taken out of it (for Enter in the middle of an item). */
function cutAfterCaret(host: HTMLElement): string {
  const sel = getSelection();
  if (!sel?.rangeCount || !host.contains(sel.anchorNode)) return '';
  const tail = sel.getRangeAt(0).cloneRange();
  tail.setEnd(host, host.childNodes.length);
  const rest = document.createElement('div');
  rest.append(tail.extractContents());
  return normalise(rest);
}

export function ListEditor(props: { block: ListBlock; position: number; onBlock: (b: Block) => void }) {
  const { block } = props;
  const label = `List ${props.position}`;
  const ref = useRef<HTMLDivElement>(null);
  const focusAfter = useRef<{ item: number; atEnd: boolean } | null>(null);

  useLayoutEffect(() => {
    if (!focusAfter.current) return;
    const { item, atEnd } = focusAfter.current;
    focusAfter.current = null;
    focusText(ref.current?.querySelectorAll<HTMLElement>('.listedit [contenteditable]')[item], atEnd);
  });

  const setItems = (items: string[]) => props.onBlock({ ...block, items });
  const insert = (at: number, html: string, items = block.items) => {
    focusAfter.current = { item: at, atEnd: false };
    setItems([...items.slice(0, at), html, ...items.slice(at)]);
  };
  const remove = (at: number) => {
    focusAfter.current = { item: Math.max(0, at - 1), atEnd: true };
    setItems(block.items.filter((_, i) => i !== at));
    announce(`Item ${at + 1} removed from ${label}`);
  };

  const ListTag = block.ordered ? 'ol' : 'ul';
  return (
    <div ref={ref}>
      <Checkbox label="Numbered list" checked={block.ordered} onValue={(ordered) => props.onBlock({ ...block, ordered })} />
      <FormatBar label={label} scope={ref} />
      <ListTag class="listedit">
        {block.items.map((item, i) => (
          <li key={i} class="listedit__item">
            <div class="listedit__row">
              <InlineText
                html={item}
                label={`${label} item ${i + 1}`}
                class="para__text listedit__text"
                focus={i === 0}
                onHtml={(html) => setItems(block.items.map((old, j) => (j === i ? html : old)))}
                onKeyDown={(e) => {
                  const host = e.currentTarget as HTMLElement;
                  if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
                    e.preventDefault();
                    if (block.items.length >= MAX_ITEMS) return;
                    const rest = cutAfterCaret(host);
                    const items = block.items.map((old, j) => (j === i ? normalise(host) : old));
                    insert(i + 1, rest, items);
                  } else if (e.key === 'Backspace' && block.items.length > 1 && !normalise(host)) {
                    e.preventDefault();
                    remove(i);
                  }
                }}
              />
              <button
                type="button"
                class="button button--small"
                aria-label={`Remove item ${i + 1} of ${label}`}
                disabled={block.items.length === 1}
                onClick={() => remove(i)}
              >
                Remove
              </button>
            </div>
          </li>
        ))}
      </ListTag>
      <button
        type="button"
        class="button button--small"
        disabled={block.items.length >= MAX_ITEMS}
        onClick={() => insert(block.items.length, '')}
      >
        Add item
      </button>
    </div>
  );
}
