//! The reference front end (`examples/frontend/`), embedded in the binary and served at
//! `/demo/` when `DATELINE_DEMO_FRONTEND` is on: a working newsroom site built only on
//! the public API, for trying Dateline and as a model for front-end teams.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const FILES: [(&str, &str, &str); 4] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../../examples/frontend/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../examples/frontend/app.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../examples/frontend/style.css"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_str!("../../examples/frontend/icon.svg"),
    ),
];

/// Mounts `/demo/` (and redirects `/demo` there).
pub fn register(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/demo", "/demo/"))
        .route("/demo/", web::get().to(|| serve("index.html")))
        .route(
            "/demo/{file}",
            web::get().to(|file: web::Path<String>| serve_owned(file.into_inner())),
        );
}

async fn serve_owned(file: String) -> HttpResponse {
    serve(&file).await
}

async fn serve(file: &str) -> HttpResponse {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, mime, body)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *mime))
            // Small and embedded: revalidate each time, so a new binary shows at once.
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}
