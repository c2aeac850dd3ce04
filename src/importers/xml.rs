//! A small XML element tree for reading WordPress exports: elements with their
//! attributes and text (CDATA and entity references resolved), nesting bounded.

use quick_xml::Reader;
use quick_xml::events::Event;

/// An XML element, with its text (CDATA and entities resolved).
#[derive(Debug, Default)]
pub(super) struct Element {
    pub(super) name: String,
    pub(super) attrs: Vec<(String, String)>,
    pub(super) children: Vec<Element>,
    pub(super) text: String,
}

impl Element {
    pub(super) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(super) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of a child, if present and not empty.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Deepest element nesting read (WXR needs about six).
const MAX_DEPTH: usize = 64;

pub(super) fn parse_xml(raw: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(raw);
    let mut stack = vec![Element::default()];
    let at = |reader: &Reader<&[u8]>| reader.buffer_position();
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "not a WordPress export: XML error at byte {}: {e}",
                at(&reader)
            )
        })?;
        match event {
            Event::Start(start) => {
                // A WXR file is a few levels deep; a hostile one must not exhaust the stack.
                if stack.len() > MAX_DEPTH {
                    return Err(format!(
                        "not a WordPress export: elements nested more than {MAX_DEPTH} deep"
                    ));
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                let el = element(&start)?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(el);
                }
            }
            Event::End(_) => {
                let done = stack
                    .pop()
                    .ok_or("not a WordPress export: unbalanced XML")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Err("not a WordPress export: unbalanced XML".into()),
                }
            }
            Event::Text(text) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let entity = format!("&{};", &*reference);
                let resolved = quick_xml::escape::unescape(&entity)
                    .map_err(|e| format!("not a WordPress export: {e}"))?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match (stack.pop(), stack.is_empty()) {
        (Some(root), true) => Ok(root),
        _ => Err("not a WordPress export: the XML ends early".into()),
    }
}

fn element(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let name = start.name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("not a WordPress export: {e}"))?;
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("not a WordPress export: {e}"))?;
        attrs.push((attr.key.as_ref().to_owned(), value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        ..Element::default()
    })
}
