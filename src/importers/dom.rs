//! The cleaned HTML an importer reads (ammonia's output, so well-formed), as a small
//! tree: its tokens, and the elements and text they make. The HTML reader in `html.rs`
//! walks it.

use crate::content::articles::blocks::unescape;

#[derive(Debug, PartialEq)]
pub(super) enum Token<'a> {
    Start(String, Vec<(String, String)>),
    End(String),
    /// Escaped text, as the serializer wrote it.
    Text(&'a str),
}

/// Reads serialised, well-formed HTML (ammonia's output) as tags and text.
pub(super) fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(at) = rest.find('<') else {
            out.push(Token::Text(rest));
            break;
        };
        if at > 0 {
            out.push(Token::Text(&rest[..at]));
        }
        let Some(end) = tag_end(&rest[at..]) else {
            out.push(Token::Text(&rest[at..]));
            break;
        };
        let tag = &rest[at + 1..at + end];
        rest = &rest[at + end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            out.push(Token::End(name.trim().to_ascii_lowercase()));
            continue;
        }
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        out.push(Token::Start(
            tag[..name_end].to_ascii_lowercase(),
            attributes(&tag[name_end..]),
        ));
    }
    out
}

/// Where the tag starting at `s[0] == '<'` ends, skipping `>` inside quoted values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn attributes(raw: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = raw.trim_start();
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq]
            .trim()
            .trim_start_matches('/')
            .to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let (value, next) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                Some(close) => (&after[1..1 + close], &after[close + 2..]),
                None => (&after[1..], ""),
            },
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        out.push((name, unescape(value)));
        rest = next.trim_start();
    }
    out
}
/// An element of the cleaned HTML, or its text (unescaped).
#[derive(Debug)]
pub(super) enum Node {
    Element {
        name: String,
        attrs: Vec<(String, String)>,
        children: Vec<Node>,
    },
    Text(String),
}

impl Node {
    pub(super) fn is(&self, wanted: &str) -> bool {
        matches!(self, Node::Element { name, .. } if name == wanted)
    }

    pub(super) fn attr(&self, key: &str) -> Option<&str> {
        match self {
            Node::Element { attrs, .. } => attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            Node::Text(_) => None,
        }
    }

    pub(super) fn children(&self) -> &[Node] {
        match self {
            Node::Element { children, .. } => children,
            Node::Text(_) => &[],
        }
    }

    /// The first element named `wanted` in this subtree (itself included).
    pub(super) fn find(&self, wanted: &str) -> Option<&Node> {
        if self.is(wanted) {
            return Some(self);
        }
        self.children().iter().find_map(|c| c.find(wanted))
    }

    /// Every element named `wanted` in this subtree, not looking inside `skip`.
    pub(super) fn find_all<'a>(&'a self, wanted: &str, skip: &[&str], out: &mut Vec<&'a Node>) {
        for child in self.children() {
            if child.is(wanted) {
                out.push(child);
            } else if !skip.iter().any(|s| child.is(s)) {
                child.find_all(wanted, skip, out);
            }
        }
    }
}

/// Elements that never have content.
const VOID: &[&str] = &["br", "img", "source", "hr", "wbr", "col"];

/// How deep the tree goes; deeper elements are unwrapped.
const MAX_DEPTH: usize = 100;

/// Reads the cleaned (well-formed) HTML into a tree.
pub(super) fn tree(html: &str) -> Vec<Node> {
    fn element(name: String, attrs: Vec<(String, String)>) -> Node {
        Node::Element {
            name,
            attrs,
            children: Vec::new(),
        }
    }
    fn push(stack: &mut [Node], node: Node) {
        if let Some(Node::Element { children, .. }) = stack.last_mut() {
            children.push(node);
        }
    }
    // The open elements, the document root first.
    let mut stack = vec![element(String::new(), Vec::new())];
    for token in tokens(html) {
        match token {
            Token::Text(t) => push(&mut stack, Node::Text(unescape(t))),
            Token::Start(name, attrs) if VOID.contains(&name.as_str()) => {
                push(&mut stack, element(name, attrs))
            }
            // Past a depth no story needs, tags are dropped and their text kept: the
            // walk over the tree recurses, and must not run out of stack.
            Token::Start(_, _) if stack.len() > MAX_DEPTH => {}
            Token::Start(name, attrs) => stack.push(element(name, attrs)),
            Token::End(name) => {
                // Closes the nearest open element of that name (and any left open in it).
                if !stack[1..].iter().any(|n| n.is(&name)) {
                    continue;
                }
                while stack.len() > 1 {
                    let Some(done) = stack.pop() else { break };
                    let closed = done.is(&name);
                    push(&mut stack, done);
                    if closed {
                        break;
                    }
                }
            }
        }
    }
    while stack.len() > 1 {
        if let Some(done) = stack.pop() {
            push(&mut stack, done);
        }
    }
    match stack.pop() {
        Some(Node::Element { children, .. }) => children,
        _ => Vec::new(),
    }
}
