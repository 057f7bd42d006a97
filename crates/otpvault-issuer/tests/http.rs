//! The HTTP server under hostile clients, over real sockets on loopback: clients that stall in
//! their headers (slowloris), send a short body after a long Content-Length, hold keep-alive
//! connections idle, or open more connections than allowed; password checks that queue without
//! holding up other requests; `/metrics`; TLS.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use otpvault_issuer::http::{Limits, ServeOptions, TlsFiles, serve_with};
use otpvault_issuer::{Config, Issuer};

struct Server {
    address: SocketAddr,
    /// mario's PUK.
    puk: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn config() -> Config {
    Config {
        origin: String::new(),
        issuer: "Provincia".into(),
        password_memory_kib: 64,
        ..Config::default()
    }
}

/// Starts a server with `limits` (and TLS files), one user `mario` / `portal password`.
fn start(limits: Limits, tls: Option<TlsFiles>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("issuer.db");
    let mut issuer = Issuer::open(&db, config()).unwrap();
    let puk = issuer
        .add_user("mario", "portal password", 0)
        .unwrap()
        .to_string();
    drop(issuer);
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = {
        let stop = stop.clone();
        let options = ServeOptions { limits, tls };
        std::thread::spawn(move || {
            serve_with(&db, &config(), "127.0.0.1:0", &options, stop, |a| {
                tx.send(a).unwrap()
            })
            .unwrap()
        })
    };
    let address = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    Server {
        address,
        puk,
        stop,
        thread: Some(thread),
        _dir: dir,
    }
}

fn limits() -> Limits {
    Limits {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        ..Limits::default()
    }
}

/// One request on a new connection; the status and the body.
fn request(address: SocketAddr, raw: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = stream.read_to_string(&mut out);
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

fn get(address: SocketAddr, path: &str) -> (u16, String) {
    request(
        address,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
}

fn post(address: SocketAddr, path: &str, body: &str) -> (u16, String) {
    request(
        address,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Health answers within a second, timed from the request.
fn health_within_a_second(address: SocketAddr) {
    let start = Instant::now();
    let (status, body) = get(address, "/v1/health");
    let elapsed = start.elapsed();
    assert_eq!((status, body.as_str()), (200, "{\"status\":\"ok\"}"));
    assert!(elapsed < Duration::from_secs(1), "health took {elapsed:?}");
}

/// True once the server has closed `stream` (a read returns end of file or an error).
fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 512];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            // A 408 or other answer before the close: keep reading to the end.
            Ok(_) => continue,
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
            }
        }
    }
}

#[test]
fn stalled_clients_and_idle_keep_alive_connections_hold_up_no_one() {
    // Long timeouts, so the stalled clients are still there when health is asked.
    let server = start(Limits::default(), None);
    let address = server.address;
    // 8 clients stalled in their headers (slowloris).
    let mut stalled: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = TcpStream::connect(address).unwrap();
            s.write_all(b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    // 4 clients that promise 10,000 bytes of body and send one.
    for _ in 0..4 {
        let mut s = TcpStream::connect(address).unwrap();
        s.write_all(b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n{")
            .unwrap();
        stalled.push(s);
    }
    // 8 keep-alive connections left idle after one request each.
    for _ in 0..8 {
        let mut s = TcpStream::connect(address).unwrap();
        s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 256];
        assert!(s.read(&mut buf).unwrap() > 0);
        stalled.push(s);
    }
    std::thread::sleep(Duration::from_millis(200));
    for _ in 0..5 {
        health_within_a_second(address);
    }
    // A real request with a body goes through too.
    let (status, _) = post(address, "/v1/activation/exchange", "{}");
    assert_eq!(status, 400);
    drop(stalled);
}

#[test]
fn slow_headers_slow_bodies_and_idle_connections_are_closed_at_their_deadlines() {
    let server = start(limits(), None);
    let address = server.address;
    let mut slow_headers = TcpStream::connect(address).unwrap();
    slow_headers
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost:")
        .unwrap();
    let start = Instant::now();
    assert!(closed_within(&mut slow_headers, Duration::from_secs(5)));
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(4),
        "{waited:?}"
    );

    let (status, body) = {
        let mut slow_body = TcpStream::connect(address).unwrap();
        slow_body
            .write_all(b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n{")
            .unwrap();
        slow_body
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut out = String::new();
        let _ = slow_body.read_to_string(&mut out);
        let status: u16 = out.split(' ').nth(1).unwrap().parse().unwrap();
        (status, out)
    };
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("body_timeout"));

    let mut idle = TcpStream::connect(address).unwrap();
    idle.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 256];
    assert!(idle.read(&mut buf).unwrap() > 0);
    let start = Instant::now();
    assert!(closed_within(&mut idle, Duration::from_secs(5)));
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn connections_over_the_cap_are_closed_at_once_and_counted() {
    let server = start(
        Limits {
            max_connections: 4,
            ..Limits::default()
        },
        None,
    );
    let address = server.address;
    let held: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = TcpStream::connect(address).unwrap();
            s.write_all(b"GET /v1/health HTTP/1.1\r\nHost:").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut fifth = TcpStream::connect(address).unwrap();
    let _ = fifth.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(closed_within(&mut fifth, Duration::from_secs(2)));
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    let (status, metrics) = get(address, "/metrics");
    assert_eq!(status, 200);
    let refused: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("otpvault_issuer_connections_refused_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(refused >= 1, "{metrics}");
}

#[test]
fn password_checks_queue_among_themselves_while_other_requests_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("issuer.db");
    let mut issuer = Issuer::open(
        &db,
        Config {
            password_memory_kib: 64 * 1024,
            ..config()
        },
    )
    .unwrap();
    issuer.add_user("mario", "portal password", 0).unwrap();
    drop(issuer);
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = {
        let (stop, db) = (stop.clone(), db.clone());
        let options = ServeOptions {
            limits: Limits {
                kdf_concurrency: 1,
                connections: 4,
                ..Limits::default()
            },
            tls: None,
        };
        std::thread::spawn(move || {
            serve_with(
                &db,
                &Config {
                    password_memory_kib: 64 * 1024,
                    ..config()
                },
                "127.0.0.1:0",
                &options,
                stop,
                |a| tx.send(a).unwrap(),
            )
            .unwrap()
        })
    };
    let address = rx.recv().unwrap();
    // 12 password checks at 64 MiB each, one at a time: over a second of work queued.
    let checks: Vec<_> = (0..12)
        .map(|_| {
            std::thread::spawn(move || {
                post(
                    address,
                    "/v1/verify",
                    r#"{"username":"mario","password":"portal password","code":"123456"}"#,
                )
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    // An activation step needs the database but no password check: it is not queued behind them.
    let start = Instant::now();
    let (status, _) = post(
        address,
        "/v1/activation/exchange",
        r#"{"session":"00000000000000000000000000000000","ya":"00"}"#,
    );
    let elapsed = start.elapsed();
    assert!(status == 400 || status == 404, "{status}");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    for check in checks {
        let (status, _) = check.join().unwrap();
        assert_eq!(status, 404); // no credential yet: the password was right
    }
    let (_, metrics) = get(address, "/metrics");
    assert!(
        metrics.contains("otpvault_issuer_requests_total{route=\"/v1/verify\",status=\"404\"} 12"),
        "{metrics}"
    );
    assert!(metrics.contains("otpvault_issuer_verifications_total{outcome=\"no_credential\"} 12"));
    stop.store(true, Ordering::SeqCst);
    thread.join().unwrap();
}

#[test]
fn metrics_count_requests_verdicts_and_lockouts_without_names() {
    let server = start(limits(), None);
    let address = server.address;
    let body = format!(
        r#"{{"username":"mario","password":"portal password","puk":"{}"}}"#,
        server.puk
    );
    let (status, _) = post(address, "/v1/portal/enrol", &body);
    assert_eq!(status, 200);
    for _ in 0..5 {
        let (status, _) = post(
            address,
            "/v1/verify",
            r#"{"username":"mario","password":"portal password","code":"000000"}"#,
        );
        assert!(status == 401 || status == 404 || status == 429, "{status}");
    }
    let _ = get(address, "/nowhere/mario");
    let (status, metrics) = get(address, "/metrics");
    assert_eq!(status, 200);
    assert!(metrics.contains("# TYPE otpvault_issuer_request_duration_seconds histogram"));
    assert!(
        metrics.contains(
            "otpvault_issuer_requests_total{route=\"/v1/portal/enrol\",status=\"200\"} 1"
        )
    );
    assert!(metrics.contains("otpvault_issuer_requests_total{route=\"other\",status=\"404\"} 1"));
    assert!(!metrics.contains("mario"), "{metrics}");
}

/// A self-signed certificate for 127.0.0.1 made with the openssl command (Debian's).
fn self_signed(dir: &Path) -> TlsFiles {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the openssl command (.ci/run installs it)");
    assert!(status.success());
    TlsFiles { cert, key }
}

#[test]
fn tls_serves_the_api_and_refuses_plain_http() {
    let certs = tempfile::tempdir().unwrap();
    let files = self_signed(certs.path());
    let server = start(limits(), Some(files.clone()));
    let address = server.address;
    let out = std::process::Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(&files.cert)
        .arg(format!("https://{address}/v1/health"))
        .output()
        .expect("the curl command (.ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"status\":\"ok\"}");
    // Plain HTTP on the TLS port gets no answer.
    let (status, _) = get(address, "/v1/health");
    assert_eq!(status, 0);
}

#[test]
fn one_address_gets_a_bounded_rate_of_password_checks() {
    // 2 checks a second, bursts of 4: of 10 at once, 4 are checked and 6 refused with a
    // Retry-After, whatever their password; requests without a password check go on.
    let server = start(
        Limits {
            per_address_rate: 2,
            ..limits()
        },
        None,
    );
    let body = r#"{"username":"mario","password":"guess","code":"123456"}"#;
    let statuses: Vec<u16> = (0..10)
        .map(|_| post(server.address, "/v1/verify", body).0)
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 401).count(),
        4,
        "{statuses:?}"
    );
    let (status, answer) = post(server.address, "/v1/verify", body);
    assert_eq!(status, 429);
    assert!(answer.contains("rate_limited"), "{answer}");
    assert_eq!(get(server.address, "/v1/health").0, 200);
    assert_eq!(get(server.address, "/metrics").0, 200);
    // The bucket refills: a second later, checks go through again.
    std::thread::sleep(Duration::from_millis(1_100));
    assert_eq!(post(server.address, "/v1/verify", body).0, 401);
}
