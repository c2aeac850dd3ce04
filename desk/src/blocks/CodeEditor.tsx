// A code block's editor: the text exactly as readers will see it, in a monospace box
// that keeps indentation and line breaks, and the language it is written in. Tab
// indents and Shift+Tab outdents (the selected lines, or at the caret); Esc, then Tab,
// moves on to the next field, so the box never traps a keyboard.
import { useRef } from 'preact/hooks';
import type { Block } from '../api/client';
import { TextArea, TextField } from '../ui';

type CodeBlock = Extract<Block, { type: 'code' }>;

const INDENT = '  ';
/** What the API takes as a language name (`python`, `c++`, `shell`). */
const LANGUAGE = /^[A-Za-z0-9+#._-]{0,40}$/;

/** Replaces the selection, keeping the browser's undo history where it can. */
function replaceSelection(area: HTMLTextAreaElement, text: string) {
  if (!document.execCommand('insertText', false, text)) {
    area.setRangeText(text, area.selectionStart, area.selectionEnd, 'end');
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }
}

/** Indents (or outdents) the selected lines, or puts an indent at the caret. */
function indent(area: HTMLTextAreaElement, outdent: boolean) {
  const { value, selectionStart: start, selectionEnd: end } = area;
  if (!outdent && start === end) {
    replaceSelection(area, INDENT);
    return;
  }
  const from = value.lastIndexOf('\n', start - 1) + 1;
  const lines = value.slice(from, end).split('\n');
  const changed = lines.map((line) => (outdent ? line.replace(/^ {1,2}/, '') : `${INDENT}${line}`)).join('\n');
  if (changed === value.slice(from, end)) return;
  area.setSelectionRange(from, end);
  replaceSelection(area, changed);
  area.setSelectionRange(from, from + changed.length);
}

export function CodeEditor(props: { block: CodeBlock; position: number; onBlock: (b: Block) => void }) {
  const { block } = props;
  // After Esc, the next Tab leaves the box instead of indenting.
  const leaving = useRef(false);
  const language = block.language ?? '';
  const lines = block.text.split('\n').length;
  return (
    <div class="codeedit">
      <TextArea
        label={`Code ${props.position} text`}
        class="codeedit__text"
        rows={Math.min(24, Math.max(4, lines + 1))}
        value={block.text}
        wrap="off"
        spellcheck={false}
        autocapitalize="off"
        autocomplete="off"
        data-focus
        hint="Shown exactly as written. Tab indents, Shift+Tab outdents; press Esc, then Tab, to move on."
        onFocus={() => {
          leaving.current = false;
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            leaving.current = true;
          } else if (e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey && !leaving.current) {
            e.preventDefault();
            indent(e.currentTarget, e.shiftKey);
          } else if (e.key !== 'Shift') {
            leaving.current = false;
          }
        }}
        onValue={(text) => props.onBlock({ ...block, text })}
      />
      <TextField
        label={`Code ${props.position} language`}
        value={language}
        placeholder="e.g. python, shell, sql"
        spellcheck={false}
        autocapitalize="off"
        error={LANGUAGE.test(language.trim()) ? undefined : 'Letters, digits and + - # . _ only (at most 40), such as python or c++'}
        hint="Optional: names the language for highlighting."
        onValue={(value) => props.onBlock({ ...block, language: value })}
      />
    </div>
  );
}
