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

/// A secret string that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
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
    /// Media storage: a folder, or `s3://bucket/prefix` (used by the images work).
    pub media: String,
    pub admin_email: Option<String>,
    pub admin_password: Option<Secret>,
    pub db_pool_size: u32,
    pub login_max_failures: u32,
    pub login_window: Duration,
    pub workers: usize,
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
            media: var("DATELINE_MEDIA", "data/media"),
            admin_email,
            admin_password,
            db_pool_size: number(&get, "DATELINE_DB_POOL_SIZE", default_pool, 1..=512)?,
            login_max_failures: number(&get, "DATELINE_LOGIN_MAX_FAILURES", "5", 1..=1000)?,
            login_window: secs(&get, "DATELINE_LOGIN_WINDOW", 900, 1..=86_400)?,
            workers: number(&get, "DATELINE_WORKERS", &cores.to_string(), 1..=256)?,
        })
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
