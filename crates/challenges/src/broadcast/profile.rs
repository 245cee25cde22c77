//! Timing of the broadcast rounds. 3d and 3e run the same Maelstrom command,
//! so the node reads its profile from the environment:
//! `GLOMERS_BROADCAST_PROFILE=3e` trades latency for messages (long rounds);
//! anything else, or nothing, is the default (short rounds).
//! `GLOMERS_BROADCAST_ROUND_MS` and `GLOMERS_BROADCAST_MARGIN_MS` override the
//! round length and the margin for experiments.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Target time between two hub flushes (one round).
    pub round: Duration,
    /// How early before the hub's beat a leaf aims its `up` to arrive
    /// (room for scheduling jitter).
    pub margin: Duration,
    /// How long the hub waits for an acknowledgement before resending.
    pub resend_after: Duration,
    /// A leaf lagging this many values behind is asked to acknowledge.
    pub max_unacked: usize,
}

impl Profile {
    /// Meets 3d: ≤ 1 message per operation, stable latency median ≤ 300 ms, max ≤ 550 ms.
    /// Round and margin come from runs on real Maelstrom and sweeps on the
    /// bench (docs/03-broadcast.md): 430 ms rounds with ups aimed 12 ms
    /// before the beat cost ~0.97 msgs/op, with p50 ~285 ms and max ~540 ms.
    pub fn default_rounds() -> Self {
        Self {
            margin: Duration::from_millis(12),
            ..Self::with_round(Duration::from_millis(430))
        }
    }

    /// Meets 3e with room to spare: ≤ 0.5 messages per operation, median < 1 s, max < 2 s.
    pub fn economy() -> Self {
        Self::with_round(Duration::from_millis(1200))
    }

    pub fn with_round(round: Duration) -> Self {
        Self {
            round,
            margin: Duration::from_millis(25),
            resend_after: round * 5 / 2,
            max_unacked: 256,
        }
    }

    /// The profile named by the environment (see the module docs).
    pub fn from_env() -> Self {
        let base = match std::env::var("GLOMERS_BROADCAST_PROFILE").as_deref() {
            Ok("3e") | Ok("economy") => Self::economy(),
            _ => Self::default_rounds(),
        };
        let knob = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_millis)
        };
        let mut profile = match knob("GLOMERS_BROADCAST_ROUND_MS") {
            Some(round) if !round.is_zero() => Self::with_round(round),
            _ => base,
        };
        if let Some(margin) = knob("GLOMERS_BROADCAST_MARGIN_MS") {
            profile.margin = margin;
        }
        profile
    }
}
