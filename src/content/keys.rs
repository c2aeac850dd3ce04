//! Surrogate keys: the names of what a public response shows, sent as `Surrogate-Key`
//! (Fastly, Varnish `xkey`) and `Cache-Tag` (Cloudflare), and the names a write
//! invalidates. A cached response is dropped (here and, through the purge worker, at
//! the CDN) when a write names any of its keys.
//!
//! | key | a response carrying it shows | a write names it when |
//! |---|---|---|
//! | `article:<id>` | the story itself (its page, a list or feed item, a collection item) | the story changes while public, or becomes or stops being public |
//! | `link:<id>` | a link to the story (previous/next, related, "Also Read") | its slug, headline, standfirst, publish time or lead photo change, or it becomes or stops being public |
//! | `page:<id>` | the story's own page (its previous/next) | a story lands next to it in its section, or leaves |
//! | `articles` | the list of every public story (and feeds of it) | a story enters or leaves it, or moves in time |
//! | `section-articles:<id>`, `tag-articles:<id>`, `author-articles:<id>` | stories of that section, tag or author (lists, feeds, counts, related-by-tag) | the same, for that section, tag or author |
//! | `section:<id>`, `tag:<id>`, `author:<id>` | that section, tag or author (its page, summaries in stories) | it is edited or deleted |
//! | `sections`, `tags`, `authors`, `collections` | the list of those | one is created, edited or deleted |
//! | `collection:<id>` | the collection's stories and settings | its order or settings change, an item expires, a prepared order goes live, an item's story becomes or stops being public |
//! | `entries:<id>` | a live story's entries (their list, Atom feed, structured data) | an entry is posted, edited or deleted |
//! | `search` | ranked search results | any public story changes |
//! | `changes` | the time of the latest syndicated change (feeds' `updated`) | a published or scheduled story changes |
//! | `*` | everything | a bulk load (import, seed) |

use std::collections::BTreeSet;

use crate::content::articles::model::ArticleResponse;

/// The response showing a story's content.
pub fn article(id: &str) -> String {
    format!("article:{id}")
}
/// A response linking to a story.
pub fn link(id: &str) -> String {
    format!("link:{id}")
}
/// A story's own page.
pub fn page(id: &str) -> String {
    format!("page:{id}")
}
/// The list of every public story.
pub const ARTICLES: &str = "articles";
/// Ranked search results.
pub const SEARCH: &str = "search";
/// The time of the latest syndicated change.
pub const CHANGES: &str = "changes";
pub const SECTIONS: &str = "sections";
pub const TAGS: &str = "tags";
pub const AUTHORS: &str = "authors";
pub const COLLECTIONS: &str = "collections";
/// The responses listing the translation group of the original `root`.
pub fn translations(root: &str) -> String {
    format!("translations:{root}")
}
/// A month's story sitemap (`/sitemaps/articles/{yyyy}-{mm}.xml`).
pub fn sitemap_month(at: chrono::NaiveDateTime) -> String {
    format!("sitemap:{}", at.format("%Y-%m"))
}
/// The Google News sitemap (the last 48 hours).
pub const SITEMAP_NEWS: &str = "sitemap:news";
/// A story's live-blog entries (their list, stream, feed and structured data).
pub fn entries(id: &str) -> String {
    format!("entries:{id}")
}
/// The publication's settings (a change to them invalidates everything anyway).
pub const SETTINGS: &str = "settings";
pub fn section(id: &str) -> String {
    format!("section:{id}")
}
pub fn tag(id: &str) -> String {
    format!("tag:{id}")
}
pub fn author(id: &str) -> String {
    format!("author:{id}")
}
pub fn collection(id: &str) -> String {
    format!("collection:{id}")
}
/// A section's own stories (not its subsections').
pub fn section_articles(id: &str) -> String {
    format!("section-articles:{id}")
}
pub fn tag_articles(id: &str) -> String {
    format!("tag-articles:{id}")
}
pub fn author_articles(id: &str) -> String {
    format!("author-articles:{id}")
}

/// What CDNs accept in one response header (Fastly and Cloudflare: 16 KB).
const HEADER_BUDGET: usize = 16 * 1024;

/// The keys of one response.
#[derive(Debug, Default, Clone)]
pub struct Keys(BTreeSet<String>);

impl Keys {
    pub fn new() -> Keys {
        Keys::default()
    }

    /// Adds one key.
    pub fn add(&mut self, key: impl Into<String>) -> &mut Keys {
        self.0.insert(key.into());
        self
    }

    /// Adds a story as a response shows it: its content, its section, tags and
    /// authors (their names are in it), and the stories its "Also Read" blocks show.
    pub fn story(&mut self, story: &ArticleResponse) -> &mut Keys {
        self.add(article(&story.id));
        if let Some(s) = &story.section {
            self.add(section(&s.id));
        }
        for t in &story.tags {
            self.add(tag(&t.id));
        }
        for a in &story.authors {
            self.add(author(&a.id));
        }
        for target in &story.links {
            self.add(link(target));
        }
        // A translation's page lists its group (and a render tells its group by this).
        if let Some(root) = &story.translation_of {
            self.add(translations(root));
        }
        if let Some(included) = &story.included {
            // Full records show counts too.
            for a in included.authors.iter().flatten() {
                self.add(author(&a.id)).add(author_articles(&a.id));
            }
            for t in included.tags.iter().flatten() {
                self.add(tag(&t.id)).add(tag_articles(&t.id));
            }
            if let Some(s) = &included.section {
                self.add(SECTIONS).add(section_articles(&s.id));
            }
        }
        self
    }

    /// Adds the keys of a list's membership: the stories of `scope` (by ids).
    pub fn list(
        &mut self,
        sections: Option<&[String]>,
        tag: Option<&str>,
        author: Option<&str>,
    ) -> &mut Keys {
        let mut any = false;
        for s in sections.into_iter().flatten() {
            self.add(section_articles(s));
            any = true;
        }
        if let Some(t) = tag {
            self.add(tag_articles(t));
            any = true;
        }
        if let Some(a) = author {
            self.add(author_articles(a));
            any = true;
        }
        if !any {
            self.add(ARTICLES);
        }
        self
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The header value: every key, space-separated. Past the CDNs' 16 KB, the
    /// summaries' keys give way to the lists' (a rename names both, so nothing goes
    /// stale; the response is merely purged by any rename of its kind).
    pub fn header(&self) -> String {
        let all = self.iter().collect::<Vec<_>>().join(" ");
        if all.len() <= HEADER_BUDGET {
            return all;
        }
        let mut coarse = BTreeSet::new();
        for key in self.iter() {
            let kept = match key.split_once(':') {
                Some(("section", _)) => SECTIONS,
                Some(("tag", _)) => TAGS,
                Some(("author", _)) => AUTHORS,
                _ => key,
            };
            coarse.insert(kept);
        }
        coarse.into_iter().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_header_trades_summary_keys_for_list_keys() {
        let mut keys = Keys::new();
        for i in 0..300 {
            keys.add(article(&format!("{i:032}")));
            keys.add(tag(&format!("{i:032}")));
        }
        let header = keys.header();
        assert!(header.len() <= HEADER_BUDGET, "{}", header.len());
        assert!(header.split(' ').any(|k| k == TAGS));
        assert!(!header.contains("tag:"));
        assert_eq!(
            header
                .split(' ')
                .filter(|k| k.starts_with("article:"))
                .count(),
            300
        );
        let mut short = Keys::new();
        short.add(tag("x")).add(ARTICLES);
        assert_eq!(short.header(), "articles tag:x");
    }
}
