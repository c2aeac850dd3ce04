// A table's editor: a grid of cells, each inline rich text as a paragraph is (bold,
// italic, links), with rows and columns added and removed (a Remove button at the end
// of each row and under each column), the first row marked as the header, and a
// plain-text caption. The grid is a real table whose row and column headers name each
// cell's place, so a screen reader's table keys work in it. A row the API holds with
// fewer cells than the widest shows empty ones, filled in when that row is edited.
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Block } from '../api/client';
import { Checkbox, TextField, announce } from '../ui';
import { FormatBar, InlineText, focusText } from './InlineText';

type TableBlock = Extract<Block, { type: 'table' }>;

/** The API's limits. */
const MAX_ROWS = 200;
const MAX_COLUMNS = 50;

/** A row widened to `columns` cells. */
function padded(row: readonly string[], columns: number): string[] {
  return row.length >= columns ? [...row] : [...row, ...Array<string>(columns - row.length).fill('')];
}

export function TableEditor(props: { block: TableBlock; position: number; onBlock: (b: Block) => void }) {
  const { block } = props;
  const label = `Table ${props.position}`;
  const columns = Math.max(1, ...block.rows.map((row) => row.length));
  const indexes = Array.from({ length: columns }, (_, c) => c);
  const ref = useRef<HTMLDivElement>(null);
  const focusAfter = useRef<{ row: number; column: number } | null>(null);

  useLayoutEffect(() => {
    if (!focusAfter.current) return;
    const { row, column } = focusAfter.current;
    focusAfter.current = null;
    focusText(ref.current?.querySelector<HTMLElement>(`[data-cell="${row}-${column}"] [contenteditable]`), false);
  });

  const setRows = (rows: string[][]) => props.onBlock({ ...block, rows });
  const setCell = (r: number, c: number, html: string) =>
    setRows(block.rows.map((row, i) => (i === r ? padded(row, columns).map((old, j) => (j === c ? html : old)) : row)));
  const addRow = () => {
    focusAfter.current = { row: block.rows.length, column: 0 };
    setRows([...block.rows, padded([], columns)]);
    announce(`Row ${block.rows.length + 1} added to ${label}`);
  };
  const addColumn = () => {
    focusAfter.current = { row: 0, column: columns };
    setRows(block.rows.map((row) => [...padded(row, columns), '']));
    announce(`Column ${columns + 1} added to ${label}`);
  };
  const removeRow = (r: number) => {
    focusAfter.current = { row: Math.min(r, block.rows.length - 2), column: 0 };
    setRows(block.rows.filter((_, i) => i !== r));
    announce(`Row ${r + 1} removed from ${label}`);
  };
  const removeColumn = (c: number) => {
    focusAfter.current = { row: 0, column: Math.min(c, columns - 2) };
    setRows(block.rows.map((row) => padded(row, columns).filter((_, j) => j !== c)));
    announce(`Column ${c + 1} removed from ${label}`);
  };

  return (
    <div class="tableedit" ref={ref}>
      <Checkbox
        label="The first row is a header row"
        checked={!!block.header}
        onValue={(header) => props.onBlock({ ...block, header })}
      />
      <FormatBar label={label} scope={ref} />
      <div class="tableedit__scroll">
        <table class="tableedit__grid">
          <caption class="visually-hidden">{label} cells</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              {indexes.map((c) => (
                <th key={c} scope="col">
                  Column {c + 1}
                </th>
              ))}
              <td />
            </tr>
          </thead>
          <tbody>
            {block.rows.map((row, r) => {
              const head = block.header && r === 0;
              return (
                <tr key={r} class={head ? 'tableedit__head' : undefined}>
                  <th scope="row">
                    {r + 1}
                    {head ? <span class="badge">header</span> : null}
                  </th>
                  {indexes.map((c) => (
                    <td key={c} data-cell={`${r}-${c}`}>
                      <InlineText
                        html={row[c] ?? ''}
                        label={`${label}, row ${r + 1}, column ${c + 1}`}
                        class="tableedit__cell"
                        focus={r === 0 && c === 0}
                        onHtml={(html) => setCell(r, c, html)}
                      />
                    </td>
                  ))}
                  <td class="tableedit__tools">
                    <button
                      type="button"
                      class="button button--small"
                      aria-label={`Remove row ${r + 1} of ${label}`}
                      disabled={block.rows.length === 1}
                      onClick={() => removeRow(r)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr>
              <td />
              {indexes.map((c) => (
                <td key={c} class="tableedit__tools">
                  <button
                    type="button"
                    class="button button--small"
                    aria-label={`Remove column ${c + 1} of ${label}`}
                    disabled={columns === 1}
                    onClick={() => removeColumn(c)}
                  >
                    Remove
                  </button>
                </td>
              ))}
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
      <div class="actions">
        <button type="button" class="button button--small" disabled={block.rows.length >= MAX_ROWS} onClick={addRow}>
          Add row
        </button>
        <button type="button" class="button button--small" disabled={columns >= MAX_COLUMNS} onClick={addColumn}>
          Add column
        </button>
      </div>
      <TextField
        label={`${label} caption`}
        value={block.caption ?? ''}
        hint="Plain text, shown under the table."
        onValue={(caption) => props.onBlock({ ...block, caption })}
      />
    </div>
  );
}
