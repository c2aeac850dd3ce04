// Small shared pieces: links that route in place, labelled fields, error notes, a
// loader hook and a polite live region for status ("Saved", "Uploaded").
import type { ComponentChildren, InputHTMLAttributes, TextareaHTMLAttributes } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api/client';
import { href, navigate } from './router';

let fieldIds = 0;
/** A stable id for a label/control pair. */
export function useId(prefix = 'f'): string {
  const ref = useRef<string>();
  if (!ref.current) ref.current = `${prefix}-${++fieldIds}`;
  return ref.current;
}

export function Link(props: { to: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined }) {
  const { to, children, ...rest } = props;
  return (
    <a
      {...rest}
      href={href(to)}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onInput' | 'value' | 'label'> & { 'data-focus'?: boolean };

/** A labelled text input; the API's message for the field shows under it. */
export function TextField(
  props: InputProps & {
    label: string;
    value: string;
    onValue: (value: string) => void;
    error?: string | undefined;
    hint?: string;
  },
) {
  const { label, value, onValue, error, hint, ...rest } = props;
  const id = useId();
  return (
    <div class={`field${error ? ' field--error' : ''}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        {...rest}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error || hint ? `${id}-note` : undefined}
        onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
      />
      {error || hint ? (
        <p id={`${id}-note`} class={error ? 'field__error' : 'field__hint'}>
          {error || hint}
        </p>
      ) : null}
    </div>
  );
}

type TextAreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'onInput' | 'value' | 'label'> & { 'data-focus'?: boolean };

/** A labelled textarea; the API's message for the field (or a hint) shows under it. */
export function TextArea(
  props: TextAreaProps & {
    label: string;
    value: string;
    onValue: (value: string) => void;
    error?: string | undefined;
    hint?: string;
  },
) {
  const { label, value, onValue, error, hint, rows, ...rest } = props;
  const id = useId();
  return (
    <div class={`field${error ? ' field--error' : ''}`}>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        {...rest}
        rows={rows ?? 3}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error || hint ? `${id}-note` : undefined}
        onInput={(e) => onValue((e.currentTarget as HTMLTextAreaElement).value)}
      />
      {error || hint ? (
        <p id={`${id}-note`} class={error ? 'field__error' : 'field__hint'}>
          {error || hint}
        </p>
      ) : null}
    </div>
  );
}

export function Select<T extends string>(props: {
  label: string;
  value: T;
  options: readonly (readonly [T, string])[];
  onValue: (value: T) => void;
  error?: string | undefined;
}) {
  const id = useId();
  return (
    <div class={`field${props.error ? ' field--error' : ''}`}>
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onValue((e.currentTarget as HTMLSelectElement).value as T)}>
        {props.options.map(([value, text]) => (
          <option value={value} key={value}>
            {text}
          </option>
        ))}
      </select>
      {props.error ? <p class="field__error">{props.error}</p> : null}
    </div>
  );
}

export function Checkbox(props: { label: string; checked: boolean; onValue: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div class="check">
      <input id={id} type="checkbox" checked={props.checked} onChange={(e) => props.onValue((e.currentTarget as HTMLInputElement).checked)} />
      <label for={id}>{props.label}</label>
    </div>
  );
}

/** What went wrong, with every field the API named. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const message = api ? api.message : error instanceof Error ? error.message : String(error);
  return (
    <div class="error-note" role="alert">
      <p>{message}</p>
      {api?.problem?.errors?.length && !(api.problem.errors.length === 1 && message.includes(api.problem.errors[0]!.message)) ? (
        <ul>
          {api.problem.errors.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Loads on mount and when `deps` change; `reload` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const ticket = useRef(0);
  const run = useCallback(() => {
    const mine = ++ticket.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === ticket.current && setState({ data, loading: false }),
      (error: unknown) => mine === ticket.current && setState({ error, loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run, set: (data: T) => setState({ data, loading: false }) };
}

const announcers = new Set<(message: string) => void>();
/** Says something in the polite live region (and the status line). */
export function announce(message: string) {
  announcers.forEach((a) => a(message));
}

export function LiveRegion() {
  const [message, setMessage] = useState('');
  useEffect(() => {
    const a = (m: string) => setMessage(m);
    announcers.add(a);
    return () => announcers.delete(a);
  }, []);
  return (
    <div class="visually-hidden" role="status" aria-live="polite">
      {message}
    </div>
  );
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
export function when(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** `<input type="datetime-local">` value for an RFC 3339 time, and back. */
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export function fromLocalInput(value: string): string | null {
  return value ? new Date(value).toISOString() : null;
}

export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const id = useId('dialog');
  return (
    <dialog
      ref={ref}
      class={props.wide ? 'dialog dialog--wide' : 'dialog'}
      aria-labelledby={id}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** A select of what can still be added, and its button (tags, byline, assignees). */
export function AddChoice(props: {
  label: string;
  placeholder: string;
  button: string;
  options: readonly { id: string; name: string }[];
  onAdd: (id: string) => void;
}) {
  const [adding, setAdding] = useState('');
  if (!props.options.length) return null;
  return (
    <div class="inline-form">
      <Select
        label={props.label}
        value={adding}
        options={[['', props.placeholder], ...props.options.map((o) => [o.id, o.name] as const)]}
        onValue={setAdding}
      />
      <button
        type="button"
        class="button button--small"
        disabled={!adding}
        onClick={() => {
          props.onAdd(adding);
          setAdding('');
        }}
      >
        {props.button}
      </button>
    </div>
  );
}
