//! The hub: where broadcast decides whom to gossip to. It holds the log of
//! every value in arrival order and, per leaf, how much of it the leaf has
//! acknowledged. Once per round, on a fixed beat, every leaf missing
//! something gets one `down` with everything it has not acknowledged —
//! never more than one message per leaf per round, however the `up`s arrive.
//! Resending from the last acknowledgement makes lost messages harmless, and
//! a leaf silent for a while is asked to acknowledge, so values cross healed
//! partitions. Each `down` also tells its leaf how early its last `up`
//! arrived before the beat, which is how leaves learn when to send.

use super::{with_hub, Broadcast, Msg, Profile, UpTiming, ValueSet};
use glomers_node::Ctx;
use std::collections::HashMap;
use std::time::Duration;

#[derive(Debug, Default)]
struct LeafState {
    /// Length of the log prefix the leaf acknowledged.
    acked: usize,
    /// Log length when we last sent it a `down`.
    sent_upto: usize,
    /// When the leaf's latest `up` of this round arrived, and its `sent_us`.
    up_arrived: Option<(Duration, u64)>,
    /// When we last sent it a `down`.
    last_sent: Option<Duration>,
}

#[derive(Debug, Default)]
pub struct Hub {
    leaves: HashMap<String, LeafState>,
}

impl Hub {
    /// Starts the round beat (a round with nothing to send sends nothing).
    pub fn start(ctx: &mut Ctx<Broadcast>, profile: &Profile) -> Self {
        ctx.every(profile.round, |node, ctx| {
            with_hub(node, |hub, values, profile| hub.round(ctx, values, profile))
        });
        Self::default()
    }

    /// A leaf's `up`: its values are already in the log; note its
    /// acknowledgement and when it arrived.
    pub fn on_up(&mut self, ctx: &Ctx<Broadcast>, leaf: &str, ack: usize, sent_us: u64) {
        let state = self.leaves.entry(leaf.to_string()).or_default();
        state.acked = state.acked.max(ack);
        state.up_arrived = Some((ctx.now(), sent_us));
    }

    /// One beat: a `down` to every leaf for which the log grew since its last
    /// one; and to a leaf that has not acknowledged everything for a while,
    /// a resend asking it to.
    fn round(&mut self, ctx: &mut Ctx<Broadcast>, values: &ValueSet, profile: &Profile) {
        let now = ctx.now();
        let leaves: Vec<String> = ctx.peers().cloned().collect();
        for leaf in leaves {
            let state = self.leaves.entry(leaf.clone()).or_default();
            let from = state.acked.min(values.len());
            let timing = state.up_arrived.take().map(|(at, sent_us)| UpTiming {
                sent_us,
                early_us: now.saturating_sub(at).as_micros() as u64,
            });
            let grew = state.sent_upto < values.len();
            let overdue = from < values.len()
                && state
                    .last_sent
                    .is_some_and(|t| now.saturating_sub(t) >= profile.resend_after);
            if !grew && !overdue {
                continue;
            }
            let want_ack = overdue || values.len() - from > profile.max_unacked;
            state.sent_upto = values.len();
            state.last_sent = Some(now);
            ctx.send(
                &leaf,
                Msg::Down {
                    values: values.since(from).to_vec(),
                    upto: values.len(),
                    want_ack,
                    timing,
                },
            );
        }
    }
}
