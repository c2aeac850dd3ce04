//! Building and running the application: the same code path for the binary and tests.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Compress, ErrorHandlers, from_fn};
use actix_web::web::{self, Data};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::tokens::{JwtKeys, load_or_create_secret};
use crate::config::Settings;
use crate::error::AppError;
use crate::http::extract::JSON_LIMIT;
use crate::http::metrics::Metrics;
use crate::http::middleware::{observe, problem_fallback};
use crate::http::problem::Problem;
use crate::openapi::ApiDoc;
use crate::routes;
use crate::state::AppState;
use crate::store::Db;

/// Opens the database, migrates it, creates the first admin if configured, and loads
/// the signing key: everything a server (or a test) needs before taking requests.
pub fn prepare(settings: Settings) -> Result<AppState, String> {
    crate::store::slow::install(settings.slow_query_ms);
    let db = Db::connect(&settings.database_url, settings.db_pool_size)?;
    let ran = db.migrate()?;
    if ran > 0 {
        tracing::info!(migrations = ran, "database migrated");
    }
    if let (Some(email), Some(password)) = (&settings.admin_email, &settings.admin_password) {
        let created = crate::users::bootstrap_admin(&db, email, &password.0)
            .map_err(|e| format!("DATELINE_ADMIN_EMAIL/DATELINE_ADMIN_PASSWORD: {e}"))?;
        if created {
            tracing::info!(%email, "created the first admin");
        }
    }
    // The public index is derived from the stories; fill it if it is new (the first
    // start after the migration that introduced it).
    let rebuilt = db
        .write_blocking(crate::content::articles::announce::ensure)
        .map_err(|e| format!("building the public story index: {e}"))?;
    if rebuilt {
        tracing::info!("built the public story index and counts");
    }
    let secret = load_or_create_secret(&settings)?;
    let media = crate::media::files::MediaStore::open(&settings)?;
    let response_cache = Arc::new(crate::http::response_cache::ResponseCache::new(
        settings.response_cache_bytes,
    ));
    let cache = Arc::downgrade(&response_cache);
    db.invalidations().subscribe(Box::new(move |invalidation| {
        if let Some(cache) = cache.upgrade() {
            cache.invalidate(invalidation);
        }
    }));
    let renders = Arc::new(crate::content::articles::renders::Renders::new(&format!(
        "{}\n{}",
        ApiDoc::shared().json,
        media.url("")
    )));
    let heard = Arc::downgrade(&renders);
    db.invalidations().subscribe(Box::new(move |invalidation| {
        if let Some(renders) = heard.upgrade() {
            renders.heard(invalidation);
        }
    }));
    let live = Arc::new(crate::content::live::hub::LiveHub::default());
    let heard = Arc::downgrade(&live);
    db.invalidations().subscribe(Box::new(move |invalidation| {
        if let Some(live) = heard.upgrade() {
            live.heard(invalidation);
        }
    }));
    // Other processes' and instances' writes reach this cache through the log.
    db.tail_invalidations();
    Ok(AppState {
        jwt: JwtKeys::new(&secret, &settings),
        db,
        settings: Arc::new(settings),
        metrics: Metrics::new().map_err(|e| format!("metrics: {e}"))?,
        media,
        key_limits: Default::default(),
        response_cache,
        renders,
        live,
    })
}

/// The whole service as an actix `App`: routes, docs, middleware, error shapes.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let demo_frontend = state.settings.demo_frontend;
    let desk = state.settings.desk;
    let (app, _) = App::new()
        .into_utoipa_app()
        .configure(routes::register)
        .split_for_parts();
    // What the middleware reads, each on its own (the http layer never sees AppState).
    let response_cache = Data::from(state.response_cache.clone());
    let settings = Data::from(state.settings.clone());
    let metrics = Data::new(state.metrics.clone());
    app.app_data(Data::new(state))
        .app_data(settings)
        .app_data(metrics)
        .app_data(response_cache)
        .app_data(web::PayloadConfig::new(JSON_LIMIT))
        // The document as built once for the process (not a copy per worker).
        .route("/openapi.json", web::get().to(openapi_json))
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                // "Try it out" on by default against this server; the token typed
                // into "Authorize" survives a reload.
                .config(
                    utoipa_swagger_ui::Config::new(["/openapi.json"])
                        .try_it_out_enabled(true)
                        .persist_authorization(true)
                        .display_request_duration(true),
                ),
        )
        .service(web::redirect("/docs", "/docs/"))
        .configure(|cfg| {
            if demo_frontend {
                crate::http::demo_site::register(cfg);
            }
            if desk {
                crate::http::desk_site::register(cfg);
            }
        })
        .default_service(web::to(no_route))
        .wrap(from_fn(crate::http::body_deadline::limit))
        .wrap(from_fn(crate::auth::principal::authenticate_first))
        .wrap(ErrorHandlers::new().default_handler(problem_fallback))
        .wrap(from_fn(crate::audit::record))
        .wrap(from_fn(crate::http::response_cache::serve))
        .wrap(from_fn(crate::http::compress::encode))
        .wrap(Compress::default())
        .wrap(from_fn(crate::http::security::guard))
        .wrap(from_fn(observe))
}

/// 405 with `Allow` for a known path and a method it does not take; 404 otherwise.
async fn no_route(req: HttpRequest) -> HttpResponse {
    match ApiDoc::shared().allowed_methods(req.path()) {
        Some(methods) => {
            let problem = Problem::new(
                actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                format!(
                    "{} is not allowed here; use {}",
                    req.method(),
                    methods.join(", ")
                ),
            );
            let mut res = problem.response();
            if let Ok(allow) = header::HeaderValue::from_str(&methods.join(", ")) {
                res.headers_mut().insert(header::ALLOW, allow);
            }
            res
        }
        None => actix_web::ResponseError::error_response(&AppError::NotFound("route")),
    }
}

/// `GET /openapi.json`: the document this build serves, from the process's one copy.
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(web::Bytes::from_static(ApiDoc::shared().json.as_bytes()))
}

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the listener (port 0 picks a free one, for tests) and builds the server.
    pub fn build(state: AppState) -> Result<Self, String> {
        let settings = state.settings.clone();
        let listener = TcpListener::bind(settings.listen)
            .map_err(|e| format!("DATELINE_LISTEN: cannot listen on {}: {e}", settings.listen))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        actix_web::rt::spawn(crate::content::articles::scheduler::run(state.clone()));
        actix_web::rt::spawn(crate::ordering::scheduler::run(state.clone()));
        actix_web::rt::spawn(crate::webhooks::worker::run(state.clone()));
        actix_web::rt::spawn(crate::cdn::worker::run(state.clone()));
        actix_web::rt::spawn(crate::content::articles::renders::run(
            state.db.clone(),
            state.media.clone(),
            state.renders.clone(),
        ));
        actix_web::rt::spawn(crate::media::crops::run(state.clone()));
        actix_web::rt::spawn(crate::content::live::hub::run(
            state.db.clone(),
            state.live.clone(),
            settings.live_heartbeat,
        ));
        let server = HttpServer::new(move || app(state.clone()))
            .workers(settings.workers)
            // On SIGTERM/SIGINT: stop accepting, finish in-flight requests, then exit.
            .shutdown_timeout(30)
            // A request head must arrive in time (408); bodies: `http::body_deadline`.
            .client_request_timeout(settings.header_timeout)
            .listen(listener)
            .map_err(|e| format!("DATELINE_LISTEN: {e}"))?
            .run();
        Ok(Application { port, server })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until a shutdown signal.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
