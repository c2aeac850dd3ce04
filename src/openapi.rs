//! The OpenAPI document, generated from the handlers themselves (utoipa), finished
//! with the conventions every operation shares: problem+json errors and security.

use actix_web::App;
use actix_web::dev::ResourceDef;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa_actix_web::AppExt;

use crate::error::FieldError;
use crate::http::problem::{PROBLEM_JSON, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Dateline",
        description = "A headless newsroom CMS. Errors are RFC 9457 problem+json; lists are keyset-paged \
            (`limit`, `cursor`, `next_cursor`, `Link: rel=\"next\"`); writes to existing resources \
            take their `version` (or `If-Match`) and answer 412 when it is stale.",
        license(name = "MIT", identifier = "MIT")
    ),
    // Paths are absolute (`/api/v1/...`), so the server is wherever the document came from.
    servers((url = "/", description = "This server")),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "auth", description = "Signing in, tokens and the current user"),
        (name = "users", description = "User accounts (admin)"),
        (name = "api-keys", description = "API keys with scopes (admin)"),
        (name = "authors", description = "Bylines"),
        (name = "sections", description = "The section tree"),
        (name = "tags", description = "The tag vocabulary"),
        (name = "images", description = "The photo library and its files"),
        (name = "articles", description = "Stories: editing, workflow and the public read API"),
        (name = "live", description = "Live coverage: a live story's entries, posted by the desk, read as pages and followed as Server-Sent Events"),
        (name = "collections", description = "Story ordering: curated collections, their history and prepared orders"),
        (name = "syndication", description = "Feeds (RSS, Atom, JSON Feed) and the IPTC ninjs partner API"),
        (name = "webhooks", description = "Signed event deliveries to other systems (admin)"),
        (name = "audit", description = "Who did what, when, from where (admin)"),
        (name = "discovery", description = "What search engines read: sitemaps (whole paths, for the front end to proxy)"),
        (name = "settings", description = "The publication: name, language, logo, site and story URLs (admin; a public part for front ends)"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
struct BaseDoc;

/// The finished document, its JSON, and a route table for 405 answers.
pub struct ApiDoc {
    pub spec: utoipa::openapi::OpenApi,
    pub json: String,
    routes: Vec<(ResourceDef, Vec<&'static str>)>,
}

impl ApiDoc {
    /// The document of this build, made on first use and shared by every worker
    /// (it is derived from the code alone, so one copy serves the whole process).
    pub fn shared() -> &'static ApiDoc {
        static DOC: std::sync::OnceLock<ApiDoc> = std::sync::OnceLock::new();
        DOC.get_or_init(ApiDoc::build)
    }

    /// Builds the document from the registered routes.
    pub fn build() -> Self {
        let spec = document();
        let json = spec.to_pretty_json().unwrap_or_default();
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        ApiDoc { spec, json, routes }
    }

    /// The methods allowed at `path`, if it is a known route.
    pub fn allowed_methods(&self, path: &str) -> Option<&[&'static str]> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// The OpenAPI document for every route `http::routes` registers.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(BaseDoc::openapi())
        .configure(crate::routes::register)
        .split_for_parts();
    finish(&mut spec);
    state_input_rules(&mut spec);
    spec
}

/// Adds the security schemes, and to every operation the problem responses it can give.
fn finish(spec: &mut utoipa::openapi::OpenApi) {
    if let Some(components) = spec.components.as_mut() {
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dl_…")
                    .description(Some(
                        "An API key from POST /api/v1/api-keys, sent as a bearer token",
                    ))
                    .build(),
            ),
        );
    }
    let problem = || {
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(Ref::from_schema_name("Problem"))))
            .build()
    };
    for (path, item) in spec.paths.paths.iter_mut() {
        let checks_credentials = path.starts_with("/api/v1/") || path.starts_with("/feeds/");
        let operations = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else {
                continue;
            };
            let mut extra: Vec<(&str, &str)> = vec![(
                "500",
                "Internal error (details are logged under the request id)",
            )];
            let takes_input = operation.request_body.is_some()
                || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            if takes_input {
                extra.push(("422", "Invalid input; `errors` names each field"));
            }
            if operation.request_body.is_some() {
                extra.push(("400", "The body is not valid JSON"));
                extra.push(("415", "The body is not JSON"));
            }
            let requirements = operation.security.as_deref().unwrap_or_default();
            let secured = requirements
                .iter()
                .any(|r| serde_json::to_value(r).is_ok_and(|v| v != serde_json::json!({})));
            let optional = requirements
                .iter()
                .any(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})));
            if secured {
                extra.push(("401", "Missing, invalid, expired or revoked credentials"));
                if !optional {
                    extra.push(("403", "Signed in, but not allowed to do this"));
                }
            } else if checks_credentials {
                // Credentials are optional here, but checked when sent: a bad one is 401.
                extra.push((
                    "401",
                    "Credentials were sent and are invalid, expired or revoked",
                ));
            }
            crate::http::examples::annotate(method, path, operation, secured);
            if operation.responses.responses.contains_key("412") {
                extra.push((
                    "428",
                    "No version sent: send `version` in the body or an If-Match header",
                ));
            }
            let responses = &mut operation.responses.responses;
            for (status, description) in extra {
                responses.entry(status.to_owned()).or_insert_with(|| {
                    RefOr::T(ResponseBuilder::new().description(description).build())
                });
            }
            for (status, response) in responses.iter_mut() {
                if let (true, RefOr::T(response)) = (status.as_str() >= "400", response)
                    && response.content.is_empty()
                {
                    response
                        .content
                        .insert(PROBLEM_JSON.to_owned(), RefOr::T(problem()));
                }
            }
        }
    }
}

/// Text the API stores refuses control characters other than tab, line feed and
/// carriage return (`content::parse_text`).
const TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";
/// A name refuses every control character and must not be blank
/// (`content::parse_label`, `auth::model::parse_name`).
const LABEL: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$";
/// Checked text that must not be blank either (a headline, a heading).
const NONBLANK: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";
/// `content::slug::Slug`: lower-case letters, digits and single inner hyphens.
const SLUG: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";
/// `content::is_http_url`: http(s), a host, no spaces or control characters.
const HTTP_URL: &str =
    "^https?://[^\\s/?#\\u0000-\\u001F\\u007F-\\u009F][^\\s\\u0000-\\u001F\\u007F-\\u009F]*$";
/// A query value may be anything but NUL (which no record holds; refused with 422).
const QUERY_TEXT: &str = "^[^\\u0000]*$";

/// States in the document the rules the handlers apply to input that the derive cannot
/// see, so that whatever the document calls valid is accepted (a reference to something
/// that does not exist aside): the shared query and header parameters by name
/// (`limit`'s bounds, the cursor's alphabet, `formats`/`include` lists, the `If-Match`
/// ETag), and on every string of a request body the control characters it refuses
/// (names: not blank either).
fn state_input_rules(spec: &mut utoipa::openapi::OpenApi) {
    use serde_json::{Value, json};
    let Ok(mut doc) = serde_json::to_value(&*spec) else {
        return;
    };
    // Empty asks for none of them.
    let list = |words: &str| {
        let one = format!("({words})");
        format!("^({one}(,{one})*)?$")
    };
    let rule = |place: &str, name: &str| -> Option<Value> {
        Some(match (place, name) {
            ("query", "limit") => json!({"type": "integer", "format": "int64",
                "minimum": 1, "maximum": crate::http::pagination::MAX_LIMIT}),
            ("query", "cursor") => json!({"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}),
            ("query", "formats") => json!({"type": "string", "pattern": list("blocks|html|text")}),
            ("query", "include") => json!({"type": "string",
                "pattern": list("authors|tags|section|featured_image")}),
            ("query", "format") => json!({"type": "string", "enum": ["ninjs"]}),
            ("header", "If-Match") => json!({"type": "string", "examples": ["\"3\""],
                "pattern": "^(W/)?\"[0-9]{1,15}(\\.[0-9A-Za-z_-]*)?\"$"}),
            _ => return None,
        })
    };
    let mut request_schemas = std::collections::BTreeSet::new();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for operation in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|item| item.values_mut())
        {
            if let Some(parameters) = operation["parameters"].as_array_mut() {
                for parameter in parameters {
                    let place = parameter["in"].as_str().unwrap_or_default().to_owned();
                    let name = parameter["name"].as_str().unwrap_or_default().to_owned();
                    if let Some(schema) = rule(&place, &name) {
                        parameter["schema"] = schema;
                    } else if place == "query" && parameter["schema"]["type"] == "string" {
                        let schema = &mut parameter["schema"];
                        if schema.get("format").is_none() && schema.get("pattern").is_none() {
                            schema["pattern"] = json!(QUERY_TEXT);
                        }
                    }
                }
            }
            if let Some(body) = operation.get("requestBody") {
                schema_refs(body, &mut request_schemas);
            }
        }
    }
    let schemas = &mut doc["components"]["schemas"];
    let mut todo: Vec<String> = request_schemas.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let mut found = std::collections::BTreeSet::new();
        schema_refs(&schemas[&name], &mut found);
        for more in found {
            if request_schemas.insert(more.clone()) {
                todo.push(more);
            }
        }
    }
    for name in &request_schemas {
        text_rules(&mut schemas[name], None);
    }
    if let Ok(stated) = serde_json::from_value(doc) {
        *spec = stated;
    }
}

/// The component schemas `value` refers to.
fn schema_refs(value: &serde_json::Value, into: &mut std::collections::BTreeSet<String>) {
    match value {
        // What a read fills in is not input.
        serde_json::Value::Object(map) if map.get("readOnly") == Some(&true.into()) => {}
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner.as_str()) {
                    ("$ref", Some(target)) => {
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            into.insert(name.to_owned());
                        }
                    }
                    _ => schema_refs(inner, into),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| schema_refs(v, into)),
        _ => {}
    }
}

/// Puts the rules of checked text on `schema`'s strings: every string with a
/// `maxLength` is text the handlers check (`content::parse_text` and friends), so it
/// refuses control characters ([`TEXT`]); with a `minLength` it must not be blank
/// either ([`NONBLANK`]), and a `name` is a one-line [`LABEL`]. A `slug` follows the
/// slug rules, and a checked `url` or `canonical_url` is an absolute http(s) URL.
/// Strings without a length are left as they are: the document must not refuse what
/// the handlers accept either.
fn text_rules(schema: &mut serde_json::Value, property: Option<&str>) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    if map.get("readOnly") == Some(&serde_json::Value::Bool(true)) {
        return;
    }
    let is_string = match map.get("type") {
        Some(serde_json::Value::String(t)) => t == "string",
        Some(serde_json::Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    };
    let free = ["format", "pattern", "enum", "const"]
        .iter()
        .all(|k| !map.contains_key(*k));
    let checked = map.contains_key("maxLength");
    let nonblank = map.get("minLength").and_then(serde_json::Value::as_u64) >= Some(1);
    let pattern = match property {
        _ if !(is_string && free) => None,
        Some("slug") => {
            map.insert("maxLength".into(), crate::content::slug::MAX_LEN.into());
            Some(SLUG.to_owned())
        }
        Some("url") if checked => Some(HTTP_URL.to_owned()),
        Some("canonical_url") if checked => Some(format!("^$|{HTTP_URL}")),
        Some("name") if checked => Some(LABEL.to_owned()),
        _ if checked && nonblank => Some(NONBLANK.to_owned()),
        _ if checked => Some(TEXT.to_owned()),
        _ => None,
    };
    if let Some(pattern) = pattern {
        map.insert("pattern".into(), pattern.into());
    }
    if let Some(serde_json::Value::Object(properties)) = map.get_mut("properties") {
        for (name, inner) in properties.iter_mut() {
            text_rules(inner, Some(name));
        }
    }
    if let Some(items) = map.get_mut("items") {
        text_rules(items, property);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(serde_json::Value::Array(variants)) = map.get_mut(key) {
            variants.iter_mut().for_each(|v| text_rules(v, property));
        }
    }
}
