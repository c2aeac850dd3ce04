// The media library: a grid searched by caption, credit or alt text, uploads of several
// files at once with their progress, and a photo's alt text, caption, credit and focal
// point (a click on the photo) edited in place.
import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Image } from '../api/client';
import { FocalPhoto } from '../blocks/ImageBlock';
import { UploadZone, thumb } from '../pickers';
import { ErrorNote, Link, TextArea, TextField, announce, useLoad, when } from '../ui';

function ImageEditor({ image, onImage, onDeleted }: { image: Image; onImage: (i: Image) => void; onDeleted: () => void }) {
  const [alt, setAlt] = useState(image.alt);
  const [caption, setCaption] = useState(image.caption);
  const [credit, setCredit] = useState(image.credit);
  const [error, setError] = useState<unknown>(null);
  const usage = useLoad(() => ok(api.GET('/api/v1/images/{id}/usage', { params: { path: { id: image.id } } })), [image.id]);
  const uses = usage.data ? usage.data.stories.length + (usage.data.logo ? 1 : 0) : 0;
  useEffect(() => {
    setAlt(image.alt);
    setCaption(image.caption);
    setCredit(image.credit);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [image.id]);
  return (
    <section class="media__editor" aria-label="Selected photo">
      <h2>{image.alt || image.caption || 'Photo'}</h2>
      <FocalPhoto image={image} onImage={onImage} />
      <p class="muted small">
        {image.width}×{image.height}, {image.mime}, {Math.round(image.bytes / 1024)} KB, uploaded {when(image.created_at)}. Click the
        photo to set the point crops keep in view.
      </p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            onImage(
              await ok(
                api.PATCH('/api/v1/images/{id}', {
                  params: { path: { id: image.id } },
                  body: { alt, caption, credit, version: image.version },
                }),
              ),
            );
            setError(null);
            announce('Photo saved');
          } catch (err) {
            setError(err);
          }
        }}
      >
        <TextField label="Alt text" value={alt} onValue={setAlt} />
        <TextArea label="Caption" value={caption} onValue={setCaption} rows={2} />
        <TextField label="Credit" value={credit} onValue={setCredit} />
        <div class="actions">
          <button type="submit" class="button button--primary">
            Save photo details
          </button>
          <button
            type="button"
            class="button button--danger"
            disabled={uses > 0}
            aria-describedby="photo-usage"
            onClick={async () => {
              try {
                await ok(api.DELETE('/api/v1/images/{id}', { params: { path: { id: image.id } } }));
                announce('Photo deleted');
                onDeleted();
              } catch (err) {
                setError(err);
              }
            }}
          >
            Delete photo
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      <div id="photo-usage">
        <h3>Where it is used</h3>
        {usage.data ? (
          uses ? (
            <>
              <ul class="plain">
                {usage.data.logo ? <li>The publication's logo (Settings)</li> : null}
                {usage.data.stories.map((s) => (
                  <li key={s.id}>
                    <Link to={`/stories/${s.id}`}>{s.headline}</Link> <span class="muted small">{s.status}</span>
                  </li>
                ))}
              </ul>
              <p class="muted small">A photo in use cannot be deleted: take it out of these first.</p>
            </>
          ) : (
            <p class="muted">Not used anywhere yet.</p>
          )
        ) : (
          <ErrorNote error={usage.error} />
        )}
      </div>
    </section>
  );
}

export function MediaView() {
  const [q, setQ] = useState('');
  const [images, setImages] = useState<Image[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [selected, setSelected] = useState<Image | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = async (after: string | null) => {
    try {
      const page = await ok(
        api.GET('/api/v1/images', { params: { query: { limit: 24, ...(q.trim() ? { q: q.trim() } : {}), ...(after ? { cursor: after } : {}) } } }),
      );
      setImages((old) => (after ? [...old, ...page.data] : page.data));
      setCursor(page.next_cursor ?? null);
      setError(null);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    const t = setTimeout(() => load(null), 250);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q]);
  const replace = (i: Image) => {
    setImages((list) => list.map((x) => (x.id === i.id ? i : x)));
    setSelected(i);
  };
  return (
    <section class="media">
      <h1>Media</h1>
      <UploadZone
        label="Upload photos"
        multiple
        onUploaded={(image) => {
          setImages((list) => [image, ...list.filter((x) => x.id !== image.id)]);
          announce(`Uploaded ${image.width}×${image.height} photo`);
        }}
      />
      <TextField label="Search photos" type="search" value={q} onValue={setQ} />
      <ErrorNote error={error} />
      <div class="media__layout">
        <ul class="media__grid" aria-label="Photos">
          {images.map((image) => (
            <li key={image.id}>
              <button
                type="button"
                class={`media__tile${selected?.id === image.id ? ' media__tile--selected' : ''}`}
                aria-pressed={selected?.id === image.id ? 'true' : 'false'}
                onClick={() => setSelected(image)}
              >
                <img src={thumb(image)} alt="" loading="lazy" width={160} height={110} />
                <span>{image.alt || image.caption || 'Untitled photo'}</span>
              </button>
            </li>
          ))}
        </ul>
        {selected ? (
          <ImageEditor
            key={selected.id}
            image={selected}
            onImage={replace}
            onDeleted={() => {
              setImages((list) => list.filter((x) => x.id !== selected.id));
              setSelected(null);
            }}
          />
        ) : null}
      </div>
      {images.length === 0 ? <p class="muted">No photos.</p> : null}
      {cursor ? (
        <button type="button" class="button" onClick={() => load(cursor)}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
