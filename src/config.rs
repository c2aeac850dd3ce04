//! Settings, read once from the environment (and `.env`) and passed explicitly.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the data lives: an embedded SQLite file or a PostgreSQL server.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file (created, with its folder, if missing).
    Sqlite(PathBuf),
    /// A `postgres://` connection URL.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses `sqlite://path`, `sqlite:path` or `postgres(ql)://...`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .ok_or_else(|| format!("'{raw}' is neither sqlite://<path> nor postgres://<url>"))?;
        if path.is_empty() {
            return Err("sqlite:// needs a file path, e.g. sqlite://data/dateline.db".into());
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            // The URL may carry a password.
            DatabaseUrl::Postgres(_) => f.write_str("postgres://[redacted]"),
        }
    }
}

/// Where media files are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaLocation {
    /// A local folder (created if missing).
    Folder(PathBuf),
    /// An S3-compatible bucket, with an optional key prefix.
    S3 {
        bucket: String,
        prefix: String,
        /// A custom endpoint (MinIO, moto, R2…) from `AWS_ENDPOINT_URL`.
        endpoint: Option<String>,
        region: String,
        access_key_id: Option<String>,
        secret_access_key: Option<Secret>,
    },
}

/// A secret string that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A CDN or front-end cache told to drop what a write changed (see `cdn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurgeTarget {
    /// Fastly: purge by surrogate key (`Surrogate-Key`), 256 keys a request.
    Fastly {
        /// The API's base URL (`https://api.fastly.com`; a fake one in tests).
        api: String,
        service_id: String,
        token: Secret,
        /// Mark purged objects stale rather than evict them (`Fastly-Soft-Purge`), so
        /// `stale-if-error` can still serve them while the origin is down.
        soft: bool,
    },
    /// Cloudflare: purge by cache tag (`Cache-Tag`), 100 tags a request.
    Cloudflare {
        api: String,
        zone_id: String,
        token: Secret,
    },
    /// A front end's own cache (Next.js `revalidateTag`, Varnish `xkey`): a signed
    /// `POST` of the keys, signed like webhooks.
    Webhook { url: String, secret: Secret },
}

impl PurgeTarget {
    /// The name its delivery cursor is kept under.
    pub fn name(&self) -> String {
        match self {
            PurgeTarget::Fastly { service_id, .. } => format!("fastly:{service_id}"),
            PurgeTarget::Cloudflare { zone_id, .. } => format!("cloudflare:{zone_id}"),
            PurgeTarget::Webhook { url, .. } => format!("webhook:{url}"),
        }
    }
}

/// Every setting the service reads. Built once at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    pub listen: SocketAddr,
    /// Absolute base URL used for links in feeds and `Link` headers.
    pub public_url: String,
    /// Folder for generated state (the JWT secret when none is configured).
    pub data_dir: PathBuf,
    pub jwt_secret: Option<Secret>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Where image files live: a folder, or S3-compatible object storage.
    pub media: MediaLocation,
    /// Absolute base URL media is served from; default `<public_url>/media`.
    pub media_public_url: String,
    /// Largest upload accepted, in bytes (413 beyond it).
    pub max_upload_bytes: u64,
    /// Largest image accepted, in pixels, checked before decoding (422 beyond it).
    pub max_image_pixels: u64,
    pub admin_email: Option<String>,
    pub admin_password: Option<Secret>,
    pub db_pool_size: u32,
    pub login_max_failures: u32,
    pub login_window: Duration,
    pub workers: usize,
    /// Where readers read stories: a story's page is `<site_url>/<slug>` (feed links).
    pub site_url: String,
    /// Requests per minute each API key may make (429 with `Retry-After` beyond).
    pub api_key_rate_limit: u32,
    /// Webhook deliveries: whether private, loopback and link-local targets are allowed.
    pub webhooks_allow_private: bool,
    /// Stories that are not an editor's publish only once an editor approved them
    /// (stage `ready_to_publish`).
    pub require_approval: bool,
    /// How long an edit lock holds without a heartbeat.
    pub edit_lock_hold: Duration,
    /// The first retry waits this long; each further one twice as long (with jitter).
    pub webhook_retry_base: Duration,
    /// Attempts per delivery before it is marked failed.
    pub webhook_max_attempts: u32,
    /// How long a worker may hold a claimed delivery before another may retry it.
    pub webhook_lease: Duration,
    /// Consecutive failed deliveries after which a webhook is disabled.
    pub webhook_disable_after: u32,
    /// Memory for cached public responses, in bytes (0 turns the cache off).
    pub response_cache_bytes: usize,
    /// Browser origins allowed to call the API cross-origin (`*` for any); none by default.
    pub cors_origins: Vec<String>,
    /// Serve the reference front end at `/demo/`.
    pub demo_frontend: bool,
    /// Serve the desk, the editors' web app, at `/desk/` (on unless `DATELINE_DESK=false`).
    pub desk: bool,
    /// CDNs and caches purged by surrogate key when a write changes what they hold.
    pub purge_targets: Vec<PurgeTarget>,
    /// How long the purge worker gathers invalidations before sending (a burst of
    /// writes becomes one purge request).
    pub purge_delay: Duration,
    /// A request body must arrive within this long, plus one second for every
    /// `body_min_rate` bytes (408 otherwise): a slow upload passes, a trickle does not.
    pub body_timeout: Duration,
    /// The slowest average rate, in bytes a second, a long body may arrive at.
    pub body_min_rate: u64,
    /// The request head (line and headers) must arrive within this long (408).
    pub header_timeout: Duration,
    /// Statements taking this many milliseconds or longer are logged (0: never).
    pub slow_query_ms: u64,
    /// A live story's event stream sends a heartbeat this often, so proxies keep it
    /// open and readers notice a dead connection.
    pub live_heartbeat: Duration,
}

/// A configuration value that cannot be used; printed as one line at start-up.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.var, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads settings through `get`, so tests can supply their own environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str, default: &str| get(name).unwrap_or_else(|| default.into());
        let fail = |var: &'static str, message: String| ConfigError { var, message };

        let database_url = DatabaseUrl::parse(&var("DATABASE_URL", "sqlite://data/dateline.db"))
            .map_err(|m| fail("DATABASE_URL", m))?;
        let listen_raw = var("DATELINE_LISTEN", "127.0.0.1:8080");
        let listen: SocketAddr = listen_raw.parse().map_err(|_| {
            fail(
                "DATELINE_LISTEN",
                format!("'{listen_raw}' is not host:port, e.g. 127.0.0.1:8080"),
            )
        })?;
        let public_url = var("DATELINE_PUBLIC_URL", &format!("http://{listen}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(fail(
                "DATELINE_PUBLIC_URL",
                format!("'{public_url}' must be an absolute http(s) URL"),
            ));
        }
        let jwt_secret = match get("DATELINE_JWT_SECRET") {
            Some(s) if s.len() < 32 => {
                return Err(fail(
                    "DATELINE_JWT_SECRET",
                    "must be at least 32 characters (e.g. `openssl rand -hex 32`)".into(),
                ));
            }
            other => other.map(Secret),
        };
        let admin_email = get("DATELINE_ADMIN_EMAIL");
        let admin_password = get("DATELINE_ADMIN_PASSWORD").map(Secret);
        if admin_email.is_some() != admin_password.is_some() {
            let missing = if admin_email.is_some() {
                "DATELINE_ADMIN_PASSWORD"
            } else {
                "DATELINE_ADMIN_EMAIL"
            };
            return Err(fail(
                missing,
                "DATELINE_ADMIN_EMAIL and DATELINE_ADMIN_PASSWORD go together".into(),
            ));
        }
        let mut cors_origins = Vec::new();
        for origin in var("DATELINE_CORS_ORIGINS", "")
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            let scheme_ok = origin.starts_with("http://") || origin.starts_with("https://");
            if origin != "*"
                && (!scheme_ok || origin.trim_end_matches('/').matches('/').count() != 2)
            {
                return Err(fail(
                    "DATELINE_CORS_ORIGINS",
                    format!(
                        "'{origin}' is not an origin: give scheme://host[:port] with no path, e.g. https://www.example.com, or *"
                    ),
                ));
            }
            cors_origins.push(origin.trim_end_matches('/').to_owned());
        }
        let default_pool = match database_url {
            DatabaseUrl::Sqlite(_) => "8",
            DatabaseUrl::Postgres(_) => "10",
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Settings {
            database_url,
            listen,
            public_url: public_url.trim_end_matches('/').to_owned(),
            data_dir: PathBuf::from(var("DATELINE_DATA_DIR", "data")),
            jwt_secret,
            jwt_issuer: var("DATELINE_JWT_ISSUER", "dateline"),
            jwt_audience: var("DATELINE_JWT_AUDIENCE", "dateline-api"),
            access_token_ttl: secs(&get, "DATELINE_ACCESS_TOKEN_TTL", 900, 30..=86_400)?,
            refresh_token_ttl: secs(
                &get,
                "DATELINE_REFRESH_TOKEN_TTL",
                30 * 86_400,
                60..=365 * 86_400,
            )?,
            media: media_location(&get, &var("DATELINE_MEDIA", "data/media"))?,
            media_public_url: media_public_url(&get, &public_url)?,
            max_upload_bytes: number(
                &get,
                "DATELINE_MAX_UPLOAD_BYTES",
                "26214400",
                1024..=1 << 32,
            )?,
            max_image_pixels: number(&get, "DATELINE_MAX_IMAGE_PIXELS", "50000000", 1..=1 << 32)?,
            admin_email,
            admin_password,
            db_pool_size: number(&get, "DATELINE_DB_POOL_SIZE", default_pool, 1..=512)?,
            login_max_failures: number(&get, "DATELINE_LOGIN_MAX_FAILURES", "5", 1..=1000)?,
            login_window: secs(&get, "DATELINE_LOGIN_WINDOW", 900, 1..=86_400)?,
            workers: number(&get, "DATELINE_WORKERS", &cores.to_string(), 1..=256)?,
            site_url: site_url(&get, &public_url)?,
            api_key_rate_limit: number(&get, "DATELINE_API_KEY_RATE_LIMIT", "600", 1..=1_000_000)?,
            webhooks_allow_private: flag(&get, "DATELINE_WEBHOOKS_ALLOW_PRIVATE", false)?,
            require_approval: flag(&get, "DATELINE_REQUIRE_APPROVAL", false)?,
            edit_lock_hold: Duration::from_secs(number(
                &get,
                "DATELINE_EDIT_LOCK_SECONDS",
                "120",
                1..=3600,
            )?),
            webhook_retry_base: Duration::from_millis(number(
                &get,
                "DATELINE_WEBHOOK_RETRY_BASE_MS",
                "10000",
                1..=3_600_000,
            )?),
            webhook_max_attempts: number(&get, "DATELINE_WEBHOOK_MAX_ATTEMPTS", "8", 1..=50)?,
            webhook_lease: secs(&get, "DATELINE_WEBHOOK_LEASE_SECS", 60, 1..=3600)?,
            webhook_disable_after: number(&get, "DATELINE_WEBHOOK_DISABLE_AFTER", "5", 1..=1000)?,
            response_cache_bytes: number::<usize>(
                &get,
                "DATELINE_RESPONSE_CACHE_MB",
                "64",
                0..=65536,
            )? << 20,
            cors_origins,
            demo_frontend: flag(&get, "DATELINE_DEMO_FRONTEND", false)?,
            desk: flag(&get, "DATELINE_DESK", true)?,
            purge_targets: purge_targets(&get)?,
            purge_delay: Duration::from_millis(number(
                &get,
                "DATELINE_PURGE_DELAY_MS",
                "200",
                0..=60_000,
            )?),
            body_timeout: secs(&get, "DATELINE_BODY_TIMEOUT_SECS", 10, 1..=3600)?,
            body_min_rate: number(&get, "DATELINE_BODY_MIN_RATE", "16384", 1..=1 << 30)?,
            header_timeout: secs(&get, "DATELINE_HEADER_TIMEOUT_SECS", 5, 1..=300)?,
            slow_query_ms: number(&get, "DATELINE_SLOW_QUERY_MS", "200", 0..=3_600_000)?,
            live_heartbeat: secs(&get, "DATELINE_LIVE_HEARTBEAT_SECS", 15, 1..=300)?,
        })
    }
}

fn media_location(
    get: &impl Fn(&str) -> Option<String>,
    raw: &str,
) -> Result<MediaLocation, ConfigError> {
    let Some(rest) = raw.strip_prefix("s3://") else {
        return Ok(MediaLocation::Folder(PathBuf::from(raw)));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(ConfigError {
            var: "DATELINE_MEDIA",
            message: format!("'{raw}' names no bucket; use s3://bucket/prefix"),
        });
    }
    let endpoint = get("AWS_ENDPOINT_URL").or_else(|| get("AWS_ENDPOINT"));
    if let Some(e) = &endpoint
        && !(e.starts_with("http://") || e.starts_with("https://"))
    {
        return Err(ConfigError {
            var: "AWS_ENDPOINT_URL",
            message: format!("'{e}' must be an http(s) URL"),
        });
    }
    Ok(MediaLocation::S3 {
        bucket: bucket.to_owned(),
        prefix: prefix.trim_matches('/').to_owned(),
        endpoint,
        region: get("AWS_REGION")
            .or_else(|| get("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".into()),
        access_key_id: get("AWS_ACCESS_KEY_ID"),
        secret_access_key: get("AWS_SECRET_ACCESS_KEY").map(Secret),
    })
}

fn media_public_url(
    get: &impl Fn(&str) -> Option<String>,
    public_url: &str,
) -> Result<String, ConfigError> {
    match get("DATELINE_MEDIA_PUBLIC_URL") {
        None => Ok(format!("{}/media", public_url.trim_end_matches('/'))),
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            Ok(url.trim_end_matches('/').to_owned())
        }
        Some(url) => Err(ConfigError {
            var: "DATELINE_MEDIA_PUBLIC_URL",
            message: format!("'{url}' must be an absolute http(s) URL"),
        }),
    }
}

fn number<T>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display,
{
    let raw = get(name).unwrap_or_else(|| default.into());
    match raw.parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ConfigError {
            var: name,
            message: format!(
                "'{raw}' is not a whole number from {} to {}",
                range.start(),
                range.end()
            ),
        }),
    }
}

/// A true/false variable; unset or empty means `default`.
fn flag(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name).as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some("false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes") => Ok(true),
        Some(other) => Err(ConfigError {
            var: name,
            message: format!("'{other}' is not true or false"),
        }),
    }
}

/// Two variables that only mean something together: both, or neither.
fn pair(
    get: &impl Fn(&str) -> Option<String>,
    first: &'static str,
    second: &'static str,
) -> Result<Option<(String, String)>, ConfigError> {
    match (get(first), get(second)) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError {
            var: second,
            message: format!("{first} is set; set {second} with it"),
        }),
        (None, Some(_)) => Err(ConfigError {
            var: first,
            message: format!("{second} is set; set {first} with it"),
        }),
    }
}

fn http_url(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
) -> Result<String, ConfigError> {
    let raw = get(name).unwrap_or_else(|| default.to_owned());
    if !(raw.starts_with("http://") || raw.starts_with("https://")) {
        return Err(ConfigError {
            var: name,
            message: format!("'{raw}' must be an absolute http(s) URL"),
        });
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// The purge targets configured: Fastly, Cloudflare and a purge webhook, any or all.
fn purge_targets(get: &impl Fn(&str) -> Option<String>) -> Result<Vec<PurgeTarget>, ConfigError> {
    let mut targets = Vec::new();
    if let Some((service_id, token)) = pair(
        get,
        "DATELINE_FASTLY_SERVICE_ID",
        "DATELINE_FASTLY_API_TOKEN",
    )? {
        targets.push(PurgeTarget::Fastly {
            api: http_url(get, "DATELINE_FASTLY_API_URL", "https://api.fastly.com")?,
            service_id,
            token: Secret(token),
            soft: flag(get, "DATELINE_FASTLY_SOFT_PURGE", false)?,
        });
    }
    if let Some((zone_id, token)) = pair(
        get,
        "DATELINE_CLOUDFLARE_ZONE_ID",
        "DATELINE_CLOUDFLARE_API_TOKEN",
    )? {
        targets.push(PurgeTarget::Cloudflare {
            api: http_url(
                get,
                "DATELINE_CLOUDFLARE_API_URL",
                "https://api.cloudflare.com/client/v4",
            )?,
            zone_id,
            token: Secret(token),
        });
    }
    if let Some((url, secret)) = pair(
        get,
        "DATELINE_PURGE_WEBHOOK_URL",
        "DATELINE_PURGE_WEBHOOK_SECRET",
    )? {
        if secret.len() < 16 {
            return Err(ConfigError {
                var: "DATELINE_PURGE_WEBHOOK_SECRET",
                message: "must be at least 16 characters".into(),
            });
        }
        targets.push(PurgeTarget::Webhook {
            url: http_url(get, "DATELINE_PURGE_WEBHOOK_URL", &url)?,
            secret: Secret(secret),
        });
    }
    Ok(targets)
}

fn site_url(
    get: &impl Fn(&str) -> Option<String>,
    public_url: &str,
) -> Result<String, ConfigError> {
    http_url(get, "DATELINE_SITE_URL", public_url)
}

fn secs(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<Duration, ConfigError> {
    number(get, name, &default.to_string(), range).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn defaults_serve_sqlite_on_loopback_8080() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite("data/dateline.db".into())
        );
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = settings(&[("DATELINE_LISTEN", "nowhere")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_LISTEN");
        let err = settings(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.var, "DATABASE_URL");
        let err = settings(&[("DATELINE_JWT_SECRET", "short")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_JWT_SECRET");
        let err = settings(&[("DATELINE_DB_POOL_SIZE", "0")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_DB_POOL_SIZE");
        let err = settings(&[("DATELINE_MEDIA", "s3://")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_MEDIA");
        let err = settings(&[("DATELINE_MAX_UPLOAD_BYTES", "lots")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_MAX_UPLOAD_BYTES");
    }

    #[test]
    fn media_goes_to_a_folder_or_a_bucket() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.media, MediaLocation::Folder("data/media".into()));
        assert_eq!(s.media_public_url, "http://127.0.0.1:8080/media");
        let s = settings(&[
            ("DATELINE_MEDIA", "s3://photos/newsroom/"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
        ])
        .unwrap();
        match s.media {
            MediaLocation::S3 {
                bucket,
                prefix,
                endpoint,
                ..
            } => {
                assert_eq!((bucket.as_str(), prefix.as_str()), ("photos", "newsroom"));
                assert_eq!(endpoint.as_deref(), Some("http://127.0.0.1:9000"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn purge_targets_come_in_complete_pairs() {
        assert!(settings(&[]).unwrap().purge_targets.is_empty());
        let err = settings(&[("DATELINE_FASTLY_SERVICE_ID", "svc")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_FASTLY_API_TOKEN");
        let err = settings(&[("DATELINE_CLOUDFLARE_API_TOKEN", "t")]).unwrap_err();
        assert_eq!(err.var, "DATELINE_CLOUDFLARE_ZONE_ID");
        let err = settings(&[
            (
                "DATELINE_PURGE_WEBHOOK_URL",
                "https://www.example.com/purge",
            ),
            ("DATELINE_PURGE_WEBHOOK_SECRET", "short"),
        ])
        .unwrap_err();
        assert_eq!(err.var, "DATELINE_PURGE_WEBHOOK_SECRET");
        let s = settings(&[
            ("DATELINE_FASTLY_SERVICE_ID", "svc"),
            ("DATELINE_FASTLY_API_TOKEN", "fastly-token"),
            ("DATELINE_CLOUDFLARE_ZONE_ID", "zone"),
            ("DATELINE_CLOUDFLARE_API_TOKEN", "cf-token"),
        ])
        .unwrap();
        let names: Vec<String> = s.purge_targets.iter().map(PurgeTarget::name).collect();
        assert_eq!(names, ["fastly:svc", "cloudflare:zone"]);
        assert!(!format!("{s:?}").contains("fastly-token"));
    }

    #[test]
    fn secrets_never_print() {
        let s = settings(&[
            ("DATELINE_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("DATABASE_URL", "postgres://u:hunter2@db/x"),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("0123456789abcdef"));
        assert!(!shown.contains("hunter2"));
    }
}
