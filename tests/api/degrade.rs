//! Degrading, not stalling, on real server processes: slow request bodies and heads
//! time out, and with PostgreSQL cut off (a proxy in between, then pulled) cached
//! public pages keep being served, `/readyz` says 503 within a second, and writes get
//! 503 with `Retry-After`, never a 500; when the database is back, so is everything.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::fresh_postgres_url;
use crate::process::{Server, admin_token, base_env, call, client, scratch};

/// What came back on a raw connection within `within`: the bytes, and whether the
/// server closed the connection.
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while started.elapsed() < within {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&got).into_owned(), true);
            }
            Err(_) => {}
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

#[actix_web::test]
async fn slow_bodies_and_heads_time_out() {
    let dir = scratch("slow");
    let database = format!("sqlite://{}", dir.join("dateline.db").display());
    let env = base_env(
        &dir,
        &database,
        &[
            ("DATELINE_BODY_TIMEOUT_SECS", "1"),
            ("DATELINE_HEADER_TIMEOUT_SECS", "1"),
        ],
    );
    let server = Server::start(env).await;
    let addr = server.base.trim_start_matches("http://").to_owned();

    // Many clients trickling a large login body: each gets 408 and a closed
    // connection shortly after the allowance, while they are still sending.
    let trickles: Vec<_> = (0..40)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(&addr).unwrap();
                stream
                    .write_all(
                        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
                          Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{",
                    )
                    .unwrap();
                let started = Instant::now();
                let writer = stream.try_clone().unwrap();
                let stop = Arc::new(AtomicBool::new(false));
                let trickle = {
                    let stop = stop.clone();
                    std::thread::spawn(move || {
                        let mut writer = writer;
                        while !stop.load(Ordering::SeqCst) {
                            if writer.write_all(b" ").is_err() {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(200));
                        }
                    })
                };
                let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(8));
                stop.store(true, Ordering::SeqCst);
                let _ = trickle.join();
                (answer, closed, started.elapsed())
            })
        })
        .collect();
    for trickle in trickles {
        let (answer, closed, took) = trickle.join().unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 408"),
            "a trickled body got: {answer:?}"
        );
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains("request-timeout"), "{answer}");
        assert!(closed, "the connection was kept open for the trickle");
        assert!(took < Duration::from_secs(6), "408 came after {took:?}");
    }

    // A head that never ends is cut off too.
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /api/v1/articles HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .unwrap();
    let started = Instant::now();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(8));
    assert!(closed, "a stalled head kept its connection: {answer:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );

    // A body sent at a normal pace is unaffected, and the server is fine.
    let (status, body) = call(
        &client(),
        "POST",
        &format!("{}/api/v1/auth/login", server.base),
        "",
        Some(json!({"email": crate::helpers::ADMIN_EMAIL, "password": crate::helpers::ADMIN_PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// A TCP proxy to PostgreSQL that can be pulled (every connection cut, new ones
/// refused) and put back on the same port.
struct Proxy {
    port: u16,
    upstream: String,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    listener: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut proxy = Proxy {
            port,
            upstream,
            up: Arc::new(AtomicBool::new(true)),
            open: Arc::default(),
            listener: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let (upstream, up, open) = (self.upstream.clone(), self.up.clone(), self.open.clone());
        self.listener = Some(std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !up.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let mut open = open.lock().unwrap();
                open.push(client.try_clone().unwrap());
                open.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        }));
    }

    /// Cuts every connection and refuses new ones.
    fn pull(&mut self) {
        self.up.store(false, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // Wake the accept loop so it sees `up` and drops the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(listener) = self.listener.take() {
            let _ = listener.join();
        }
    }

    /// Listens again on the same port.
    fn restore(&mut self) {
        self.up.store(true, Ordering::SeqCst);
        let listener = TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        self.serve(listener);
    }
}

#[actix_web::test]
async fn with_postgres_gone_cached_reads_stay_and_writes_get_503() {
    let Some(url) = fresh_postgres_url() else {
        return;
    };
    // postgres://user@host:port/db?options → the same through the proxy.
    let (scheme_user, rest) = url.split_once('@').expect("a user@host URL");
    let (host_port, path) = rest.split_once('/').expect("host/db");
    let upstream = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let mut proxy = Proxy::start(upstream);
    let proxied = format!("{scheme_user}@127.0.0.1:{}/{path}", proxy.port);
    let dir = scratch("degrade");
    let server = Server::start(base_env(&dir, &proxied, &[])).await;
    let token = admin_token(&server).await;
    let http = client();

    let (status, draft) = server
        .call(
            "POST",
            "/api/v1/articles",
            &token,
            Some(json!({"headline": "Power cut"})),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let (status, story) = server
        .call(
            "POST",
            &format!("/api/v1/articles/{}/publish", draft["id"].as_str().unwrap()),
            &token,
            Some(json!({"version": draft["version"]})),
        )
        .await;
    assert_eq!(status, 200, "{story}");
    let page = format!(
        "{}/api/v1/articles/{}",
        server.base,
        story["slug"].as_str().unwrap()
    );
    let first = http.get(&page).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].clone();
    let cache_control = first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cache_control.contains("stale-if-error="),
        "CDNs are told they may serve it through an outage: {cache_control}"
    );
    let body = first.bytes().await.unwrap();

    proxy.pull();

    // Cached pages come from memory, at once, unchanged.
    for _ in 0..3 {
        let started = Instant::now();
        let res = http.get(&page).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-cache"], "hit");
        assert_eq!(res.headers()["etag"], etag);
        assert_eq!(res.bytes().await.unwrap(), body);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    // The load balancer hears 503 within a second.
    let started = Instant::now();
    let ready = http
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // A write that cannot commit is 503 with Retry-After, never a 500.
    let res = http
        .post(format!("{}/api/v1/articles", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(json!({"headline": "Lost?"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503, "{}", server.output());
    assert!(res.headers().contains_key("retry-after"));
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );

    proxy.restore();
    // Back: reads and writes work again without a restart.
    let started = Instant::now();
    loop {
        let (status, body) = server
            .call(
                "POST",
                "/api/v1/articles",
                &token,
                Some(json!({"headline": "Back on"})),
            )
            .await;
        if status == 201 {
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never recovered"
        );
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = http
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
}
