//! Honest statistics: every rate carries its n and a 95% Wilson score interval.

use serde::Serialize;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// A proportion `successes / n` with its 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    pub successes: u64,
    pub n: u64,
    /// None when n = 0: a rate of nothing is not 0%.
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Proportion {
    pub fn new(successes: u64, n: u64) -> Proportion {
        assert!(successes <= n, "successes {successes} > n {n}");
        match wilson(successes, n) {
            Some((low, high)) => Proportion {
                successes,
                n,
                rate: Some(successes as f64 / n as f64),
                low: Some(low),
                high: Some(high),
            },
            None => Proportion {
                successes,
                n,
                rate: None,
                low: None,
                high: None,
            },
        }
    }
}

/// The 95% Wilson score interval for `successes` out of `n`, or None for n = 0.
/// Unlike the normal approximation it stays inside [0, 1] and is sensible for small n and for
/// rates near 100%, which is where satisfaction rates live.
pub fn wilson(successes: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = Z95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// Share of `part` in `whole`, None when whole is 0.
pub fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn wilson_matches_published_values() {
        // 81 of 263 (Wilson 1927 example used in many textbooks): 0.2553 .. 0.3662
        let (lo, hi) = wilson(81, 263).unwrap();
        assert!(close(lo, 0.2553) && close(hi, 0.3662), "{lo} {hi}");
        // 10 of 10: upper bound 1, lower 0.7225
        let (lo, hi) = wilson(10, 10).unwrap();
        assert!(close(lo, 0.7225) && close(hi, 1.0), "{lo} {hi}");
        // 0 of 10
        let (lo, hi) = wilson(0, 10).unwrap();
        assert!(close(lo, 0.0) && close(hi, 0.2775), "{lo} {hi}");
    }

    #[test]
    fn empty_proportion_has_no_rate() {
        let p = Proportion::new(0, 0);
        assert_eq!(p.rate, None);
        assert_eq!(p.low, None);
    }

    #[test]
    fn interval_contains_rate_and_narrows_with_n() {
        let small = Proportion::new(8, 10);
        let big = Proportion::new(800, 1000);
        for p in [small, big] {
            assert!(p.low.unwrap() <= p.rate.unwrap() && p.rate.unwrap() <= p.high.unwrap());
        }
        assert!(big.high.unwrap() - big.low.unwrap() < small.high.unwrap() - small.low.unwrap());
    }
}
