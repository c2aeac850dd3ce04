//! What changed between two revisions of a story: field by field, and the body block
//! by block (blocks matched by content, so a moved block reads as moved rather than
//! as one removed and one added), with the changed words of a text block marked.

use serde::Serialize;
use serde_json::{Value, json};
use similar::{Algorithm, DiffTag, TextDiff, capture_diff_slices};
use utoipa::ToSchema;

use super::model::Snapshot;

/// One field that differs.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChange {
    /// `headline`, `seo.title`, `tags` (ids), …
    pub field: String,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
}

/// A run of words, as the later revision has them (`equal`, `added`) or as the
/// earlier one had them (`removed`).
#[derive(Debug, Serialize, ToSchema)]
pub struct WordChange {
    /// `equal`, `added` or `removed`.
    pub op: &'static str,
    pub text: String,
}

/// One body block that differs.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlockChange {
    /// Its position in the later revision (for `removed`, in the earlier one).
    pub index: usize,
    /// `added`, `removed`, `changed` or `moved`.
    pub change: &'static str,
    /// For `moved`: its position in the earlier revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    /// For a changed text block: its words, with what changed marked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<WordChange>>,
}

/// Revision `to` against revision `from`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionDiff {
    pub from: i32,
    pub to: i32,
    pub fields: Vec<FieldChange>,
    pub blocks: Vec<BlockChange>,
}

fn fields_of(s: &Snapshot) -> Vec<(&'static str, Value)> {
    let a = &s.article;
    let corrections: Value = serde_json::from_str(&a.corrections).unwrap_or(json!([]));
    vec![
        ("headline", json!(a.headline)),
        ("slug", json!(a.slug)),
        ("standfirst", json!(a.standfirst)),
        ("status", json!(a.status)),
        ("stage", json!(a.stage)),
        ("section", json!(a.section_id)),
        ("tags", json!(s.tags)),
        ("authors", json!(s.authors)),
        ("source", json!(a.source)),
        ("featured_image", json!(a.featured_image_id)),
        ("canonical_url", json!(a.canonical_url)),
        ("seo.title", json!(a.seo_title)),
        ("seo.description", json!(a.seo_description)),
        (
            "embargo_until",
            json!(a.embargo_until.map(crate::http::utc)),
        ),
        ("published_at", json!(a.published_at.map(crate::http::utc))),
        ("corrections", corrections),
    ]
}

/// The words a block shows, for marking what changed in it.
fn words_of(block: &Value) -> Option<String> {
    let text = match block["type"].as_str()? {
        "paragraph" => strip_tags(block["html"].as_str()?),
        "heading" | "quote" => block["text"].as_str()?.to_owned(),
        "list" => block["items"]
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .map(strip_tags)
            .collect::<Vec<_>>()
            .join("\n"),
        "table" => block["rows"]
            .as_array()?
            .iter()
            .filter_map(Value::as_array)
            .map(|row| {
                row.iter()
                    .filter_map(Value::as_str)
                    .map(strip_tags)
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect::<Vec<_>>()
            .join("\n"),
        "code" => block["text"].as_str()?.to_owned(),
        "image" | "embed" => block["caption"].as_str()?.to_owned(),
        _ => return None,
    };
    Some(text)
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

fn word_changes(before: &str, after: &str) -> Vec<WordChange> {
    let diff = TextDiff::from_words(before, after);
    let mut out: Vec<WordChange> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            similar::ChangeTag::Equal => "equal",
            similar::ChangeTag::Insert => "added",
            similar::ChangeTag::Delete => "removed",
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => out.push(WordChange {
                op,
                text: change.value().to_owned(),
            }),
        }
    }
    out
}

fn body_of(s: &Snapshot) -> Vec<Value> {
    serde_json::from_str(&s.article.body).unwrap_or_default()
}

/// Compares the body blocks of two revisions.
fn block_changes(before: &[Value], after: &[Value]) -> Vec<BlockChange> {
    let keys = |blocks: &[Value]| -> Vec<String> { blocks.iter().map(Value::to_string).collect() };
    let (old, new) = (keys(before), keys(after));
    let mut removed: Vec<usize> = Vec::new();
    let mut added: Vec<usize> = Vec::new();
    let mut changed: Vec<(usize, usize)> = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, &old, &new) {
        let (tag, olds, news) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {}
            DiffTag::Delete => removed.extend(olds),
            DiffTag::Insert => added.extend(news),
            DiffTag::Replace => {
                // Side by side, a block of the same type is that block edited.
                let (olds, news): (Vec<usize>, Vec<usize>) = (olds.collect(), news.collect());
                for (i, &o) in olds.iter().enumerate() {
                    match news.get(i) {
                        Some(&n) if before[o]["type"] == after[n]["type"] => changed.push((o, n)),
                        Some(&n) => {
                            removed.push(o);
                            added.push(n);
                        }
                        None => removed.push(o),
                    }
                }
                added.extend(news.iter().skip(olds.len()));
            }
        }
    }
    let mut out = Vec::new();
    // A block removed in one place and added unchanged in another moved.
    let mut moved: Vec<(usize, usize)> = Vec::new();
    added.retain(|&n| match removed.iter().position(|&o| old[o] == new[n]) {
        Some(at) => {
            moved.push((removed.remove(at), n));
            false
        }
        None => true,
    });
    // What is left over on both sides and alike (same type, mostly the same words) is
    // one block edited, wherever it went.
    removed.retain(|&o| {
        let best = added
            .iter()
            .enumerate()
            .filter(|(_, n)| before[o]["type"] == after[**n]["type"])
            .map(|(at, &n)| {
                let alike = match (words_of(&before[o]), words_of(&after[n])) {
                    (Some(b), Some(a)) => TextDiff::from_words(&b, &a).ratio(),
                    _ => 1.0,
                };
                (at, n, alike)
            })
            .filter(|(_, _, alike)| *alike >= 0.5)
            .max_by(|x, y| x.2.total_cmp(&y.2));
        match best {
            Some((at, n, _)) => {
                added.remove(at);
                changed.push((o, n));
                false
            }
            None => true,
        }
    });
    for o in removed {
        out.push(BlockChange {
            index: o,
            change: "removed",
            from: None,
            before: Some(before[o].clone()),
            after: None,
            words: None,
        });
    }
    for n in added {
        out.push(BlockChange {
            index: n,
            change: "added",
            from: None,
            before: None,
            after: Some(after[n].clone()),
            words: None,
        });
    }
    for (o, n) in moved {
        out.push(BlockChange {
            index: n,
            change: "moved",
            from: Some(o),
            before: None,
            after: Some(after[n].clone()),
            words: None,
        });
    }
    for (o, n) in changed {
        let words = words_of(&before[o])
            .zip(words_of(&after[n]))
            .map(|(b, a)| word_changes(&b, &a));
        out.push(BlockChange {
            index: n,
            change: "changed",
            from: None,
            before: Some(before[o].clone()),
            after: Some(after[n].clone()),
            words,
        });
    }
    out.sort_by_key(|c| (c.index, c.change == "removed"));
    out
}

/// What changed from revision `from` (its snapshot `before`) to `to` (`after`).
pub fn compare(from: i32, before: &Snapshot, to: i32, after: &Snapshot) -> RevisionDiff {
    let fields = fields_of(before)
        .into_iter()
        .zip(fields_of(after))
        .filter(|((_, b), (_, a))| b != a)
        .map(|((field, before), (_, after))| FieldChange {
            field: field.to_owned(),
            before,
            after,
        })
        .collect();
    RevisionDiff {
        from,
        to,
        fields,
        blocks: block_changes(&body_of(before), &body_of(after)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(text: &str) -> Value {
        json!({"type": "paragraph", "html": text})
    }

    #[test]
    fn blocks_are_matched_moved_and_word_diffed() {
        let before = [para("One."), para("Two words here."), para("Three.")];
        let after = [
            para("Three."),
            para("One."),
            para("Two new words here."),
            json!({"type": "heading", "level": 2, "text": "New"}),
        ];
        let changes = block_changes(&before, &after);
        let kinds: Vec<(usize, &str)> = changes.iter().map(|c| (c.index, c.change)).collect();
        // Either "Three went up" or "One went down" is true; the diff says the latter.
        assert_eq!(kinds, [(1, "moved"), (2, "changed"), (3, "added")]);
        let words = changes[1].words.as_ref().unwrap();
        assert!(
            words
                .iter()
                .any(|w| w.op == "added" && w.text.contains("new")),
            "{words:?}"
        );
        assert!(words.iter().all(|w| w.op != "removed"), "{words:?}");
    }

    #[test]
    fn tags_are_not_words() {
        assert_eq!(
            strip_tags("A <strong>bold</strong> &amp; true"),
            "A bold & true"
        );
    }
}
