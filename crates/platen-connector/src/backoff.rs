//! Exponential back-off with jitter, and "repeat while the peer is unreachable".
//!
//! Nothing here ever gives up on a transient failure: a connector that outlives a server outage must
//! simply carry on once the server is back. Shutdown interrupts the waits because every task runs under a
//! `select!` with the shutdown signal, and the journal makes stopping at any await point safe.

use crate::error::{Error, Result};
use std::future::Future;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max,
            next: min,
            failures: 0,
        }
    }

    /// For the server: 0.5 s doubling up to 30 s.
    pub fn server() -> Self {
        Self::new(Duration::from_millis(500), Duration::from_secs(30))
    }

    /// For the local printer, which answers "busy" while it prints: 0.25 s up to 5 s.
    pub fn printer() -> Self {
        Self::new(Duration::from_millis(250), Duration::from_secs(5))
    }

    /// The next delay (±20 % jitter so that many connectors do not retry in lockstep).
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        self.failures = self.failures.saturating_add(1);
        let jitter = 0.8 + rand::random::<f64>() * 0.4;
        base.mul_f64(jitter)
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn reset(&mut self) {
        self.next = self.min;
        self.failures = 0;
    }

    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next_delay()).await;
    }
}

/// Runs `f` until it succeeds or fails with a non-transient error, waiting between attempts. Logs the first
/// failure and then every tenth, so an outage does not flood the log.
pub async fn retry<T, F, Fut>(what: &str, mut backoff: Backoff, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    loop {
        match f().await {
            Ok(v) => {
                if backoff.failures() > 0 {
                    tracing::info!(what, "succeeded after {} failed attempts", backoff.failures());
                }
                return Ok(v);
            }
            Err(e) if e.is_transient() => {
                if backoff.failures().is_multiple_of(10) {
                    tracing::warn!(what, error = %e, "will retry");
                }
                backoff.wait().await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// `retry` for operations whose failure is only worth a log line.
pub async fn best_effort<F, Fut>(what: &str, f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let attempt = tokio::time::timeout(Duration::from_secs(120), retry(what, Backoff::server(), f)).await;
    match attempt {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(what, error = %e, "gave up"),
        Err(_) => tracing::warn!(what, "gave up after two minutes"),
    }
}

/// I/O on the state directory must not fail silently, nor stop the connector: a full disk is retried.
pub async fn retry_io<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::io::Result<T>>,
{
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
    loop {
        match f().await {
            Ok(v) => return v,
            Err(e) => {
                tracing::error!(what, error = %Error::Io(e), "state directory write failed; retrying");
                backoff.wait().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_reset() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(400));
        let d: Vec<u128> = (0..5).map(|_| b.next_delay().as_millis()).collect();
        assert!((80..=120).contains(&d[0]));
        assert!((160..=240).contains(&d[1]));
        assert!((320..=480).contains(&d[2]));
        assert!((320..=480).contains(&d[4]));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(120));
    }

    #[tokio::test(start_paused = true)]
    async fn retry_repeats_transient_failures_only() {
        let mut calls = 0;
        let r: Result<u32> = retry("t", Backoff::server(), || {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    Err(Error::Ipp {
                        peer: "p",
                        op: 1,
                        status: 0x0507,
                        message: String::new(),
                    })
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(r.unwrap(), 3);
        let mut calls = 0;
        let r: Result<()> = retry("t", Backoff::server(), || {
            calls += 1;
            async {
                Err(Error::Ipp {
                    peer: "p",
                    op: 1,
                    status: 0x0420,
                    message: String::new(),
                })
            }
        })
        .await;
        assert_eq!(r.unwrap_err().ipp_status(), Some(0x0420));
        assert_eq!(calls, 1);
    }
}
