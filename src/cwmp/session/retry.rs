//! Session retry back-off (TR-069 §3.2.1.1, "Session Retry").
//!
//! After a failed session the CPE waits a random time in the window
//! `[m·(k/1000)^(n-1), m·(k/1000)^n]` seconds before it tries again, where
//! `m` is CWMPRetryMinimumWaitInterval (ManagementServer, default 5 s), `k`
//! is CWMPRetryIntervalMultiplier (default 2000, i.e. ×2.0) and `n` is the
//! number of consecutive failed attempts. From the tenth retry on, the
//! window stays that of n = 10 (§3.2.1.1 Table 3: 2560–5120 s by default).
//! The randomness spreads a fleet that lost its ACS at the same moment.

use std::time::Duration;

/// Retry parameters as configured (`cwmp.cpe.retry_min_wait`,
/// `cwmp.cpe.retry_multiplier`, or set by the ACS through ManagementServer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// `m`: CWMPRetryMinimumWaitInterval in seconds (1..=65535).
    pub min_wait_secs: u32,
    /// `k`: CWMPRetryIntervalMultiplier, in thousandths (1000..=65535).
    pub multiplier: u32,
}

impl Default for RetryPolicy {
    /// The defaults of TR-181 Device.ManagementServer (5 s, 2000).
    fn default() -> Self {
        RetryPolicy {
            min_wait_secs: 5,
            multiplier: 2000,
        }
    }
}

/// The exponent stops growing here (§3.2.1.1: "10 and subsequent").
pub const MAX_RETRY_EXPONENT: u32 = 10;

impl RetryPolicy {
    /// The wait window for the `retry`-th consecutive retry (1 = first
    /// retry after one failure). `retry` 0 means no failure: no wait.
    pub fn window(&self, retry: u32) -> (Duration, Duration) {
        if retry == 0 {
            return (Duration::ZERO, Duration::ZERO);
        }
        let n = retry.min(MAX_RETRY_EXPONENT) as i32;
        let m = f64::from(self.min_wait_secs.max(1));
        // Values below 1000 would shrink the wait; TR-181 bounds k at 1000.
        let k = f64::from(self.multiplier.max(1000)) / 1000.0;
        let lo = m * k.powi(n - 1);
        let hi = m * k.powi(n);
        (secs_f64(lo), secs_f64(hi))
    }

    /// A wait drawn uniformly (to the millisecond) from the window, using
    /// `random` as the source of randomness (injected so tests are exact).
    pub fn wait(&self, retry: u32, random: u64) -> Duration {
        let (lo, hi) = self.window(retry);
        let lo_ms = lo.as_millis() as u64;
        let hi_ms = hi.as_millis() as u64;
        let span = hi_ms.saturating_sub(lo_ms) + 1;
        Duration::from_millis(lo_ms + random % span)
    }
}

fn secs_f64(s: f64) -> Duration {
    // Bounded: m ≤ 65535 and k^10 ≤ 65.535^10 keeps this finite; clamp to
    // a day anyway so a hostile ACS setting cannot park the CPE for years.
    Duration::from_millis((s * 1000.0).clamp(0.0, 86_400_000.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_windows_match_table_3() {
        // TR-069 §3.2.1.1 Table 3 with m = 5, k = 2000.
        let table = [
            (1, 5, 10),
            (2, 10, 20),
            (3, 20, 40),
            (4, 40, 80),
            (5, 80, 160),
            (6, 160, 320),
            (7, 320, 640),
            (8, 640, 1280),
            (9, 1280, 2560),
            (10, 2560, 5120),
            (11, 2560, 5120),
            (50, 2560, 5120),
        ];
        let p = RetryPolicy::default();
        for (n, lo, hi) in table {
            assert_eq!(
                p.window(n),
                (Duration::from_secs(lo), Duration::from_secs(hi)),
                "retry {n}"
            );
        }
    }

    #[test]
    fn wait_stays_inside_the_window() {
        let p = RetryPolicy {
            min_wait_secs: 7,
            multiplier: 1500,
        };
        for n in 1..15 {
            let (lo, hi) = p.window(n);
            for r in [0u64, 1, 999, 123_456_789, u64::MAX] {
                let w = p.wait(n, r);
                assert!(
                    w >= lo && w <= hi,
                    "retry {n} random {r}: {w:?} not in {lo:?}..{hi:?}"
                );
            }
            assert_eq!(p.wait(n, 0), lo);
        }
    }

    #[test]
    fn no_failure_no_wait() {
        assert_eq!(RetryPolicy::default().wait(0, 42), Duration::ZERO);
    }

    #[test]
    fn hostile_values_are_bounded() {
        let p = RetryPolicy {
            min_wait_secs: u32::MAX,
            multiplier: u32::MAX,
        };
        let (_, hi) = p.window(10);
        assert!(hi <= Duration::from_secs(86_400));
        let p = RetryPolicy {
            min_wait_secs: 0,
            multiplier: 0,
        };
        assert_eq!(
            p.window(1),
            (Duration::from_secs(1), Duration::from_secs(1))
        );
    }
}
