//! One generated story: headline, standfirst, body blocks rendered by the API's
//! renderer, section, byline, Zipf-drawn tags and the links the body makes.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::words::{Rng, Zipf, sentence};
use crate::content::articles::blocks::{self, Block, ImageInfo, Referenced};
use crate::content::slug::Slug;
use crate::store::new_id;

/// One generated story with its relations, ready to insert.
pub(super) struct Story {
    pub(super) id: String,
    pub(super) slug: String,
    pub(super) headline: String,
    pub(super) standfirst: String,
    pub(super) body: String,
    pub(super) html: String,
    pub(super) text: String,
    pub(super) words: i32,
    pub(super) minutes: i32,
    pub(super) published: bool,
    pub(super) at: NaiveDateTime,
    pub(super) section: String,
    pub(super) image: String,
    pub(super) authors: Vec<String>,
    pub(super) tags: Vec<String>,
    pub(super) links: Vec<(&'static str, String)>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn story(
    rng: &mut Rng,
    n: usize,
    at: NaiveDateTime,
    earlier: &[String],
    sections: &[String],
    authors: &[String],
    tags: &[String],
    zipf: &Zipf,
    photos: &[(String, ImageInfo)],
) -> Story {
    let headline = {
        let count = rng.between(5, 9);
        let mut h = sentence(rng, count);
        h.pop();
        h
    };
    let count = rng.between(14, 24);
    let standfirst = sentence(rng, count);
    let target_words = rng.between(300, 1500);
    let mut body = Vec::new();
    let mut words = 0;
    let mut links = Vec::new();
    let image_at = rng.between(1, 3);
    let related_at = rng.between(2, 5);
    while words < target_words {
        let len = rng.between(40, 110);
        let mut paragraph = String::new();
        let mut left = len;
        while left > 0 {
            let w = rng.between(6, 18).min(left);
            if !paragraph.is_empty() {
                paragraph.push(' ');
            }
            paragraph.push_str(&sentence(rng, w));
            left -= w;
        }
        body.push(Block::Paragraph { html: paragraph });
        words += len;
        if body.len() == image_at {
            let (id, _) = rng.pick(photos);
            links.push(("image", id.clone()));
            body.push(Block::Image {
                image_id: id.clone(),
                caption: None,
                credit: None,
                image: None,
            });
        }
        if body.len() == related_at && !earlier.is_empty() {
            let target = earlier[earlier.len() - 1 - rng.below(earlier.len().min(500))].clone();
            links.push(("article", target.clone()));
            body.push(Block::Related {
                article_id: target,
                label: Some("Also Read".into()),
                target: None,
            });
        }
        if body.len() % 6 == 4 {
            body.push(Block::Heading {
                level: 2,
                text: sentence(rng, 4).trim_end_matches('.').to_owned(),
            });
        }
        if body.len() % 9 == 7 {
            body.push(Block::Quote {
                text: sentence(rng, 10),
                attribution: Some("A spokesperson".into()),
            });
        }
    }
    let pictures: HashMap<&str, &ImageInfo> = photos
        .iter()
        .map(|(id, info)| (id.as_str(), info))
        .collect();
    let image = |id: &str| pictures.get(id).map(|i| (*i).clone());
    let rendered = blocks::render(&body, &standfirst, &Referenced { image: &image });
    let featured = rng.pick(photos).0.clone();
    links.push(("image", featured.clone()));
    links.sort();
    links.dedup();
    let mut story_tags = Vec::new();
    for _ in 0..rng.between(1, 5) {
        let tag = tags[zipf.sample(rng)].clone();
        if !story_tags.contains(&tag) {
            story_tags.push(tag);
        }
    }
    let mut story_authors = vec![rng.pick(authors).clone()];
    if rng.below(4) == 0 {
        let second = rng.pick(authors).clone();
        if second != story_authors[0] {
            story_authors.push(second);
        }
    }
    let slug = Slug::derive(&headline)
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "story".into());
    Story {
        id: new_id(),
        slug: format!("{}-{n}", &slug[..slug.len().min(80)].trim_end_matches('-')),
        body: serde_json::to_string(&body).unwrap_or_else(|_| "[]".into()),
        html: rendered.html,
        text: rendered.text,
        words: rendered.word_count,
        minutes: rendered.reading_time_minutes,
        published: rng.below(20) != 0,
        at,
        section: rng.pick(sections).clone(),
        image: featured,
        headline,
        standfirst,
        authors: story_authors,
        tags: story_tags,
        links,
    }
}
