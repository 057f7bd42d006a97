//! What `GET /metrics` reports, in Prometheus's text format: requests by route and status,
//! latency histograms by route, verification outcomes, lockouts and connections.
//!
//! Labels only ever take values from fixed lists (the API's paths, HTTP statuses, verdict names),
//! so a client cannot grow the series by sending odd paths, and no label carries a username.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The API's routes as metric labels; anything else is `other`.
pub fn route_label(path: &str) -> &'static str {
    match path {
        "/v1/health" => "/v1/health",
        "/v1/activation/start" => "/v1/activation/start",
        "/v1/activation/exchange" => "/v1/activation/exchange",
        "/v1/activation/confirm" => "/v1/activation/confirm",
        "/v1/portal/activation" => "/v1/portal/activation",
        "/v1/portal/enrol" => "/v1/portal/enrol",
        "/v1/portal/confirm" => "/v1/portal/confirm",
        "/v1/verify" => "/v1/verify",
        "/v1/resync" => "/v1/resync",
        "/v1/time" => "/v1/time",
        "/v1/portal/api-key" => "/v1/portal/api-key",
        "/v1/portal/api-key/regenerate" => "/v1/portal/api-key/regenerate",
        "/v1/portal/whoami" => "/v1/portal/whoami",
        "/metrics" => "/metrics",
        "/"
        | "/login"
        | "/puk"
        | "/home"
        | "/enrol"
        | "/sicurezza"
        | "/credenziali"
        | "/credenziali/stato"
        | "/accedi-otp"
        | "/logout"
        | "/assets/style.css"
        | "/assets/countdown.js" => "page",
        _ => "other",
    }
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The server's counters (shared by every connection).
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    verifications: Mutex<BTreeMap<&'static str, u64>>,
    lockouts: AtomicU64,
    connections_open: AtomicU64,
    connections_refused: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn request(&self, route: &'static str, status: u16, elapsed: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((route, status)).or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let histogram = latency.entry(route).or_default();
            let seconds = elapsed.as_secs_f64();
            for (count, bound) in histogram.counts.iter_mut().zip(BUCKETS) {
                if seconds <= bound {
                    *count += 1;
                }
            }
            histogram.count += 1;
            histogram.sum += seconds;
        }
    }

    /// Counts one verification outcome (`accepted`, `wrong`, `replayed`, `locked_out`,
    /// `no_credential`), and a lockout when this one started one.
    pub fn verification(&self, outcome: &'static str, started_lockout: bool) {
        if let Ok(mut verifications) = self.verifications.lock() {
            *verifications.entry(outcome).or_default() += 1;
        }
        if started_lockout {
            self.lockouts.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A connection was accepted (`true`) or closed (`false`).
    pub fn connection(&self, open: bool) {
        if open {
            self.connections_open.fetch_add(1, Ordering::Relaxed);
        } else {
            self.connections_open.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// A connection was closed at once because the server holds its maximum.
    pub fn refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP otpvault_issuer_requests_total Requests answered, by route and status.\n",
        );
        out.push_str("# TYPE otpvault_issuer_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((route, status), n) in requests.iter() {
                let _ = writeln!(
                    out,
                    "otpvault_issuer_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str(
            "# HELP otpvault_issuer_request_duration_seconds Time from the request's headers to its answer.\n",
        );
        out.push_str("# TYPE otpvault_issuer_request_duration_seconds histogram\n");
        if let Ok(latency) = self.latency.lock() {
            for (route, h) in latency.iter() {
                for (count, bound) in h.counts.iter().zip(BUCKETS) {
                    let _ = writeln!(
                        out,
                        "otpvault_issuer_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "otpvault_issuer_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "otpvault_issuer_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "otpvault_issuer_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        out.push_str("# HELP otpvault_issuer_verifications_total Codes checked, by outcome.\n");
        out.push_str("# TYPE otpvault_issuer_verifications_total counter\n");
        if let Ok(verifications) = self.verifications.lock() {
            for (outcome, n) in verifications.iter() {
                let _ = writeln!(
                    out,
                    "otpvault_issuer_verifications_total{{outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        for (name, help, kind, value) in [
            (
                "otpvault_issuer_lockouts_total",
                "Lockouts started by a failed code.",
                "counter",
                self.lockouts.load(Ordering::Relaxed),
            ),
            (
                "otpvault_issuer_connections_open",
                "Client connections open now.",
                "gauge",
                self.connections_open.load(Ordering::Relaxed),
            ),
            (
                "otpvault_issuer_connections_refused_total",
                "Connections closed at once because the server held its maximum.",
                "counter",
                self.connections_refused.load(Ordering::Relaxed),
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_buckets_and_fixed_labels() {
        let metrics = Metrics::default();
        metrics.request(route_label("/v1/verify"), 200, Duration::from_millis(30));
        metrics.request(route_label("/v1/verify"), 200, Duration::from_millis(3));
        metrics.request(
            route_label("/../../etc/passwd"),
            404,
            Duration::from_millis(1),
        );
        metrics.verification("accepted", false);
        metrics.verification("wrong", true);
        let text = metrics.render();
        assert!(
            text.contains("otpvault_issuer_requests_total{route=\"/v1/verify\",status=\"200\"} 2")
        );
        assert!(text.contains("otpvault_issuer_requests_total{route=\"other\",status=\"404\"} 1"));
        assert!(text.contains(
            "otpvault_issuer_request_duration_seconds_bucket{route=\"/v1/verify\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "otpvault_issuer_request_duration_seconds_bucket{route=\"/v1/verify\",le=\"0.05\"} 2"
        ));
        assert!(text.contains("otpvault_issuer_verifications_total{outcome=\"wrong\"} 1"));
        assert!(text.contains("otpvault_issuer_lockouts_total 1"));
        assert!(!text.contains("passwd"));
    }
}
