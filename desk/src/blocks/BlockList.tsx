// The body editor: one editor per block, added from the bar below, moved by dragging
// the handle or from the keyboard (Alt+↑ / Alt+↓, or the Up and Down buttons), removed.
import { memo } from 'preact/compat';
import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Block } from '../api/client';
import { StoryPicker } from '../pickers';
import { Select, TextArea, TextField, announce } from '../ui';
import { CodeEditor } from './CodeEditor';
import { ImageBlockEditor } from './ImageBlock';
import { ParagraphEditor } from './InlineText';
import { ListEditor } from './ListEditor';
import { BLOCK_LABEL, emptyBlock, fresh, type Keyed } from './model';
import { TableEditor } from './TableEditor';

const ADDABLE: Block['type'][] = ['paragraph', 'heading', 'quote', 'list', 'table', 'code', 'image', 'related', 'embed'];

/** `onChange` gets an update of the blocks (applied to the newest state, never a stale copy). */
export function BlockList(props: { blocks: Keyed[]; onChange: (update: (blocks: Keyed[]) => Keyed[]) => void; disabled?: boolean }) {
  const { blocks, onChange } = props;
  // Where a drag started: a ref, because dragover fires before a re-render could tell.
  const dragFrom = useRef<number | null>(null);
  const setDragFrom = (at: number | null) => {
    dragFrom.current = at;
  };
  const [dropAt, setDropAt] = useState<number | null>(null);
  const focusAfter = useRef<number | null>(null);
  const listRef = useRef<HTMLOListElement>(null);

  useLayoutEffect(() => {
    if (focusAfter.current === null) return;
    const key = focusAfter.current;
    focusAfter.current = null;
    const el = listRef.current?.querySelector<HTMLElement>(`[data-key="${key}"] [data-focus]`);
    el?.focus();
  });

  const move = (from: number, to: number) => {
    if (to < 0 || to >= blocks.length || from === to) return;
    const item = blocks[from]!;
    onChange((now) => {
      const next = now.filter((b) => b.key !== item.key);
      next.splice(to, 0, item);
      return next;
    });
    announce(`${BLOCK_LABEL[item.block.type]} moved to position ${to + 1} of ${blocks.length}`);
  };
  // Stable across renders, so an unchanged block's editor is not re-rendered.
  const latest = useRef(onChange);
  latest.current = onChange;
  const update = useCallback((key: number, block: Block) => {
    latest.current((now) => now.map((b) => (b.key === key ? { key, block } : b)));
  }, []);
  const remove = (index: number) => {
    const item = blocks[index]!;
    onChange((now) => now.filter((b) => b.key !== item.key));
    announce(`${BLOCK_LABEL[item.block.type]} removed`);
  };
  const add = (type: Block['type']) => {
    const item = fresh(emptyBlock(type));
    focusAfter.current = item.key;
    onChange((now) => [...now, item]);
  };

  return (
    <div class="blocks">
      <ol class="blocks__list" ref={listRef} aria-label="Body">
        {blocks.map((item, index) => (
          <li
            key={item.key}
            data-key={item.key}
            class={`block${dropAt === index ? ' block--drop' : ''}`}
            onDragOver={(e) => {
              if (dragFrom.current === null) return;
              e.preventDefault();
              setDropAt(index);
            }}
            onDrop={(e) => {
              if (dragFrom.current === null) return;
              e.preventDefault();
              move(dragFrom.current, index);
              setDragFrom(null);
              setDropAt(null);
            }}
            onKeyDown={(e) => {
              if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
              e.preventDefault();
              const to = e.key === 'ArrowUp' ? index - 1 : index + 1;
              focusAfter.current = item.key;
              move(index, to);
            }}
          >
            <div class="block__bar">
              <span
                class="block__handle"
                draggable={!props.disabled}
                title="Drag to move"
                aria-hidden="true"
                onDragStart={(e) => {
                  e.dataTransfer?.setData('text/plain', String(index));
                  setDragFrom(index);
                }}
                onDragEnd={() => {
                  setDragFrom(null);
                  setDropAt(null);
                }}
              >
                ⠿
              </span>
              <span class="block__type">
                {BLOCK_LABEL[item.block.type]} {index + 1}
              </span>
              <button
                type="button"
                class="button button--small"
                aria-label={`Move ${BLOCK_LABEL[item.block.type]} ${index + 1} up`}
                disabled={index === 0}
                onClick={() => move(index, index - 1)}
              >
                Up
              </button>
              <button
                type="button"
                class="button button--small"
                aria-label={`Move ${BLOCK_LABEL[item.block.type]} ${index + 1} down`}
                disabled={index === blocks.length - 1}
                onClick={() => move(index, index + 1)}
              >
                Down
              </button>
              <button
                type="button"
                class="button button--small button--danger"
                aria-label={`Remove ${BLOCK_LABEL[item.block.type]} ${index + 1}`}
                onClick={() => remove(index)}
              >
                Remove
              </button>
            </div>
            <BlockEditor block={item.block} blockKey={item.key} position={index + 1} onBlock={update} />
          </li>
        ))}
      </ol>
      {blocks.length === 0 ? <p class="muted">The body is empty: add a paragraph to start writing.</p> : null}
      <div class="blocks__add" role="group" aria-label="Add a block">
        <span>Add:</span>
        {ADDABLE.map((type) => (
          <button key={type} type="button" class="button button--small" onClick={() => add(type)}>
            {BLOCK_LABEL[type]}
          </button>
        ))}
      </div>
    </div>
  );
}

type EditorProps = { block: Block; blockKey: number; position: number; onBlock: (key: number, block: Block) => void };

/** One block's editor; memoised, so typing in one block re-renders only that block. */
const BlockEditor = memo(function BlockEditor({ block, blockKey, position, onBlock }: EditorProps) {
  const set = (b: Block) => onBlock(blockKey, b);
  switch (block.type) {
    case 'paragraph':
      return <ParagraphEditor html={block.html} label={`Paragraph ${position}`} onHtml={(html) => set({ type: 'paragraph', html })} />;
    case 'heading':
      return (
        <div class="block__row">
          <Select
            label="Level"
            value={String(block.level) as '2' | '3' | '4'}
            options={[
              ['2', 'Heading 2'],
              ['3', 'Heading 3'],
              ['4', 'Heading 4'],
            ]}
            onValue={(v) => set({ ...block, level: Number(v) })}
          />
          <TextField label={`Heading ${position} text`} value={block.text} data-focus onValue={(text) => set({ ...block, text })} />
        </div>
      );
    case 'quote':
      return (
        <div>
          <TextArea label={`Quote ${position} text`} value={block.text} onValue={(text) => set({ ...block, text })} />
          <TextField label="Attribution" value={block.attribution ?? ''} onValue={(attribution) => set({ ...block, attribution })} />
        </div>
      );
    case 'list':
      return <ListEditor block={block} position={position} onBlock={set} />;
    case 'table':
      return <TableEditor block={block} position={position} onBlock={set} />;
    case 'code':
      return <CodeEditor block={block} position={position} onBlock={set} />;
    case 'image':
      return <ImageBlockEditor block={block} position={position} onBlock={set} />;
    case 'related':
      return (
        <div>
          {block.article_id ? (
            <p>
              Links to <strong>{block.target?.headline ?? block.article_id}</strong>{' '}
              <button type="button" class="button button--small" onClick={() => set({ ...block, article_id: '', target: null })}>
                Change story
              </button>
            </p>
          ) : (
            <StoryPicker
              label={`Also Read ${position}: find a story`}
              onPick={(a) =>
                set({
                  ...block,
                  article_id: a.id,
                  target: { id: a.id, slug: a.slug, headline: a.headline, published_at: a.published_at ?? null } as never,
                })
              }
            />
          )}
          <TextField label="Label" value={block.label ?? ''} onValue={(label) => set({ ...block, label })} />
        </div>
      );
    case 'embed':
      return (
        <div>
          <div class="block__row block__row--wide">
            <TextField label={`Embed ${position} address`} type="url" value={block.url} data-focus onValue={(url) => set({ ...block, url })} />
            <TextField label="Provider" value={block.provider ?? ''} onValue={(provider) => set({ ...block, provider })} />
          </div>
          <TextField
            label={`Embed ${position} caption`}
            value={block.caption ?? ''}
            hint="Plain text, shown under the embed."
            onValue={(caption) => set({ ...block, caption })}
          />
        </div>
      );
  }
});
