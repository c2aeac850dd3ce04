// The body editor: one editor per block, added from the bar below, moved by dragging
// the handle or from the keyboard (Alt+↑ / Alt+↓, or the Up and Down buttons), removed.
import { memo } from 'preact/compat';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, ok, type Block, type Image } from '../api/client';
import { LibraryPicker, StoryPicker, UploadZone, thumb } from '../pickers';
import { Checkbox, Select, TextArea, TextField, announce, useId } from '../ui';
import { BLOCK_LABEL, emptyBlock, fresh, type Keyed } from './model';
import { normalise } from './richtext';

const ADDABLE: Block['type'][] = ['paragraph', 'heading', 'quote', 'list', 'image', 'related', 'embed'];

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
      return (
        <div>
          <Checkbox label="Numbered list" checked={block.ordered} onValue={(ordered) => set({ ...block, ordered })} />
          <TextArea
            label={`List ${position} items, one per line`}
            rows={Math.max(3, block.items.length)}
            value={block.items.join('\n')}
            onValue={(text) => set({ ...block, items: text.split('\n') })}
          />
        </div>
      );
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
        <div class="block__row">
          <TextField label={`Embed ${position} address`} type="url" value={block.url} data-focus onValue={(url) => set({ ...block, url })} />
          <TextField label="Provider" value={block.provider ?? ''} onValue={(provider) => set({ ...block, provider })} />
        </div>
      );
  }
});

/** Rich text: bold, italic and links, kept to the HTML the API stores. */
function ParagraphEditor(props: { html: string; label: string; onHtml: (html: string) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const emitted = useRef<string | null>(null);
  const saved = useRef<Range | null>(null);
  const [linking, setLinking] = useState(false);
  const [address, setAddress] = useState('https://');
  const id = useId('para');

  // Only an outside change (a merge, a restore) rewrites the DOM; typing never does.
  // A layout effect runs in the same task as the render, so no keystroke can land
  // between the render and this comparison (a passive effect would compare a stale
  // render's html with a newer keystroke's and put the old text back).
  useLayoutEffect(() => {
    if (ref.current && props.html !== emitted.current) {
      ref.current.innerHTML = props.html;
      emitted.current = props.html;
    }
  }, [props.html]);

  const emit = () => {
    if (!ref.current) return;
    const html = normalise(ref.current);
    emitted.current = html;
    props.onHtml(html);
  };
  const command = (name: 'bold' | 'italic') => {
    document.execCommand(name);
    emit();
  };
  const keepSelection = () => {
    const sel = getSelection();
    saved.current = sel && sel.rangeCount && ref.current?.contains(sel.anchorNode) ? sel.getRangeAt(0).cloneRange() : null;
  };
  const applyLink = () => {
    const range = saved.current;
    setLinking(false);
    if (!range || !ref.current) return;
    ref.current.focus();
    const sel = getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
    if (range.collapsed) {
      document.execCommand('insertHTML', false, `<a href="${address.replace(/"/g, '&quot;')}">${address.replace(/</g, '&lt;')}</a>`);
    } else {
      document.execCommand('createLink', false, address);
    }
    emit();
  };

  return (
    <div class="para">
      <div class="para__tools" role="toolbar" aria-label={`${props.label} formatting`}>
        <button type="button" class="button button--small" onMouseDown={(e) => e.preventDefault()} onClick={() => command('bold')}>
          <strong>Bold</strong>
        </button>
        <button type="button" class="button button--small" onMouseDown={(e) => e.preventDefault()} onClick={() => command('italic')}>
          <em>Italic</em>
        </button>
        <button
          type="button"
          class="button button--small"
          onMouseDown={(e) => {
            e.preventDefault();
            keepSelection();
          }}
          onClick={() => setLinking(!linking)}
          aria-expanded={linking ? 'true' : 'false'}
        >
          Link
        </button>
      </div>
      {linking ? (
        <div class="para__link">
          <TextField label="Link address" type="url" value={address} onValue={setAddress} autoFocus />
          <button type="button" class="button button--small" onClick={applyLink}>
            Apply link
          </button>
        </div>
      ) : null}
      <span id={id} class="visually-hidden">
        {props.label}
      </span>
      <div
        ref={ref}
        class="para__text"
        contentEditable
        role="textbox"
        aria-multiline="true"
        aria-labelledby={id}
        data-focus
        onInput={emit}
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && (e.key === 'b' || e.key === 'i')) {
            e.preventDefault();
            command(e.key === 'b' ? 'bold' : 'italic');
          }
        }}
        onPaste={(e) => {
          // Pasted pages bring their markup; keep the words (and line breaks).
          e.preventDefault();
          const text = e.clipboardData?.getData('text/plain') ?? '';
          document.execCommand('insertText', false, text);
        }}
      />
    </div>
  );
}

const imageCache = new Map<string, Promise<Image>>();
function loadImage(id: string): Promise<Image> {
  let hit = imageCache.get(id);
  if (!hit) {
    hit = ok(api.GET('/api/v1/images/{id}', { params: { path: { id } } }));
    imageCache.set(id, hit);
  }
  return hit;
}

function ImageBlockEditor(props: { block: Extract<Block, { type: 'image' }>; position: number; onBlock: (b: Block) => void }) {
  const { block } = props;
  const [image, setImage] = useState<Image | null>(null);
  const [choosing, setChoosing] = useState(false);
  useEffect(() => {
    if (!block.image_id) {
      setImage(null);
      return;
    }
    let live = true;
    loadImage(block.image_id).then((i) => live && setImage(i), () => undefined);
    return () => {
      live = false;
    };
  }, [block.image_id]);

  const use = (picked: Image) => {
    imageCache.set(picked.id, Promise.resolve(picked));
    setImage(picked);
    setChoosing(false);
    props.onBlock({ type: 'image', image_id: picked.id, caption: block.caption ?? null, credit: block.credit ?? null });
  };

  if (!block.image_id || choosing) {
    return (
      <div class="imageblock">
        <UploadZone label={`Image ${props.position}: upload a photo`} onUploaded={use} />
        <details>
          <summary>Choose from the library</summary>
          <LibraryPicker onPick={use} />
        </details>
      </div>
    );
  }
  return (
    <div class="imageblock">
      {image ? (
        <FocalPhoto image={image} onImage={(i) => {
          imageCache.set(i.id, Promise.resolve(i));
          setImage(i);
        }} />
      ) : (
        <p class="muted">Loading the photo…</p>
      )}
      <div class="imageblock__fields">
        {image ? <ImageMeta image={image} onImage={setImage} /> : null}
        <TextField
          label={`Image ${props.position} caption`}
          value={block.caption ?? ''}
          placeholder={image?.caption || ''}
          hint="Leave empty to use the photo's own caption."
          onValue={(caption) => props.onBlock({ ...block, caption })}
        />
        <TextField
          label={`Image ${props.position} credit`}
          value={block.credit ?? ''}
          placeholder={image?.credit || ''}
          hint="Leave empty to use the photo's own credit."
          onValue={(credit) => props.onBlock({ ...block, credit })}
        />
        <button type="button" class="button button--small" onClick={() => setChoosing(true)}>
          Replace photo
        </button>
      </div>
    </div>
  );
}

/** The photo; a click (or Enter on the focused photo, at its centre) sets the focal point. */
export function FocalPhoto(props: { image: Image; onImage: (image: Image) => void }) {
  const { image } = props;
  const [error, setError] = useState<string | null>(null);
  const setFocus = async (x: number, y: number) => {
    try {
      const updated = await ok(
        api.PATCH('/api/v1/images/{id}', {
          params: { path: { id: image.id } },
          body: { focal_point: { x: Math.round(x * 1000) / 1000, y: Math.round(y * 1000) / 1000 }, version: image.version },
        }),
      );
      props.onImage(updated);
      setError(null);
      announce('Focal point set');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div class="focal">
      <button
        type="button"
        class="focal__photo"
        aria-label={`Set the focal point of ${image.alt || 'the photo'} (click on the photo)`}
        onClick={(e) => {
          const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
          if (e.detail === 0) return; // keyboard activation: keep the current point
          setFocus((e.clientX - box.left) / box.width, (e.clientY - box.top) / box.height);
        }}
      >
        <img src={thumb(image, 640)} alt={image.alt} width={image.width} height={image.height} />
        <span class="focal__mark" style={{ left: `${image.focal_point.x * 100}%`, top: `${image.focal_point.y * 100}%` }} />
      </button>
      {error ? <p class="field__error">{error}</p> : null}
    </div>
  );
}

/** The photo's own alt text, caption and credit (saved on the photo, for every use). */
export function ImageMeta(props: { image: Image; onImage: (image: Image) => void }) {
  const { image } = props;
  const [alt, setAlt] = useState(image.alt);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setAlt(image.alt), [image.id]);
  const save = async () => {
    if (alt === image.alt) return;
    try {
      const updated = await ok(api.PATCH('/api/v1/images/{id}', { params: { path: { id: image.id } }, body: { alt, version: image.version } }));
      props.onImage(updated);
      setError(null);
      announce('Alt text saved');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div onFocusOut={save}>
      <TextField label="Alt text (describes the photo for screen readers)" value={alt} onValue={setAlt} error={error ?? undefined} />
    </div>
  );
}
