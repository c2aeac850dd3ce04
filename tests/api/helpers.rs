//! The test harness: every test gets a fresh database on each backend and drives the
//! real application (routes, middleware, extractors, database) through actix's
//! in-process HTTP stack.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::body::BoxBody;
use actix_web::dev::Service;
use actix_web::http::header::HeaderMap;
use actix_web::test::{self as actix_test, TestRequest};
use actix_web::web::Bytes;
use dateline::config::Settings;
use dateline::startup::{app, prepare};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@dateline.test";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const JWT_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";
pub const PASSWORD: &str = "correct-horse-42";
/// Uploads over this many bytes get 413 in tests (the default is 25 MB).
pub const MAX_UPLOAD: u64 = 2_000_000;
const S3_BUCKET: &str = "dateline-test";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend (as two test functions, `…::sqlite` and `…::postgres`).
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await {
                    super::$name(app).await;
                }
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

/// Like [`both_backends!`], for tests that need settings of their own:
/// `both_backends_env!(super::ENV; name, …)` with `ENV` a `[(&str, &str); N]` of
/// variables (the path is read inside the generated module, hence `super::`).
#[macro_export]
macro_rules! both_backends_env {
    ($env:path; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                if let Some(app) = $crate::helpers::TestApp::spawn_env($crate::helpers::Backend::Sqlite, &$env).await {
                    super::$name(app).await;
                }
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::helpers::TestApp::spawn_env($crate::helpers::Backend::Postgres, &$env).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

/// Where media files go in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Local,
    S3,
}

/// Runs an image test on both databases and both media stores.
#[macro_export]
macro_rules! media_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::helpers::{Backend, Storage, TestApp};
            #[actix_web::test]
            async fn sqlite_local() {
                if let Some(app) = TestApp::spawn_with(Backend::Sqlite, Storage::Local).await {
                    super::$name(app).await;
                }
            }
            #[actix_web::test]
            async fn postgres_local() {
                if let Some(app) = TestApp::spawn_with(Backend::Postgres, Storage::Local).await {
                    super::$name(app).await;
                }
            }
            #[actix_web::test]
            async fn sqlite_s3() {
                if let Some(app) = TestApp::spawn_with(Backend::Sqlite, Storage::S3).await {
                    super::$name(app).await;
                }
            }
            #[actix_web::test]
            async fn postgres_s3() {
                if let Some(app) = TestApp::spawn_with(Backend::Postgres, Storage::S3).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

type Call = Rc<dyn Fn(TestRequest) -> Pin<Box<dyn Future<Output = Res>>>>;
/// Calls the service and hands back the response with its body unread (streams).
type Open = Rc<
    dyn Fn(TestRequest) -> Pin<Box<dyn Future<Output = actix_web::dev::ServiceResponse<BoxBody>>>>,
>;

/// A running application on a fresh database.
pub struct TestApp {
    pub settings: Settings,
    /// The app's state, for driving background work (the scheduler) directly.
    pub state: dateline::state::AppState,
    call: Call,
    open: Open,
    pub admin: String,
    cleanup: Option<std::path::PathBuf>,
    /// The media folder, for local-storage tests.
    pub media_dir: Option<std::path::PathBuf>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestApp {
    /// A fresh app, or `None` for PostgreSQL when no server is configured or reachable
    /// outside CI (CI sets `DATELINE_TEST_POSTGRES_URL`, and then any failure is loud).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, Storage::Local).await
    }

    /// A fresh app on `backend`, keeping media in `storage` (S3 is skipped like
    /// PostgreSQL when no server is configured outside CI).
    pub async fn spawn_with(backend: Backend, storage: Storage) -> Option<TestApp> {
        Self::spawn_full(backend, storage, &[]).await
    }

    /// A fresh app with extra settings (`DATELINE_…` variables) for this test only.
    pub async fn spawn_env(backend: Backend, extra: &[(&str, &str)]) -> Option<TestApp> {
        Self::spawn_full(backend, Storage::Local, extra).await
    }

    async fn spawn_full(
        backend: Backend,
        storage: Storage,
        extra: &[(&str, &str)],
    ) -> Option<TestApp> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        let media_dir = tmp.join(format!("media-{}-{n}", std::process::id()));
        let mut media_env = match storage {
            Storage::Local => vec![("DATELINE_MEDIA", media_dir.display().to_string())],
            Storage::S3 => vec![
                (
                    "DATELINE_MEDIA",
                    format!("s3://{S3_BUCKET}/t{}-{n}", std::process::id()),
                ),
                ("AWS_ENDPOINT_URL", s3_endpoint()?),
                ("AWS_ACCESS_KEY_ID", "test".into()),
                ("AWS_SECRET_ACCESS_KEY", "test".into()),
                ("AWS_REGION", "us-east-1".into()),
            ],
        };
        let (database_url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                    .join(format!("dateline-{}-{n}.db", std::process::id()));
                (format!("sqlite://{}", path.display()), Some(path))
            }
            Backend::Postgres => (postgres_schema_url(n)?, None),
        };
        let data_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("data");
        let env: HashMap<&str, String> = HashMap::from([
            ("DATABASE_URL", database_url),
            ("DATELINE_LISTEN", "127.0.0.1:0".into()),
            ("DATELINE_JWT_SECRET", JWT_SECRET.into()),
            ("DATELINE_ADMIN_EMAIL", ADMIN_EMAIL.into()),
            ("DATELINE_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
            ("DATELINE_DATA_DIR", data_dir.display().to_string()),
            ("DATELINE_DB_POOL_SIZE", "4".into()),
            ("DATELINE_WORKERS", "1".into()),
            ("DATELINE_MAX_UPLOAD_BYTES", MAX_UPLOAD.to_string()),
        ]);
        let mut env = env;
        env.extend(media_env.drain(..));
        for (k, v) in extra {
            env.insert(*k, (*v).to_owned());
        }
        let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings");
        let state = actix_web::rt::task::spawn_blocking({
            let settings = settings.clone();
            move || prepare(settings)
        })
        .await
        .expect("prepare task")
        .expect("prepare the app");
        let (call, open) = Self::serve(state.clone()).await;
        let mut app = TestApp {
            settings,
            state,
            call,
            open,
            admin: String::new(),
            cleanup,
            media_dir: (storage == Storage::Local).then_some(media_dir),
        };
        app.admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        Some(app)
    }

    /// A second instance of the service on the same database, with its own memory
    /// (response cache, rate limits), as behind a load balancer.
    pub async fn another_instance(&self) -> TestApp {
        let settings = self.settings.clone();
        let state = actix_web::rt::task::spawn_blocking({
            let settings = settings.clone();
            move || prepare(settings)
        })
        .await
        .expect("prepare task")
        .expect("prepare the second instance");
        let (call, open) = Self::serve(state.clone()).await;
        TestApp {
            settings,
            call,
            open,
            state,
            admin: self.admin.clone(),
            cleanup: None,
            media_dir: None,
        }
    }

    async fn serve(state: dateline::state::AppState) -> (Call, Open) {
        // Stories are rendered in the background, as in the server, so that every test
        // reads pages both ways.
        actix_web::rt::spawn(dateline::content::articles::renders::run(
            state.db.clone(),
            state.media.clone(),
            state.renders.clone(),
        ));
        // Live stories' event streams are fed by the hub's task, as in the server.
        actix_web::rt::spawn(dateline::content::live::hub::run(
            state.db.clone(),
            state.live.clone(),
            state.settings.live_heartbeat,
        ));
        let service = Rc::new(actix_test::init_service(app(state)).await);
        let opener = service.clone();
        let open: Open = Rc::new(move |req: TestRequest| {
            let service = opener.clone();
            Box::pin(async move {
                match service.call(req.to_request()).await {
                    Ok(response) => response.map_into_boxed_body(),
                    Err(err) => panic!("the service itself failed: {err}"),
                }
            })
        });
        let call: Call = Rc::new(move |req: TestRequest| {
            let service = service.clone();
            Box::pin(async move {
                let response = match service.call(req.to_request()).await {
                    Ok(response) => response.map_into_boxed_body(),
                    Err(err) => panic!("the service itself failed: {err}"),
                };
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = actix_test::read_body(response).await;
                Res {
                    status,
                    headers,
                    body,
                }
            })
        });
        (call, open)
    }

    /// Starts a request.
    pub fn req(&self, method: &str, path: &str) -> Req {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
        Req {
            call: self.call.clone(),
            open: self.open.clone(),
            inner: TestRequest::default().method(method).uri(path),
        }
    }

    pub fn get(&self, path: &str) -> Req {
        self.req("GET", path)
    }
    pub fn post(&self, path: &str) -> Req {
        self.req("POST", path)
    }
    pub fn patch(&self, path: &str) -> Req {
        self.req("PATCH", path)
    }
    pub fn delete(&self, path: &str) -> Req {
        self.req("DELETE", path)
    }

    /// Signs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .post("/api/v1/auth/login")
            .json(json!({"email": email, "password": password}))
            .send()
            .await;
        assert_eq!(res.status, 200, "login {email}: {}", res.text());
        res.json()["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Creates a user with `role` (as the admin) and returns `(id, access token)`.
    pub async fn user(&self, role: &str) -> (String, String) {
        let email = format!(
            "{role}-{}@dateline.test",
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let res = self
            .post("/api/v1/users")
            .bearer(&self.admin)
            .json(json!({"email": email, "name": format!("A {role}"), "role": role, "password": PASSWORD}))
            .send()
            .await;
        assert_eq!(res.status, 201, "create {role}: {}", res.text());
        let id = res.json()["id"].as_str().expect("id").to_owned();
        (id, self.login(&email, PASSWORD).await)
    }

    /// Publishes story `id` at `version` as the admin and returns the story.
    pub async fn publish(&self, id: &str, version: i64) -> Value {
        let res = self
            .post(&format!("/api/v1/articles/{id}/publish"))
            .bearer(&self.admin)
            .json(json!({"version": version}))
            .send()
            .await;
        assert_eq!(res.status, 200, "publish {id}: {}", res.text());
        res.json()
    }

    /// Publishes (or with `publish_at` in `extra`, schedules) a story as read (its `id`
    /// and `version`) as the admin; returns it.
    pub async fn publish_story(&self, story: &Value, extra: Value) -> Value {
        let mut body = json!({"version": story["version"]});
        for (k, v) in extra.as_object().expect("extra is an object") {
            body[k] = v.clone();
        }
        let id = story["id"].as_str().expect("id");
        let res = self
            .post(&format!("/api/v1/articles/{id}/publish"))
            .bearer(&self.admin)
            .json(body)
            .send()
            .await;
        assert_eq!(res.status, 200, "publish {id}: {}", res.text());
        res.json()
    }

    /// Creates a story with `fields` as the admin and publishes it now; returns it as
    /// published. The one way a test gets a public story.
    pub async fn published_story(&self, fields: Value) -> Value {
        let draft = self.create("/api/v1/articles", fields).await;
        let version = draft["version"].as_i64().expect("version");
        self.publish(draft["id"].as_str().expect("id"), version)
            .await
    }

    /// Edits a story as the admin at `version` with `changes`; returns it as saved.
    pub async fn edit(&self, id: &str, version: i64, mut changes: Value) -> Value {
        changes["version"] = json!(version);
        let res = self
            .patch(&format!("/api/v1/articles/{id}"))
            .bearer(&self.admin)
            .json(changes)
            .send()
            .await;
        assert_eq!(res.status, 200, "edit {id}: {}", res.text());
        res.json()
    }

    /// Creates something as the admin and returns its JSON.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let res = self.post(path).bearer(&self.admin).json(body).send().await;
        assert_eq!(res.status, 201, "POST {path}: {}", res.text());
        res.json()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(dir) = &self.media_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(path) = &self.cleanup {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// A request being built.
pub struct Req {
    call: Call,
    open: Open,
    inner: TestRequest,
}

impl Req {
    pub fn bearer(self, token: &str) -> Req {
        self.header("Authorization", &format!("Bearer {token}"))
    }
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.inner = self
            .inner
            .insert_header((name.to_owned(), value.to_owned()));
        self
    }
    pub fn json(mut self, body: Value) -> Req {
        self.inner = self.inner.set_json(body);
        self
    }
    /// A multipart/form-data body: `(name, filename, bytes)` per part.
    pub fn multipart(mut self, parts: &[(&str, Option<&str>, &[u8])]) -> Req {
        let boundary = "dateline-test-boundary-7d3f";
        let mut body = Vec::new();
        for (name, filename, data) in parts {
            body.extend(format!("--{boundary}\r\n").as_bytes());
            match filename {
                Some(f) => body.extend(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/jpeg\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => body.extend(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            body.extend_from_slice(data);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        self.inner = self
            .inner
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .set_payload(body);
        self
    }

    pub fn raw(mut self, content_type: &str, body: &'static str) -> Req {
        self.inner = self
            .inner
            .insert_header(("content-type", content_type))
            .set_payload(body);
        self
    }
    pub async fn send(self) -> Res {
        (self.call)(self.inner).await
    }

    /// Sends the request and keeps the response body open, for event streams.
    pub async fn stream(self) -> EventStream {
        let response = (self.open)(self.inner).await;
        EventStream {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: Some(response.into_body()),
            text: String::new(),
        }
    }
}

/// A Server-Sent Events response being read.
pub struct EventStream {
    pub status: u16,
    pub headers: HeaderMap,
    body: Option<BoxBody>,
    /// Everything read so far.
    pub text: String,
}

/// One event of a stream.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<i64>,
    pub event: String,
    pub data: Value,
}

impl EventStream {
    /// Reads what arrives within `wait` (or until the stream ends).
    pub async fn read_for(&mut self, wait: std::time::Duration) {
        use actix_web::body::MessageBody;
        let deadline = tokio::time::Instant::now() + wait;
        while let Some(body) = self.body.as_mut() {
            let next = futures_util::future::poll_fn(|cx| Pin::new(&mut *body).poll_next(cx));
            match tokio::time::timeout_at(deadline, next).await {
                Ok(Some(Ok(chunk))) => self.text.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(Some(Err(_))) | Ok(None) => self.body = None,
                Err(_) => return,
            }
        }
    }

    /// Reads until `n` events have arrived in all (or `wait` passed); the events.
    pub async fn events_within(&mut self, n: usize, wait: std::time::Duration) -> Vec<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let events = self.events();
            let now = tokio::time::Instant::now();
            if events.len() >= n || now >= deadline || self.body.is_none() {
                return events;
            }
            self.read_for((deadline - now).min(std::time::Duration::from_millis(50)))
                .await;
        }
    }

    /// The events read so far (heartbeat comments and `retry:` are not events).
    pub fn events(&self) -> Vec<Event> {
        self.text
            .split("\n\n")
            .filter(|frame| frame.lines().any(|l| l.starts_with("data:")))
            .filter(|frame| self.text.contains(&format!("{frame}\n\n")))
            .map(|frame| {
                let mut event = Event {
                    id: None,
                    event: "message".into(),
                    data: Value::Null,
                };
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        event.id = v.parse().ok();
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event.event = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        event.data = serde_json::from_str(v).expect("event data is JSON");
                    }
                }
                event
            })
            .collect()
    }
}

/// A response, fully read.
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Res {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    /// Asserts a problem+json error of `status` and returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.text()
        );
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "error without problem+json: {}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert!(
            body["type"].is_string() && body["title"].is_string() && body["detail"].is_string()
        );
        body
    }
    /// The fields a validation problem names.
    pub fn fields(&self) -> Vec<String> {
        self.json()["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The PostgreSQL URL tests use: `DATELINE_TEST_POSTGRES_URL`, or the local default.
fn admin_url() -> (String, bool) {
    match std::env::var("DATELINE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => (url, true),
        _ => ("postgres://postgres@127.0.0.1:5432/postgres".into(), false),
    }
}

/// One throwaway database per test run; each test gets its own schema in it.
/// Signs `claims` as an access token with `secret`, as an attacker (or a test) would.
pub fn forge(claims: Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// A fresh, empty PostgreSQL schema for a test that runs its own servers (`None` when
/// PostgreSQL tests are skipped, as in `spawn`).
pub fn fresh_postgres_url() -> Option<String> {
    postgres_schema_url(COUNTER.fetch_add(1, Ordering::SeqCst))
}

fn postgres_schema_url(n: usize) -> Option<String> {
    static RUN_DB: OnceLock<Option<String>> = OnceLock::new();
    let base = RUN_DB
        .get_or_init(|| {
            let (url, required) = admin_url();
            let mut admin = match PgConnection::establish(&url) {
                Ok(conn) => conn,
                Err(e) if required || std::env::var("CI").is_ok() => {
                    panic!("PostgreSQL at DATELINE_TEST_POSTGRES_URL is unreachable: {e}")
                }
                Err(e) => {
                    eprintln!(
                        "note: PostgreSQL tests skipped (set DATELINE_TEST_POSTGRES_URL): {e}"
                    );
                    return None;
                }
            };
            drop_stale_databases(&mut admin);
            let name = format!(
                "dateline_test_{}_{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis())
            );
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create the test database");
            Some(replace_database(&url, &name))
        })
        .clone()?;
    let mut conn = PgConnection::establish(&base).expect("connect to the test database");
    conn.batch_execute(&format!("CREATE SCHEMA t{n}"))
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-csearch_path%3Dt{n}"))
}

/// Drops test databases left by runs whose process is gone.
fn drop_stale_databases(admin: &mut PgConnection) {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'dateline_test_%'")
            .load(admin)
            .unwrap_or_default();
    for Name { datname } in names {
        let pid = datname.split('_').nth(2).unwrap_or("");
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"));
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (head, query) = url
        .split_once('?')
        .map_or((url, None), |(h, q)| (h, Some(q)));
    let without_db = match head.rfind('/') {
        Some(i) if i > "postgres://".len() => &head[..i],
        _ => head,
    };
    match query {
        Some(q) => format!("{without_db}/{name}?{q}"),
        None => format!("{without_db}/{name}"),
    }
}

/// The S3-compatible server tests use (moto in CI): `DATELINE_TEST_S3_ENDPOINT`, or
/// moto's default port. Creates the test bucket once.
fn s3_endpoint() -> Option<String> {
    static ENDPOINT: OnceLock<Option<String>> = OnceLock::new();
    ENDPOINT
        .get_or_init(|| {
            let (url, required) = match std::env::var("DATELINE_TEST_S3_ENDPOINT") {
                Ok(url) if !url.is_empty() => (url, true),
                _ => ("http://127.0.0.1:5000".to_owned(), false),
            };
            let host = url
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned();
            match create_bucket(&host) {
                Ok(()) => Some(url),
                Err(e) if required || std::env::var("CI").is_ok() => {
                    panic!("the S3 test server at {url} is unreachable: {e}")
                }
                Err(e) => {
                    eprintln!("note: S3 tests skipped (set DATELINE_TEST_S3_ENDPOINT): {e}");
                    None
                }
            }
        })
        .clone()
}

/// `PUT /bucket` over a plain socket (moto accepts it unsigned); 200 or 409 both mean
/// the bucket exists.
fn create_bucket(host: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(
        stream,
        "PUT /{S3_BUCKET} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    if answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.1 409") {
        Ok(())
    } else {
        Err(std::io::Error::other(
            answer.lines().next().unwrap_or("no answer").to_owned(),
        ))
    }
}
