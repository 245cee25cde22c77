//! Message latency, as Maelstrom draws it: zero whenever a client is involved,
//! otherwise a draw from `--latency-dist` around `--latency` milliseconds.

use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LatencyDist {
    Constant,
    Uniform,
    Exponential,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    pub mean_ms: u64,
    pub dist: LatencyDist,
}

impl Latency {
    /// Latency in nanoseconds for a message between `src` and `dest`.
    pub fn draw(&self, rng: &mut Rng, src: &str, dest: &str) -> u64 {
        if super::journal::is_client_id(src) || super::journal::is_client_id(dest) {
            return 0;
        }
        let ms = match self.dist {
            LatencyDist::Constant => self.mean_ms as f64,
            // Integer in [0, 2·mean); Maelstrom hangs on mean 0, we answer 0.
            LatencyDist::Uniform if self.mean_ms == 0 => 0.0,
            LatencyDist::Uniform => rng.below(2 * self.mean_ms) as f64,
            // Exponential with rate 1/mean, truncated toward zero.
            LatencyDist::Exponential => (-(1.0 - rng.unit()).ln() * self.mean_ms as f64).floor(),
        };
        (ms * 1_000_000.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_instant_and_distributions_have_their_mean() {
        let mut rng = Rng::new(3);
        for dist in [
            LatencyDist::Constant,
            LatencyDist::Uniform,
            LatencyDist::Exponential,
        ] {
            let l = Latency { mean_ms: 100, dist };
            assert_eq!(l.draw(&mut rng, "c1", "n0"), 0);
            assert_eq!(l.draw(&mut rng, "n0", "c1"), 0);
            let n = 20_000;
            let sum: u64 = (0..n).map(|_| l.draw(&mut rng, "n0", "n1")).sum();
            let mean_ms = sum as f64 / n as f64 / 1e6;
            assert!((mean_ms - 100.0).abs() < 5.0, "{dist:?} mean {mean_ms}");
        }
        let uniform = Latency {
            mean_ms: 10,
            dist: LatencyDist::Uniform,
        };
        assert!((0..1000).all(|_| uniform.draw(&mut rng, "n0", "seq-kv") < 20_000_000));
    }
}
