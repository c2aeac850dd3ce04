// Finding a story by headline and choosing or uploading a photo: used by the body's
// "Also Read" and image blocks, collections and the featured image.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok, uploadImage, type Article, type Image } from './api/client';
import { ErrorNote, TextField, useId } from './ui';

/** Search stories by words in the headline; `onPick` gets the chosen one. */
export function StoryPicker(props: {
  label: string;
  onPick: (article: Article) => void;
  publishedOnly?: boolean;
  exclude?: string[];
}) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Article[]>([]);
  const [error, setError] = useState<unknown>(null);
  const listId = useId('results');
  useEffect(() => {
    const words = q.trim();
    if (!words) {
      setResults([]);
      return;
    }
    const t = setTimeout(async () => {
      try {
        const page = await ok(
          api.GET('/api/v1/articles', {
            params: { query: { q: words, limit: 8, ...(props.publishedOnly ? { status: 'published' as const } : {}) } },
          }),
        );
        setResults(page.data.filter((a) => !props.exclude?.includes(a.id)));
        setError(null);
      } catch (err) {
        setError(err);
      }
    }, 250);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);
  return (
    <div class="picker">
      <TextField label={props.label} type="search" value={q} onValue={setQ} aria-controls={listId} />
      <ErrorNote error={error} />
      <ul id={listId} class="picker__results" aria-label="Stories found">
        {results.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              class="button button--quiet"
              onClick={() => {
                props.onPick(a);
                setQ('');
              }}
            >
              Choose “{a.headline}”
            </button>
            <span class="muted"> {a.status}</span>
          </li>
        ))}
      </ul>
      {q.trim() && results.length === 0 ? <p class="muted">No story found yet.</p> : null}
    </div>
  );
}

/** Upload (a file input, or files dropped on the zone) with progress. */
export function UploadZone(props: { label: string; multiple?: boolean; onUploaded: (image: Image) => void }) {
  const [progress, setProgress] = useState<{ name: string; fraction: number }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [over, setOver] = useState(false);
  const id = useId('upload');
  const send = async (files: File[]) => {
    setError(null);
    setProgress(files.map((f) => ({ name: f.name, fraction: 0 })));
    await Promise.all(
      files.map(async (file, i) => {
        try {
          const image = await uploadImage(file, {}, (fraction) =>
            setProgress((p) => p.map((x, j) => (j === i ? { ...x, fraction } : x))),
          );
          props.onUploaded(image);
        } catch (err) {
          setError(err);
        }
      }),
    );
    setProgress([]);
  };
  return (
    <div
      class={`dropzone${over ? ' dropzone--over' : ''}`}
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes('Files')) {
          e.preventDefault();
          setOver(true);
        }
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        const files = [...(e.dataTransfer?.files ?? [])];
        if (!files.length) return;
        e.preventDefault();
        setOver(false);
        send(props.multiple ? files : files.slice(0, 1));
      }}
    >
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="file"
        accept="image/jpeg,image/png,image/webp,image/gif"
        multiple={props.multiple}
        onChange={(e) => {
          const input = e.currentTarget as HTMLInputElement;
          const files = [...(input.files ?? [])];
          input.value = '';
          if (files.length) send(files);
        }}
      />
      <p class="muted">or drop {props.multiple ? 'photos' : 'a photo'} here</p>
      {progress.map((p) => (
        <div key={p.name} class="progress">
          <span>{p.name}</span>
          <progress max={1} value={p.fraction} aria-label={`Uploading ${p.name}`} />
        </div>
      ))}
      <ErrorNote error={error} />
    </div>
  );
}

/** Photos from the library, searched by caption, credit or alt text. */
export function LibraryPicker(props: { onPick: (image: Image) => void }) {
  const [q, setQ] = useState('');
  const [images, setImages] = useState<Image[]>([]);
  const ticket = useRef(0);
  useEffect(() => {
    const mine = ++ticket.current;
    const t = setTimeout(async () => {
      const page = await ok(api.GET('/api/v1/images', { params: { query: { limit: 12, ...(q.trim() ? { q: q.trim() } : {}) } } }));
      if (mine === ticket.current) setImages(page.data);
    }, 200);
    return () => clearTimeout(t);
  }, [q]);
  return (
    <div class="library">
      <TextField label="Search the library" type="search" value={q} onValue={setQ} />
      <ul class="library__grid">
        {images.map((image) => (
          <li key={image.id}>
            <button type="button" class="library__pick" onClick={() => props.onPick(image)}>
              <img src={thumb(image)} alt="" width={120} height={80} />
              <span>Use {image.alt || image.caption || 'this photo'}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The smallest rendition at least `width` wide (or the original). */
export function thumb(image: { url: string; renditions?: { width: number; url: string }[] }, width = 320): string {
  const fit = image.renditions?.filter((r) => r.width >= width).sort((a, b) => a.width - b.width)[0];
  return fit?.url ?? image.url;
}
