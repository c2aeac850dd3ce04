//! What a client reads, as types: tests that read many fields of a response read them
//! from these instead of indexing JSON by string, so a renamed or retyped field fails
//! to parse with the field's name rather than comparing `null` with a value.
//! Only the fields tests read are here; others are ignored, as a client would.

use serde::Deserialize;
use serde_json::Value;

/// An author, section or tag as a story names it.
#[derive(Debug, Deserialize)]
pub struct Named {
    pub slug: String,
    pub name: String,
}

/// A photo as a story shows it.
#[derive(Debug, Deserialize)]
pub struct Picture {
    pub id: String,
    pub caption: String,
}

/// A story as the editor and reader APIs return it.
#[derive(Debug, Deserialize)]
pub struct Story {
    pub id: String,
    pub slug: String,
    pub status: String,
    pub version: i64,
    pub section: Option<Named>,
    #[serde(default)]
    pub tags: Vec<Named>,
    #[serde(default)]
    pub authors: Vec<Named>,
    pub featured_image: Option<Picture>,
    pub word_count: i64,
    pub reading_time_minutes: i64,
    /// Absent when `formats` leaves it out.
    pub body: Option<Vec<Value>>,
    pub body_html: Option<String>,
    pub body_text: Option<String>,
    /// The desk's view: signed-in reads only.
    pub stage: Option<String>,
    pub assignees: Option<Vec<Person>>,
}

/// A user as the desk shows them.
#[derive(Debug, Deserialize)]
pub struct Person {
    pub id: String,
}

/// What every story in a list carries, however it is shown.
#[derive(Debug, Deserialize)]
pub struct Listed {
    pub slug: String,
}

/// One page of a list.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
}

impl crate::helpers::Res {
    /// The body as `T`, failing with the field that did not fit.
    pub fn typed<T: serde::de::DeserializeOwned>(&self) -> T {
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(de)
            .unwrap_or_else(|e| panic!("not the expected shape ({e}): {}", self.text()))
    }
}

/// A JSON value already read (say, by a helper) as `T`.
pub fn typed<T: serde::de::DeserializeOwned>(value: &Value) -> T {
    serde_path_to_error::deserialize(value)
        .unwrap_or_else(|e| panic!("not the expected shape ({e}): {value}"))
}
