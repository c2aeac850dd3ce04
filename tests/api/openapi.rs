//! The committed OpenAPI document matches the code, and covers every route.

use dateline::openapi::ApiDoc;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::TestApp;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = ApiDoc::build().json;
    if generated.trim() != COMMITTED.trim() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/openapi.generated.json");
        let _ = std::fs::write(path, &generated);
        panic!(
            "openapi/openapi.json is out of date with the code.\n\
             Regenerate it with `cargo run -- openapi > openapi/openapi.json` and commit it \
             (the generated copy is at {path} for a diff)."
        );
    }
}

/// The webhook event names the document lists are the ones the handlers accept.
#[test]
fn the_documented_webhook_events_are_the_accepted_ones() {
    let doc: serde_json::Value = serde_json::from_str(&ApiDoc::build().json).unwrap();
    let listed: Vec<&str> = doc["components"]["schemas"]["WebhookEvent"]["enum"]
        .as_array()
        .expect("WebhookEvent lists the event names")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(listed, dateline::webhooks::model::EVENTS);
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let spec: Value = serde_json::from_str(COMMITTED).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 15, "{}", paths.len());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(op["operationId"].is_string(), "{name}: operationId");
            assert!(op["security"].is_array(), "{name}: security");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{name}: 500");
            for (status, response) in responses {
                if status.as_str() >= "400" {
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Problem", "{name} {status}");
                }
            }
            let secured = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r.as_object().is_some_and(|o| !o.is_empty()));
            if secured {
                assert!(responses.contains_key("401"), "{name}: 401");
            }
            if op.get("requestBody").is_some() {
                assert!(responses.contains_key("422"), "{name}: 422");
            }
        }
    }
    let schemes = spec["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("api_key"));
}

/// Every operation has a `curl` sample with its path filled in, and every request body an
/// example that its own schema accepts: what the docs show can be pasted and works.
#[test]
fn every_operation_has_a_valid_request_example_and_a_curl_sample() {
    let spec: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut bodies = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let sample = op["x-codeSamples"][0]["source"]
                .as_str()
                .unwrap_or_default();
            assert!(
                sample.starts_with(&format!("curl -sS -X {}", method.to_uppercase())),
                "{name}: {sample:?}"
            );
            let url = sample.split('\'').nth(1).unwrap_or_default();
            assert!(
                url.starts_with("http://127.0.0.1:8080/") && !url.contains('{'),
                "{name}: {sample}"
            );
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "path" {
                    assert!(
                        !parameter["schema"]["examples"][0].is_null(),
                        "{name}: path parameter {} has no example",
                        parameter["name"]
                    );
                }
            }
            let Some(content) = op["requestBody"]["content"].as_object() else {
                continue;
            };
            for (media_type, body) in content {
                let example = &body["example"];
                assert!(!example.is_null(), "{name} {media_type}: no example");
                let root = serde_json::json!({
                    "$ref": body["schema"]["$ref"],
                    "components": spec["components"],
                });
                let validator = jsonschema::validator_for(&root).unwrap();
                let errors: Vec<String> = validator
                    .iter_errors(example)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                assert!(errors.is_empty(), "{name}: example rejected: {errors:?}");
                bodies += 1;
            }
        }
    }
    assert!(bodies >= 25, "{bodies}");
}

#[test]
fn both_migration_trees_hold_the_same_migrations() {
    let (sqlite, postgres) = dateline::store::migration_names();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

both_backends!(
    every_documented_route_is_served,
    the_spec_and_interactive_docs_are_served
);

/// Each documented path answers something other than "no such route": the document
/// and the router agree.
async fn every_documented_route_is_served(app: TestApp) {
    let spec: Value = serde_json::from_str(&ApiDoc::build().json).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", "x").replace("{slug}", "x");
        for method in item.as_object().unwrap().keys() {
            let res = app.req(&method.to_uppercase(), &concrete).send().await;
            let problem_type = if res.status >= 400 {
                res.json()["type"].as_str().map(str::to_owned)
            } else {
                None
            };
            assert!(
                !(res.status == 404
                    && problem_type.as_deref() == Some("/problems/not-found")
                    && res.json()["detail"] == "route not found")
                    && res.status != 405,
                "{method} {path} is documented but not routed: {} {}",
                res.status,
                res.text()
            );
        }
    }
}

async fn the_spec_and_interactive_docs_are_served(app: TestApp) {
    let spec = app.get("/openapi.json").send().await;
    assert_eq!(spec.status, 200);
    assert_eq!(spec.json()["info"]["title"], "Dateline");
    let docs = app.get("/docs/").send().await;
    assert_eq!(docs.status, 200);
    assert!(docs.text().contains("swagger"), "{}", docs.text());
    let redirect = app.get("/docs").send().await;
    assert!([301, 302, 307, 308].contains(&redirect.status));
}
