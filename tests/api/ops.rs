use std::io::{Read, Write};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    health_readiness_and_metrics_answer,
    the_real_server_serves_over_tcp
);

async fn health_readiness_and_metrics_answer(app: TestApp) {
    let health = app.get("/healthz").send().await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");

    let ready = app.get("/readyz").send().await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["status"], "ready");

    app.get("/api/v1/tags").send().await;
    // A cache hit never reaches the router; it is counted under the route it was
    // built by all the same.
    let again = app.get("/api/v1/tags").send().await;
    assert_eq!(again.header("x-cache").as_deref(), Some("hit"));
    app.get("/no/such/place").send().await;
    let metrics = app.get("/metrics").send().await;
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/api/v1/tags",status="200"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/tags\"")
    );
}

/// The binary's own server path: bind a port, serve HTTP/1.1 on a socket, stop.
async fn the_real_server_serves_over_tcp(app: TestApp) {
    let state = actix_web::rt::task::spawn_blocking({
        let settings = app.settings.clone();
        move || dateline::startup::prepare(settings)
    })
    .await
    .unwrap()
    .unwrap();
    let server = dateline::startup::Application::build(state).unwrap();
    let port = server.port();
    assert_ne!(port, 0);
    let running = actix_web::rt::spawn(server.run_until_stopped());
    let response = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("x-request-id:"), "{response}");
    assert!(response.ends_with(r#"{"status":"ok"}"#), "{response}");
    running.abort();
}

mod the_reference_front_end_is_served_only_when_enabled {
    use crate::helpers::{Backend, TestApp};

    #[actix_web::test]
    async fn sqlite() {
        let on = [("DATELINE_DEMO_FRONTEND", "true")];
        if let (Some(on), Some(off)) = (
            TestApp::spawn_env(Backend::Sqlite, &on).await,
            TestApp::spawn(Backend::Sqlite).await,
        ) {
            super::the_reference_front_end_is_served_only_when_enabled(on, off).await;
        }
    }
}

/// `/demo/` serves the embedded front end with a policy that lets it run its own script
/// and call this API, and nothing else; off by default.
async fn the_reference_front_end_is_served_only_when_enabled(on: TestApp, off: TestApp) {
    let page = on.get("/demo/").send().await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().contains("app.js"), "{}", page.text());
    let policy = page.header("content-security-policy").unwrap().to_owned();
    for rule in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(rule), "{policy}");
    }
    let script = on.get("/demo/app.js").send().await;
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.text().contains("/api/v1"));
    assert_eq!(on.get("/demo/secrets.txt").send().await.status, 404);
    assert_eq!(on.get("/demo/../Cargo.toml").send().await.status, 404);
    let bare = on.get("/demo").send().await;
    assert!([301, 302, 307, 308].contains(&bare.status));
    // The API it calls keeps its own locked-down policy.
    let api = on.get("/api/v1/sections").send().await;
    assert!(
        api.header("content-security-policy")
            .unwrap()
            .contains("sandbox")
    );

    assert_eq!(off.get("/demo/").send().await.status, 404);
    assert_eq!(off.get("/demo/app.js").send().await.status, 404);
}

mod the_desk_is_served_unless_turned_off {
    use crate::helpers::{Backend, TestApp};

    #[actix_web::test]
    async fn sqlite() {
        let off = [("DATELINE_DESK", "false")];
        if let (Some(on), Some(off)) = (
            TestApp::spawn(Backend::Sqlite).await,
            TestApp::spawn_env(Backend::Sqlite, &off).await,
        ) {
            super::the_desk_is_served_unless_turned_off(on, off).await;
        }
    }
}

/// `/desk/` serves the embedded editors' app on every path under it (its own routes,
/// so a link to a story opens on reload), under a policy with no inline script, with
/// ETags so a reload revalidates in one round trip; `DATELINE_DESK=false` removes it.
async fn the_desk_is_served_unless_turned_off(on: TestApp, off: TestApp) {
    let page = on.get("/desk/").send().await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.text().contains("/desk/app.js"), "{}", page.text());
    let policy = page.header("content-security-policy").unwrap().to_owned();
    for rule in [
        "default-src 'none'",
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self';",
        "frame-ancestors 'none'",
        "blob:",
    ] {
        assert!(policy.contains(rule), "{policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    // A story's address in the desk is the same page: the app routes itself.
    let deep = on.get("/desk/stories/01abc").send().await;
    assert_eq!(deep.status, 200);
    assert_eq!(deep.text(), page.text());

    let script = on.get("/desk/app.js").send().await;
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.text().contains("/api/v1/articles"));
    assert_eq!(script.header("cache-control").as_deref(), Some("no-cache"));
    let etag = script.header("etag").unwrap();
    let again = on
        .get("/desk/app.js")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 304);
    assert!(again.text().is_empty());
    let style = on.get("/desk/app.css").send().await;
    assert_eq!(style.status, 200);
    assert_ne!(style.header("etag").unwrap(), etag);
    assert_eq!(on.get("/desk/missing.js").send().await.status, 404);
    assert_eq!(on.get("/desk/../Cargo.toml").send().await.status, 404);
    let bare = on.get("/desk").send().await;
    assert!([301, 302, 307, 308].contains(&bare.status));

    assert_eq!(off.get("/desk/").send().await.status, 404);
    assert_eq!(off.get("/desk/app.js").send().await.status, 404);
}
