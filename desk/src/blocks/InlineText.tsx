// Inline rich text (a paragraph, a list item, a table cell): bold, italic and links,
// kept to the HTML the API stores (richtext.ts). One FormatBar serves every InlineText
// inside the element it is given: the one that holds the selection.
import type { RefObject } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { TextField } from '../ui';
import { normalise } from './richtext';

/** A contenteditable whose stored form is emitted as it is typed into. */
export function InlineText(props: {
  html: string;
  label: string;
  onHtml: (html: string) => void;
  class: string;
  /** Focused when its block is added (BlockList looks for `data-focus`). */
  focus?: boolean;
  /** Runs first; a handler that calls preventDefault() replaces the built-in keys. */
  onKeyDown?: (e: KeyboardEvent) => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const emitted = useRef<string | null>(null);

  // Only an outside change (a merge, a restore, a row removed) rewrites the DOM;
  // typing never does. A layout effect runs in the same task as the render, so no
  // keystroke can land between the render and this comparison (a passive effect would
  // compare a stale render's html with a newer keystroke's and put the old text back).
  useLayoutEffect(() => {
    if (ref.current && props.html !== emitted.current) {
      ref.current.innerHTML = props.html;
      emitted.current = props.html;
    }
  }, [props.html]);

  // The browser's editing (typing, execCommand from a FormatBar) fires `input`.
  const emit = () => {
    if (!ref.current) return;
    const html = normalise(ref.current);
    emitted.current = html;
    props.onHtml(html);
  };

  return (
    <div
      ref={ref}
      class={props.class}
      contentEditable
      role="textbox"
      aria-multiline="true"
      aria-label={props.label}
      data-focus={props.focus ? true : undefined}
      onInput={emit}
      onKeyDown={(e) => {
        props.onKeyDown?.(e);
        if (e.defaultPrevented) return;
        if ((e.ctrlKey || e.metaKey) && (e.key === 'b' || e.key === 'i')) {
          e.preventDefault();
          document.execCommand(e.key === 'b' ? 'bold' : 'italic');
        }
      }}
      onPaste={(e) => {
        // Pasted pages bring their markup; keep the words (and line breaks).
        e.preventDefault();
        const text = e.clipboardData?.getData('text/plain') ?? '';
        document.execCommand('insertText', false, text);
      }}
    />
  );
}

/** Puts the caret in a rich text, at its start or its end. */
export function focusText(el: HTMLElement | null | undefined, atEnd: boolean) {
  if (!el) return;
  el.focus();
  const range = document.createRange();
  range.selectNodeContents(el);
  range.collapse(!atEnd);
  const sel = getSelection();
  sel?.removeAllRanges();
  sel?.addRange(range);
}

/** The rich text inside `scope` that a node is in, if any. */
function hostOf(node: Node | null, scope: RefObject<HTMLElement>): HTMLElement | null {
  const el = (node instanceof Element ? node : node?.parentElement)?.closest<HTMLElement>('[contenteditable]');
  return el && scope.current?.contains(el) ? el : null;
}

/** Bold, italic and link buttons for the rich text in `scope` that holds the selection. */
export function FormatBar(props: { label: string; scope: RefObject<HTMLElement> }) {
  const saved = useRef<Range | null>(null);
  const [linking, setLinking] = useState(false);
  const [address, setAddress] = useState('https://');

  // The buttons take no focus from a mouse (mousedown is cancelled), and a keyboard
  // user who tabs to them leaves the selection where it was: either way it is still
  // in the text, where execCommand applies it.
  const command = (name: 'bold' | 'italic') => {
    if (hostOf(getSelection()?.anchorNode ?? null, props.scope)) document.execCommand(name);
  };
  const keepSelection = () => {
    const sel = getSelection();
    saved.current = sel && sel.rangeCount && hostOf(sel.anchorNode, props.scope) ? sel.getRangeAt(0).cloneRange() : null;
  };
  /** Closes the link form, back in the text where the selection was. */
  const back = (): Range | null => {
    const range = saved.current;
    setLinking(false);
    const host = range ? hostOf(range.startContainer, props.scope) : null;
    if (!range || !host) return null;
    host.focus();
    const sel = getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
    return range;
  };
  const applyLink = () => {
    const range = back();
    if (!range) return;
    if (range.collapsed) {
      document.execCommand('insertHTML', false, `<a href="${address.replace(/"/g, '&quot;')}">${address.replace(/</g, '&lt;')}</a>`);
    } else {
      document.execCommand('createLink', false, address);
    }
  };

  return (
    <>
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
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            if (!linking) keepSelection();
            setLinking(!linking);
          }}
          aria-expanded={linking ? 'true' : 'false'}
        >
          Link
        </button>
      </div>
      {linking ? (
        <div
          class="para__link"
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              applyLink();
            } else if (e.key === 'Escape') {
              back();
            }
          }}
        >
          <TextField label="Link address" type="url" value={address} onValue={setAddress} autoFocus />
          <button type="button" class="button button--small" onClick={applyLink}>
            Apply link
          </button>
        </div>
      ) : null}
    </>
  );
}

/** A paragraph: its formatting bar and its text. */
export function ParagraphEditor(props: { html: string; label: string; onHtml: (html: string) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div class="para" ref={ref}>
      <FormatBar label={props.label} scope={ref} />
      <InlineText html={props.html} label={props.label} onHtml={props.onHtml} class="para__text" focus />
    </div>
  );
}
