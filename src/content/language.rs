//! Language tags (BCP 47) as stories and the publication carry them.

/// A BCP 47 tag in its normal case: `en`, `en-GB`, `pt-BR`, `zh-Hant-TW`, `es-419`.
/// Checked for shape (a 2–3 letter language, then subtags of 1–8 letters or digits),
/// not against the registry.
pub fn parse_language(raw: &str) -> Result<String, String> {
    const WHAT: &str = "must be a BCP 47 language tag such as en, en-GB or pt-BR";
    let raw = raw.trim();
    let mut parts = raw.split('-');
    let first = parts.next().unwrap_or("");
    if !(2..=3).contains(&first.len()) || !first.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(WHAT.into());
    }
    let mut tag = first.to_ascii_lowercase();
    for part in parts {
        if part.is_empty() || part.len() > 8 || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(WHAT.into());
        }
        tag.push('-');
        match part.len() {
            // A region: `GB`.
            2 if part.chars().all(|c| c.is_ascii_alphabetic()) => {
                tag.push_str(&part.to_ascii_uppercase())
            }
            // A script: `Hant`.
            4 if part.chars().all(|c| c.is_ascii_alphabetic()) => {
                tag.push_str(&part[..1].to_ascii_uppercase());
                tag.push_str(&part[1..].to_ascii_lowercase());
            }
            _ => tag.push_str(&part.to_ascii_lowercase()),
        }
    }
    if tag.len() > 35 {
        return Err(WHAT.into());
    }
    Ok(tag)
}

/// The PostgreSQL text search configuration for a language, where one ships with it.
pub fn text_search_config(language: &str) -> &'static str {
    match language.split('-').next().unwrap_or("") {
        "ar" => "arabic",
        "da" => "danish",
        "de" => "german",
        "el" => "greek",
        "en" => "english",
        "es" => "spanish",
        "fi" => "finnish",
        "fr" => "french",
        "hu" => "hungarian",
        "id" => "indonesian",
        "it" => "italian",
        "lt" => "lithuanian",
        "ne" => "nepali",
        "nl" => "dutch",
        "no" | "nb" | "nn" => "norwegian",
        "pt" => "portuguese",
        "ro" => "romanian",
        "ru" => "russian",
        "sv" => "swedish",
        "ta" => "tamil",
        "tr" => "turkish",
        "ga" => "irish",
        "hy" => "armenian",
        "eu" => "basque",
        "ca" => "catalan",
        "hi" => "hindi",
        "sr" => "serbian",
        "yi" => "yiddish",
        _ => "simple",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_come_back_in_their_normal_case() {
        assert_eq!(parse_language("EN").unwrap(), "en");
        assert_eq!(parse_language("en-gb").unwrap(), "en-GB");
        assert_eq!(parse_language("zh-hant-tw").unwrap(), "zh-Hant-TW");
        assert_eq!(parse_language("es-419").unwrap(), "es-419");
        for bad in ["", "e", "english", "en_GB", "en-", "12", "en-toolongsubtag"] {
            assert!(parse_language(bad).is_err(), "{bad}");
        }
    }
}
