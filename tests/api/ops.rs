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
    let metrics = app.get("/metrics").send().await;
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/api/v1/tags",status="200"} 1"#),
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
