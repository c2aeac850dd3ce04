//! The paragraph sanitiser: whatever comes in, only `a`, `em`, `strong` and `br`
//! come out, links carry only http, https or mailto, and sanitising twice changes
//! nothing (so re-saving a story never rewrites its text).
#![no_main]

use dateline::content::articles::blocks::sanitize;
use libfuzzer_sys::fuzz_target;

const ALLOWED: [&str; 8] = [
    "<a ",
    "<a>",
    "</a>",
    "<em>",
    "</em>",
    "<strong>",
    "</strong>",
    "<br>",
];

fuzz_target!(|data: &[u8]| {
    let Ok(html) = std::str::from_utf8(data) else {
        return;
    };
    let clean = sanitize(html);
    for (at, _) in clean.match_indices('<') {
        let rest = &clean[at..];
        assert!(
            ALLOWED.iter().any(|tag| rest.starts_with(tag)),
            "unexpected markup {:?} in {clean:?}",
            &rest[..rest.len().min(20)]
        );
    }
    // Only inside an `<a …>` tag is `href="` an attribute; elsewhere it is text.
    let links = clean
        .match_indices("<a ")
        .map(|(at, _)| &clean[at..at + clean[at..].find('>').unwrap_or(clean.len() - at)]);
    for tag in links.filter_map(|tag| tag.find("href=\"").map(|at| &tag[at..])) {
        // Browsers (and the URL standard) ignore leading spaces and control characters.
        let url = tag[6..].trim_start_matches(|c: char| c <= ' ');
        let url = &url[..url.find('"').unwrap_or(url.len())];
        let url: String = url
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        // Only `alpha *( alpha / digit / "+" / "-" / "." )` before the colon is a scheme;
        // anything else makes the whole URL a relative path.
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        let relative = !url.contains(':') || !is_scheme;
        assert!(
            relative || ["http", "https", "mailto"].contains(&scheme.as_str()),
            "link with scheme {scheme:?} in {clean:?}"
        );
    }
    assert_eq!(sanitize(&clean), clean, "sanitising twice changed {html:?}");
});
