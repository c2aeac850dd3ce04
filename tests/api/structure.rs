//! The shape of the source tree: no file imports, directly or through others, a file
//! that imports it back. Rooms build on `store`, `http` and `state`; handlers build on
//! their room; the route table and the OpenAPI document sit at the top beside
//! `startup`. A circle means a lower layer learned about a higher one.
//!
//! The graph is read from the source: `use` lines (braces expanded), `crate::…` and
//! `super::…` paths, and names a `use` brought in, each resolved to the file that
//! defines the longest matching module path. Unit-test modules are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Module = Vec<String>;

fn modules(root: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().with_extension("");
                let mut parts: Module = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|p| p == "mod") {
                    parts.pop();
                }
                if parts == ["lib"] || parts == ["main"] {
                    parts.clear();
                }
                let text = std::fs::read_to_string(&path).unwrap();
                out.insert(parts, text);
            }
        }
    }
    out
}

/// The source without comments and without its unit-test module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `a::{b, c::{d, e as f}}` → `[a::b, a::c::d, a::c::e]`.
fn expand(prefix: &[String], tree: &str) -> Vec<Module> {
    let tree = tree.trim();
    if let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let (mut items, mut depth, mut current) = (Vec::new(), 0, String::new());
        for ch in inner.chars() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if ch == ',' && depth == 0 {
                items.push(std::mem::take(&mut current));
            } else {
                current.push(ch);
            }
        }
        items.push(current);
        return items
            .iter()
            .filter(|i| !i.trim().is_empty())
            .flat_map(|i| expand(prefix, i))
            .collect();
    }
    if let Some(at) = tree.find("::{") {
        let mut next = prefix.to_vec();
        next.extend(tree[..at].split("::").map(|s| s.trim().to_owned()));
        return expand(&next, &tree[at + 2..]);
    }
    let path = tree.split(" as ").next().unwrap_or(tree);
    let mut out = prefix.to_vec();
    out.extend(path.split("::").map(|s| s.trim().to_owned()));
    vec![out]
}

/// A `crate::`/`super::`/`self::` path as an absolute module path, seen from `from`.
fn absolute(from: &Module, is_dir_module: bool, path: &[String]) -> Option<Module> {
    match path.first().map(String::as_str) {
        Some("crate") => Some(path[1..].to_vec()),
        Some("super") | Some("self") => {
            let mut base = from.clone();
            if !is_dir_module {
                base.pop();
            }
            let mut rest = path;
            if rest[0] == "self" {
                base = from.clone();
                rest = &rest[1..];
            } else {
                rest = &rest[1..];
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
            }
            base.extend(rest.iter().cloned());
            Some(base)
        }
        _ => None,
    }
}

fn graph(root: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let files = modules(root);
    let known: BTreeSet<Module> = files.keys().cloned().collect();
    let resolve = |path: &Module| -> Option<Module> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| known.contains(p))
    };
    let word = |s: &str| s.chars().all(|c| c.is_alphanumeric() || c == '_') && !s.is_empty();
    let mut edges = BTreeMap::new();
    for (module, text) in &files {
        let is_dir_module = files
            .keys()
            .any(|k| k.len() > module.len() && k.starts_with(module));
        let code = code(text);
        let mut out = BTreeSet::new();
        let mut aliases: BTreeMap<String, Module> = BTreeMap::new();
        let add = |path: Module, out: &mut BTreeSet<Module>| {
            if let Some(target) = resolve(&path)
                && &target != module
                && !target.is_empty()
            {
                out.insert(target);
            }
        };
        for statement in code.split(';') {
            let Some(at) = statement.find("use ") else {
                continue;
            };
            let before = &statement[..at];
            if !before.trim().is_empty()
                && !before.trim().ends_with("pub")
                && !before.trim().ends_with(')')
                && !before.trim().ends_with('}')
                && !before.trim().ends_with(']')
            {
                continue;
            }
            let tree: String = statement[at + 4..]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            for path in expand(&[], &tree) {
                if let Some(abs) = absolute(module, is_dir_module, &path) {
                    let mut abs = abs;
                    if abs.last().is_some_and(|l| l == "self") {
                        abs.pop();
                    }
                    let name = tree
                        .rsplit(" as ")
                        .next()
                        .filter(|_| tree.contains(" as ") && !tree.contains('{'))
                        .map(|n| n.trim().to_owned())
                        .or_else(|| abs.last().cloned());
                    if let Some(name) = name {
                        aliases.insert(name, abs.clone());
                    }
                    add(abs, &mut out);
                }
            }
        }
        // Paths written out in the code: `crate::a::b`, `super::a`, `alias::b`.
        let bytes: Vec<char> = code.chars().collect();
        let mut i = 0;
        while i < bytes.len() {
            let start_ok = i == 0
                || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_' || bytes[i - 1] == ':');
            if start_ok && (bytes[i].is_alphabetic() || bytes[i] == '_') {
                let mut j = i;
                while j < bytes.len()
                    && (bytes[j].is_alphanumeric() || bytes[j] == '_' || bytes[j] == ':')
                {
                    j += 1;
                }
                let token: String = bytes[i..j].iter().collect();
                let parts: Module = token
                    .split("::")
                    .filter(|p| word(p))
                    .map(str::to_owned)
                    .collect();
                if parts.len() > 1 {
                    if let Some(abs) = absolute(module, is_dir_module, &parts) {
                        add(abs, &mut out);
                    } else if let Some(base) = aliases.get(&parts[0]) {
                        let mut abs = base.clone();
                        abs.extend(parts[1..].iter().cloned());
                        add(abs, &mut out);
                    }
                }
                i = j;
            } else {
                i += 1;
            }
        }
        edges.insert(module.clone(), out);
    }
    edges
}

/// Strongly connected components of more than one file (Tarjan's algorithm).
fn circles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        next: usize,
        found: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flatten() {
            let Some((w, _)) = edges.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[w].min(s.low[v]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.index[w].min(s.low[v]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&root);
    // The reader works: the route table imports the handlers it registers.
    let routes: Module = vec!["routes".into()];
    let articles: Module = ["content", "articles", "routes"].map(String::from).to_vec();
    assert!(
        edges[&routes].contains(&articles),
        "the import reader missed routes → content::articles::routes"
    );
    let found = circles(&edges);
    let shown: Vec<String> = found
        .iter()
        .map(|c| {
            c.iter()
                .map(|m| m.join("::"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    assert!(shown.is_empty(), "import circles:\n{}", shown.join("\n"));
}

#[test]
fn the_reader_finds_a_circle_when_there_is_one() {
    let dir = std::env::temp_dir().join(format!("dateline-structure-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("room")).unwrap();
    std::fs::write(dir.join("lib.rs"), "pub mod room;\npub mod state;\n").unwrap();
    std::fs::write(dir.join("state.rs"), "use crate::room::routes::Thing;\n").unwrap();
    std::fs::write(dir.join("room/mod.rs"), "pub mod routes;\n").unwrap();
    std::fs::write(
        dir.join("room/routes.rs"),
        "pub struct Thing;\nfn f() { let _ = crate::state::X; }\n",
    )
    .unwrap();
    let found = circles(&graph(&dir));
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].len(), 2);
}
