//! Request examples for the OpenAPI document: a realistic body for every operation that
//! takes one, an example for every path parameter, and a ready-to-paste `curl` command
//! for every operation (`x-codeSamples`, which Redoc and most portals show). The
//! interactive docs at `/docs` prefill "Try it out" from the same examples.

use serde_json::{Value, json};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{RefOr, extensions::Extensions};

/// A story id as the API prints them.
const ARTICLE_ID: &str = "0193b7c2e4a47d0c9a1f5e6d7c8b9a01";
const IMAGE_ID: &str = "0193b7c2e4a47d0c9a1f5e6d7c8b9a02";

/// The example body of an operation, by its operation id.
fn body(operation_id: &str) -> Option<Value> {
    let v = match operation_id {
        "login" => {
            json!({"email": "editor@example.com", "password": "correct horse battery staple"})
        }
        "refresh" => json!({"refresh_token": "rt_4f9c2a7e1b0d4c3a9e8f7a6b5c4d3e2f"}),
        "create_api_key" => json!({"name": "Homepage build", "scopes": ["content:read"]}),
        "create_user" => {
            json!({"email": "reporter@example.com", "name": "Ana Ruiz", "role": "author", "password": "a long passphrase nobody guesses"})
        }
        "update_user" => json!({"version": 3, "role": "editor"}),
        "create_author" => {
            json!({"name": "Ana Ruiz", "bio": "Europe correspondent, based in Brussels.", "links": {"website": "https://anaruiz.example", "x": "https://x.com/anaruiz"}})
        }
        "update_author" => json!({"version": 2, "bio": "Europe editor, based in Brussels."}),
        "create_section" => {
            json!({"name": "Europe", "parent": "world", "description": "News from across Europe"})
        }
        "update_section" => json!({"version": 4, "name": "Europe", "position": 1}),
        "create_tag" => json!({"name": "Elections", "description": "Votes, campaigns and results"}),
        "update_settings" => {
            json!({"version": 1, "publication_name": "The Harbour Times", "language": "en-GB", "site_url": "https://www.harbourtimes.example", "story_url_pattern": "/{section}/{slug}"})
        }
        "update_tag" => {
            json!({"version": 2, "description": "Votes, campaigns and results worldwide"})
        }
        "update_image" => {
            json!({"version": 1, "alt": "Ferries moored in the harbour at dawn", "caption": "The harbour reopened on Tuesday", "credit": "Photo – Ana Ruiz", "focal_point": {"x": 0.5, "y": 0.4}})
        }
        "upload_image" => {
            json!({"file": "harbour.jpg", "alt": "Ferries moored in the harbour at dawn", "caption": "The harbour reopened on Tuesday", "credit": "Photo – Ana Ruiz"})
        }
        "create_article" => json!({
            "headline": "Harbour reopens after winter storm",
            "standfirst": "Ferries return on Monday, the port authority says",
            "source": "Reuters",
            "section": "europe",
            "tags": ["ports"],
            "authors": ["ana-ruiz"],
            "featured_image": IMAGE_ID,
            "body": [
                {"type": "paragraph", "html": "The harbour reopened on <strong>Tuesday</strong> after weeks of repairs."},
                {"type": "image", "image_id": IMAGE_ID, "caption": "Boats return to the harbour"},
                {"type": "heading", "level": 2, "text": "What changes for ferries"},
                {"type": "quote", "text": "We are open for business.", "attribution": "The harbour master"},
                {"type": "list", "ordered": false, "items": ["Ferries resume on <strong>Monday</strong>", "Freight follows in April"]},
                {"type": "table", "header": true, "rows": [["Route", "First sailing"], ["Dover – Calais", "Monday 06:00"]], "caption": "The new timetable"},
                {"type": "code", "text": "curl https://harbour.example/api/status", "language": "shell"},
                {"type": "related", "article_id": ARTICLE_ID, "label": "Also Read"},
                {"type": "embed", "url": "https://www.youtube.com/watch?v=abc123", "provider": "youtube", "caption": "The first ferry leaves"}
            ]
        }),
        "update_article" => {
            json!({"version": 5, "headline": "Harbour reopens to ferries after winter storm", "append_correction": "An earlier version gave the wrong reopening day."})
        }
        "publish_article" => json!({"version": 6, "publish_at": "2026-12-01T06:00:00Z"}),
        "take_lock" => json!({"takeover": false}),
        "update_working_copy" => {
            json!({"version": 1, "standfirst": "Updated with the council's statement"})
        }
        "publish_working_copy" => {
            json!({"version": 2, "correction": "An earlier version misstated the date."})
        }
        "preview_article" => json!({"expires_in_hours": 48}),
        "create_note" => json!({"text": "Check the ferry operator's figures before 6pm."}),
        "create_entry" => json!({
            "headline": "Ferry services suspended",
            "body": [{"type": "paragraph", "html": "All crossings are cancelled until <strong>6pm</strong>, the operator says."}],
            "key_event": true,
            "authors": ["ana-ruiz"]
        }),
        "update_entry" => json!({"version": 1, "pinned": true}),
        "update_note" => json!({"version": 1, "resolved": true}),
        "unpublish_article" | "restore_revision" | "restore_collection_order" => {
            json!({"version": 7})
        }
        "create_collection" => {
            json!({"name": "Don't Miss", "description": "Hand-picked stories for the homepage rail", "max_items": 6})
        }
        "update_collection" => json!({"version": 3, "max_items": 8}),
        "replace_collection_items" => json!({"version": 12, "items": [
            {"article_id": "harbour-reopens", "pinned": true},
            {"article_id": ARTICLE_ID, "expires_at": "2026-12-01T18:00:00Z"}
        ]}),
        "insert_collection_item" => {
            json!({"version": 12, "article_id": "harbour-reopens", "position": 1, "pinned": false})
        }
        "update_collection_item" => json!({"version": 13, "pinned": true}),
        "create_collection_schedule" => json!({"publish_at": "2026-12-01T06:00:00Z", "items": [
            {"article_id": "morning-briefing", "pinned": true},
            {"article_id": "harbour-reopens"}
        ]}),
        "create_webhook" => {
            json!({"url": "https://build.example.com/hooks/dateline", "events": ["article.published", "article.updated", "collection.updated"], "description": "Rebuild the static site"})
        }
        "update_webhook" => json!({"active": false}),
        _ => return None,
    };
    Some(v)
}

/// An example value for a path parameter, by its name.
fn path_value(name: &str, path: &str) -> &'static str {
    match name {
        "key" | "slug" if path.contains("/articles") => "harbour-reopens",
        "key" | "slug" if path.contains("/collections") => "dont-miss",
        "key" | "slug" if path.contains("/sections") => "europe",
        "key" | "slug" if path.contains("/tags") => "elections",
        "key" | "slug" if path.contains("/authors") => "ana-ruiz",
        "key" if path.starts_with("/media") => "02/0193b7c2e4a47d0c9a1f5e6d7c8b9a02/800.webp",
        "article" => "harbour-reopens",
        "number" | "version" => "3",
        "token" => "pv_eyJhcnRpY2xlIjoiMDE5M2I3YzIifQ",
        "id" if path.contains("/images") => IMAGE_ID,
        _ => "0193b7c2e4a47d0c9a1f5e6d7c8b9a03",
    }
}

/// Fills in the examples and the `curl` sample of one operation.
pub fn annotate(method: &str, path: &str, operation: &mut Operation, secured: bool) {
    let mut url = path.to_owned();
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        if matches!(parameter.parameter_in, ParameterIn::Path) {
            let value = path_value(&parameter.name, path);
            url = url.replace(&format!("{{{}}}", parameter.name), value);
            // `Parameter::example` is private in utoipa 6; the schema carries it instead.
            if let Some(RefOr::T(utoipa::openapi::schema::Schema::Object(schema))) =
                parameter.schema.as_mut()
            {
                let integer = serde_json::to_value(&*schema)
                    .ok()
                    .is_some_and(|s| s["type"] == "integer");
                schema.examples = vec![match value.parse::<i64>() {
                    Ok(n) if integer => json!(n),
                    _ => json!(value),
                }];
            }
        }
    }
    let example = operation.operation_id.as_deref().and_then(body);
    let mut command = format!("curl -sS -X {method} 'http://127.0.0.1:8080{url}'");
    if secured {
        command.push_str(" \\\n  -H \"Authorization: Bearer $TOKEN\"");
    }
    if let (Some(RefOr::T(request)), Some(example)) = (operation.request_body.as_mut(), example) {
        if let Some(RefOr::T(content)) = request.content.get_mut("application/json") {
            content.example = Some(example.clone());
            if method != "GET" {
                let body = serde_json::to_string(&example).unwrap_or_default();
                command.push_str(&format!(
                    " \\\n  -H 'Content-Type: application/json' \\\n  -d '{}'",
                    body.replace('\'', "'\\''")
                ));
            }
        } else if let Some(RefOr::T(content)) = request.content.get_mut("multipart/form-data") {
            content.example = Some(example.clone());
            if let Some(fields) = example.as_object() {
                for (name, value) in fields {
                    let value = value.as_str().unwrap_or_default();
                    let field = if name == "file" {
                        format!("{name}=@{value}")
                    } else {
                        format!("{name}={value}")
                    };
                    command.push_str(&format!(" \\\n  -F '{}'", field.replace('\'', "'\\''")));
                }
            }
        }
    }
    let sample = json!([{"lang": "Shell", "label": "curl", "source": command}]);
    let extensions = operation.extensions.get_or_insert_with(Extensions::default);
    extensions.insert("x-codeSamples".to_owned(), sample);
}
