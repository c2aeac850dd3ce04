//! The desk, the editors' web app (`desk/`), embedded in the binary and served at
//! `/desk/` unless `DATELINE_DESK=false`. It is built from TypeScript sources by
//! `desk/build.mjs`; the built files in `desk/dist/` are committed, so building the
//! binary needs no Node. Any path under `/desk/` that is not one of its files is one of
//! the app's own routes (`/desk/stories/…`) and gets the page, which routes itself.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

/// One embedded file: its name under `/desk/`, its media type and its bytes.
struct Asset {
    name: &'static str,
    mime: &'static str,
    bytes: &'static [u8],
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "index.html",
        mime: "text/html; charset=utf-8",
        bytes: include_bytes!("../../desk/dist/index.html"),
    },
    Asset {
        name: "app.js",
        mime: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../desk/dist/app.js"),
    },
    Asset {
        name: "app.css",
        mime: "text/css; charset=utf-8",
        bytes: include_bytes!("../../desk/dist/app.css"),
    },
    Asset {
        name: "icon.svg",
        mime: "image/svg+xml",
        bytes: include_bytes!("../../desk/dist/icon.svg"),
    },
];

/// Mounts `/desk/` (and redirects `/desk` there).
pub fn register(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/desk", "/desk/"))
        .route("/desk/{path:.*}", web::get().to(serve));
}

async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    let index = if let Some(found) = ASSETS.iter().position(|a| a.name == path) {
        found
    } else if path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
    {
        // A file the desk does not have (an old build's asset name, a typo).
        return HttpResponse::NotFound().finish();
    } else {
        0
    };
    let asset = &ASSETS[index];
    let etag = &etags()[index];
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag.as_str()))
        // Small and embedded: revalidate each time (a 304), so a new binary shows at once.
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if fresh {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, asset.mime))
        .body(asset.bytes)
}

/// A strong ETag per file, from its bytes (FNV-1a, 64 bits), computed once.
fn etags() -> &'static [String; 4] {
    static ETAGS: OnceLock<[String; 4]> = OnceLock::new();
    ETAGS.get_or_init(|| {
        ASSETS.each_ref().map(|asset| {
            let hash = asset.bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            });
            format!("\"{hash:016x}\"")
        })
    })
}
