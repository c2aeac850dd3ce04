// A colleague saved the same story first and changed a field this editor changed too.
// Every such field is shown both ways; the editor keeps theirs, takes the colleague's,
// keeps both (the body: every block of both, none dropped) or writes the field by hand.
import { useEffect, useState } from 'preact/hooks';
import type { Block } from '../api/client';
import { blockText } from '../blocks/model';
import { authors, sections, tags } from '../lookups';
import { Dialog, useId } from '../ui';
import { FIELD_LABEL, describe, unionBlocks, type FieldName, type Payload } from './draft';

export type Resolution = Partial<Payload>;
type Choice = 'mine' | 'theirs' | 'both' | 'hand';

function BlockTexts({ blocks }: { blocks: Block[] }) {
  return (
    <ol class="conflict__blocks">
      {blocks.map((b, i) => (
        <li key={i}>{blockText(b) || '(empty)'}</li>
      ))}
    </ol>
  );
}

function FieldChoice(props: {
  field: FieldName;
  mine: unknown;
  theirs: unknown;
  choice: Choice;
  hand: string;
  onChoice: (c: Choice) => void;
  onHand: (text: string) => void;
  names: (id: string) => string;
}) {
  const { field } = props;
  const name = useId('choice');
  const text = typeof props.mine === 'string';
  const options: [Choice, string][] = [
    ['mine', 'Keep mine'],
    ['theirs', 'Take theirs'],
  ];
  if (field === 'body') options.push(['both', 'Keep both (every block of each)']);
  if (text) options.push(['hand', 'Merge by hand']);
  return (
    <fieldset class="conflict__field">
      <legend>{FIELD_LABEL[field]}</legend>
      <div class="conflict__sides">
        <div>
          <h3>Yours</h3>
          {field === 'body' ? <BlockTexts blocks={props.mine as Block[]} /> : <p>{describe(field, props.mine, props.names)}</p>}
        </div>
        <div>
          <h3>Theirs</h3>
          {field === 'body' ? <BlockTexts blocks={props.theirs as Block[]} /> : <p>{describe(field, props.theirs, props.names)}</p>}
        </div>
      </div>
      <div class="conflict__choices">
        {options.map(([value, label]) => (
          <label key={value} class="check">
            <input type="radio" name={name} value={value} checked={props.choice === value} onChange={() => props.onChoice(value)} />
            {label}
          </label>
        ))}
      </div>
      {props.choice === 'hand' ? (
        <div class="field">
          <label for={`${name}-hand`}>{FIELD_LABEL[field]}, merged</label>
          <textarea
            id={`${name}-hand`}
            rows={4}
            value={props.hand}
            onInput={(e) => props.onHand((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </div>
      ) : null}
    </fieldset>
  );
}

export function ConflictDialog(props: {
  conflict: { mine: Payload; theirs: Payload; base: Payload; fields: FieldName[] };
  onResolve: (r: Resolution) => void;
}) {
  const { mine, theirs, base, fields } = props.conflict;
  const [choices, setChoices] = useState<Record<string, Choice>>(() =>
    Object.fromEntries(fields.map((f) => [f, f === 'body' ? 'both' : 'mine'])),
  );
  const [hand, setHand] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.filter((f) => typeof mine[f] === 'string').map((f) => [f, `${mine[f] as string}\n${theirs[f] as string}`])),
  );
  const [names, setNames] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    Promise.all([sections(), tags(), authors()]).then(
      (lists) => setNames(new Map(lists.flat().map((o) => [o.id, o.name.replace(/^(— )+/, '')]))),
      () => undefined,
    );
  }, []);

  const resolution = (all?: 'mine' | 'theirs'): Resolution => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const c = all ?? choices[f];
      out[f] =
        c === 'theirs'
          ? theirs[f]
          : c === 'both'
            ? unionBlocks(mine.body, theirs.body, base.body)
            : c === 'hand'
              ? hand[f]
              : mine[f];
    }
    return out as Resolution;
  };

  return (
    <Dialog title="Someone else saved this story while you were editing" onClose={() => undefined} wide>
      <p>
        Their changes to other fields are already in your draft. These fields were changed by both of you: choose what to
        keep. Nothing is saved until you choose, and every earlier version stays in the revisions.
      </p>
      <div class="actions">
        <button type="button" class="button" onClick={() => props.onResolve(resolution('mine'))}>
          Keep all mine
        </button>
        <button type="button" class="button" onClick={() => props.onResolve(resolution('theirs'))}>
          Take all theirs
        </button>
      </div>
      {fields.map((f) => (
        <FieldChoice
          key={f}
          field={f}
          mine={mine[f]}
          theirs={theirs[f]}
          choice={choices[f] ?? 'mine'}
          hand={hand[f] ?? ''}
          onChoice={(c) => setChoices((x) => ({ ...x, [f]: c }))}
          onHand={(t) => setHand((x) => ({ ...x, [f]: t }))}
          names={(id) => names.get(id) ?? id}
        />
      ))}
      <div class="actions">
        <button type="button" class="button button--primary" onClick={() => props.onResolve(resolution())}>
          Save these choices
        </button>
      </div>
    </Dialog>
  );
}
