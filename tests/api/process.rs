//! Real `dateline` server processes (the binary cargo built), for what an in-process
//! app cannot show: several instances on one database, and `kill -9`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET};

/// One running server process.
pub struct Server {
    child: Child,
    pub base: String,
    env: Vec<(String, String)>,
    pub log: PathBuf,
}

/// A scratch folder under cargo's test tmpdir, removed by the caller's `Drop` guard.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Webhooks to a receiver in the test, retried fast, with short leases.
pub const WEBHOOKS_TO_LOOPBACK: [(&str, &str); 3] = [
    ("DATELINE_WEBHOOKS_ALLOW_PRIVATE", "true"),
    ("DATELINE_WEBHOOK_RETRY_BASE_MS", "50"),
    ("DATELINE_WEBHOOK_LEASE_SECS", "1"),
];

/// The settings every test server shares; `extra` adds or overrides.
pub fn base_env(dir: &Path, database_url: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("DATABASE_URL", database_url.to_owned()),
        ("DATELINE_JWT_SECRET", JWT_SECRET.to_owned()),
        ("DATELINE_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
        ("DATELINE_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
        ("DATELINE_DATA_DIR", dir.join("data").display().to_string()),
        ("DATELINE_MEDIA", dir.join("media").display().to_string()),
        ("DATELINE_WORKERS", "2".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push(((*k).to_owned(), (*v).to_owned()));
    }
    env
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    /// Starts `dateline serve` with exactly these settings and waits until it is ready.
    pub async fn start(env: Vec<(String, String)>) -> Server {
        // The free port is released before the child binds it; should another process
        // take it first, our child exits at once while the other answers `/readyz`.
        for _ in 0..5 {
            let mut server = Self::start_once(env.clone()).await;
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            if server.child.try_wait().unwrap().is_none() {
                return server;
            }
        }
        panic!("could not start a server on a free port in five tries");
    }

    async fn start_once(env: Vec<(String, String)>) -> Server {
        let port = free_port();
        let dir = env
            .iter()
            .find(|(k, _)| k == "DATELINE_DATA_DIR")
            .map(|(_, v)| PathBuf::from(v))
            .expect("a data dir");
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join(format!("server-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_dateline"))
            .arg("serve")
            // No developer's .env: only what the test says.
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("DATELINE_LISTEN", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start the dateline binary");
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            env,
            log,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let started = Instant::now();
        let client = client();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "the server exited with {status} before it was ready:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if let Ok(res) = client.get(format!("{}/readyz", self.base)).send().await
                && res.status().is_success()
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server was not ready within a minute"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown hook, no flush, no goodbye.
    pub fn kill9(&mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }

    /// The same server again (same settings, a new port), after `kill9`.
    pub async fn restart(&mut self) {
        let again = Server::start(self.env.clone()).await;
        *self = again;
    }

    /// What the server printed, for failure messages.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        call(
            &client(),
            method,
            &format!("{}{path}", self.base),
            token,
            body,
        )
        .await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// One HTTP call; a connection error (the server was killed) is status 0.
pub async fn call(
    client: &reqwest::Client,
    method: &str,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client.request(method, url);
    if !token.is_empty() {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap());
    }
    match req.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            // Killed between the headers and the body: no answer was received.
            match res.bytes().await {
                Ok(bytes) => (
                    status,
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                ),
                Err(_) => (0, Value::Null),
            }
        }
        Err(_) => (0, Value::Null),
    }
}

/// Signs in as the admin on `server` and returns the access token.
pub async fn admin_token(server: &Server) -> String {
    let (status, body) = server
        .call(
            "POST",
            "/api/v1/auth/login",
            "",
            Some(serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, 200, "login: {body}");
    body["access_token"].as_str().unwrap().to_owned()
}
