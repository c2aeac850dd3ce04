// The story's metadata: section, tags, byline (ordered), source, language, access,
// featured image, SEO and canonical URL, and whether it is a live blog.
import { useEffect, useState } from 'preact/hooks';
import { api, ok, type Article, type Image } from '../api/client';
import { FocalPhoto } from '../blocks/ImageBlock';
import { authors, sections, tags, type Option } from '../lookups';
import { LibraryPicker, UploadZone } from '../pickers';
import { AddChoice, ErrorNote, Select, TextArea, TextField, announce } from '../ui';
import type { Fields } from './draft';

function Chips(props: {
  label: string;
  ids: string[];
  options: Option[];
  ordered?: boolean;
  onIds: (ids: string[]) => void;
}) {
  const name = (id: string) => props.options.find((o) => o.id === id)?.name.replace(/^(— )+/, '') ?? id;
  const move = (i: number, to: number) => {
    const next = [...props.ids];
    const [x] = next.splice(i, 1);
    next.splice(to, 0, x!);
    props.onIds(next);
  };
  const rest = props.options.filter((o) => !props.ids.includes(o.id));
  return (
    <div class="chipfield">
      <h3 class="panel__sub">{props.label}</h3>
      <ul class="chips" aria-label={props.label}>
        {props.ids.map((id, i) => (
          <li key={id}>
            {name(id)}
            {props.ordered && i > 0 ? (
              <button type="button" class="button button--small" aria-label={`Move ${name(id)} earlier`} onClick={() => move(i, i - 1)}>
                Earlier
              </button>
            ) : null}
            <button
              type="button"
              class="button button--small"
              aria-label={`Remove ${name(id)}`}
              onClick={() => props.onIds(props.ids.filter((x) => x !== id))}
            >
              Remove
            </button>
          </li>
        ))}
        {props.ids.length === 0 ? <li class="muted">None</li> : null}
      </ul>
      <AddChoice
        label={`Add to ${props.label.toLowerCase()}`}
        placeholder="Choose…"
        button="Add"
        options={rest}
        onAdd={(id) => props.onIds([...props.ids, id])}
      />
    </div>
  );
}

export function DetailsPanel(props: {
  fields: Fields;
  set: <K extends keyof Fields>(key: K, value: Fields[K]) => void;
  mode: 'story' | 'copy';
  readOnly: boolean;
  article: Article;
  onArticle: (a: Article) => void;
}) {
  const { fields, set, article } = props;
  const [sectionOptions, setSections] = useState<Option[]>([]);
  const [tagOptions, setTags] = useState<Option[]>([]);
  const [authorOptions, setAuthors] = useState<Option[]>([]);
  const [featured, setFeatured] = useState<Image | null>(null);
  const [choosing, setChoosing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    sections().then(setSections, () => undefined);
    tags().then(setTags, () => undefined);
    authors().then(setAuthors, () => undefined);
  }, []);
  useEffect(() => {
    if (!fields.featured_image) {
      setFeatured(null);
      return;
    }
    if (featured?.id === fields.featured_image) return;
    ok(api.GET('/api/v1/images/{id}', { params: { path: { id: fields.featured_image } } })).then(setFeatured, () => undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fields.featured_image]);

  const setLive = async (state: 'live' | 'ended' | null) => {
    try {
      props.onArticle(
        await ok(
          api.PATCH('/api/v1/articles/{key}', {
            params: { path: { key: article.id } },
            body: { live: state ? { state } : null, version: article.version },
          }),
        ),
      );
      setError(null);
      announce(state === 'live' ? 'Live coverage on' : state === 'ended' ? 'Live coverage ended' : 'No longer a live blog');
    } catch (err) {
      setError(err);
    }
  };
  const pick = (image: Image) => {
    setFeatured(image);
    setChoosing(false);
    set('featured_image', image.id);
  };

  return (
    <details class="panel" open>
      <summary>Details</summary>
      <fieldset disabled={props.readOnly} class="bare">
        <legend class="visually-hidden">Details</legend>
        <Select
          label="Section"
          value={fields.section ?? ''}
          options={[['', 'No section'], ...sectionOptions.map((s) => [s.id, s.name] as const)]}
          onValue={(v) => set('section', v || null)}
        />
        <Chips label="Tags" ids={fields.tags} options={tagOptions} onIds={(ids) => set('tags', ids)} />
        <Chips label="Byline" ordered ids={fields.authors} options={authorOptions} onIds={(ids) => set('authors', ids)} />
        <TextField label="Source (credit line)" value={fields.source} onValue={(v) => set('source', v)} />
        {props.mode === 'story' ? (
          <>
            <TextField label="Language (BCP 47)" value={fields.language} onValue={(v) => set('language', v)} />
            <Select
              label="Access"
              value={fields.access}
              options={[
                ['public', 'Public'],
                ['members', 'Members'],
                ['paid', 'Paid'],
              ]}
              onValue={(v) => set('access', v)}
            />
          </>
        ) : null}
        <h3 class="panel__sub">Featured image</h3>
        {featured && !choosing ? (
          <div>
            <FocalPhoto image={featured} onImage={setFeatured} />
            <button type="button" class="button button--small" onClick={() => setChoosing(true)}>
              Replace featured image
            </button>{' '}
            <button type="button" class="button button--small" onClick={() => set('featured_image', null)}>
              Remove featured image
            </button>
          </div>
        ) : (
          <div>
            <UploadZone label="Featured image: upload a photo" onUploaded={pick} />
            <details>
              <summary>Choose the featured image from the library</summary>
              <LibraryPicker onPick={pick} />
            </details>
          </div>
        )}
        <TextField label="SEO title" value={fields.seo_title} onValue={(v) => set('seo_title', v)} />
        <TextArea label="SEO description" value={fields.seo_description} onValue={(v) => set('seo_description', v)} rows={2} />
        <TextField label="Canonical URL" type="url" value={fields.canonical_url} onValue={(v) => set('canonical_url', v)} />
      </fieldset>
      {props.mode === 'story' ? (
        <div class="live-toggle">
          <h3 class="panel__sub">Live coverage</h3>
          {article.live ? (
            <p>
              This story is a live blog ({article.live.state}).{' '}
              {article.live.state === 'live' ? (
                <button type="button" class="button button--small" onClick={() => setLive('ended')}>
                  End live coverage
                </button>
              ) : (
                <button type="button" class="button button--small" onClick={() => setLive('live')}>
                  Resume live coverage
                </button>
              )}{' '}
              <button type="button" class="button button--small" onClick={() => setLive(null)}>
                No longer a live blog
              </button>
            </p>
          ) : (
            <button type="button" class="button button--small" onClick={() => setLive('live')}>
              Make this a live blog
            </button>
          )}
        </div>
      ) : null}
      <ErrorNote error={error} />
    </details>
  );
}
