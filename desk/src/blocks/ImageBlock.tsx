// A photo in the body (upload or pick from the library, caption and credit for this
// use), and the pieces the media library shares with it: the photo with its focal
// point, and the photo's own alt text.
import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Block, type Image } from '../api/client';
import { LibraryPicker, UploadZone, thumb } from '../pickers';
import { TextField, announce } from '../ui';

const imageCache = new Map<string, Promise<Image>>();
function loadImage(id: string): Promise<Image> {
  let hit = imageCache.get(id);
  if (!hit) {
    hit = ok(api.GET('/api/v1/images/{id}', { params: { path: { id } } }));
    imageCache.set(id, hit);
  }
  return hit;
}

export function ImageBlockEditor(props: { block: Extract<Block, { type: 'image' }>; position: number; onBlock: (b: Block) => void }) {
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
