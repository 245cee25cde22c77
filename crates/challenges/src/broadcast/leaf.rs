//! A leaf: sends its clients' new values to the hub at most once per round,
//! in a slot placed so that its `up` arrives just before the hub's next beat.
//! The hub's beats are exactly a round apart, so the slots are too: one
//! instant (the phase) plus whole rounds, on the leaf's own clock. The hub
//! reports how early each `up` arrived; each report names the phase that
//! would have landed that `up` exactly `margin` before the beat, and the
//! leaf moves its phase earlier at once and later only a quarter of the way,
//! so it settles where even its late-running `up`s still make the beat.
//! It keeps each value until the hub echoes it back — the implicit
//! acknowledgement — and resends every round and a half while it hears
//! nothing, which is what carries values across partitions.

use super::{with_leaf, Broadcast, Msg, Profile, UpTiming};
use glomers_node::{Ctx, TimerId};
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

/// A `down` as the leaf reads it.
pub struct Down<'a> {
    pub values: &'a [Value],
    pub upto: usize,
    pub want_ack: bool,
    pub timing: Option<UpTiming>,
}

#[derive(Debug)]
pub struct Leaf {
    hub: String,
    /// Our clients' values the hub has not echoed back yet.
    unconfirmed: Vec<Value>,
    /// Length of the hub's log we hold (our acknowledgement).
    seen_upto: usize,
    /// One of our slots (our clock); the others are whole rounds from it.
    /// Unknown until the hub has told us how early one of our `up`s arrived.
    phase: Option<Duration>,
    /// The pending send and when it fires.
    timer: Option<(TimerId, Duration)>,
    ack_requested: bool,
    /// The acknowledgement our latest `up` carried.
    acked_sent: usize,
    /// Fires when the hub has gone quiet with our acknowledgement behind.
    quiet_check: Option<TimerId>,
}

impl Leaf {
    pub fn new(hub: String) -> Self {
        Self {
            hub,
            unconfirmed: Vec::new(),
            seen_upto: 0,
            phase: None,
            timer: None,
            ack_requested: false,
            acked_sent: 0,
            quiet_check: None,
        }
    }

    /// A new value from one of our clients.
    pub fn on_own_value(&mut self, ctx: &mut Ctx<Broadcast>, profile: &Profile, value: Value) {
        self.unconfirmed.push(value);
        self.schedule(ctx, profile);
    }

    /// A `down` from the hub reached us.
    pub fn on_down(&mut self, ctx: &mut Ctx<Broadcast>, profile: &Profile, down: Down<'_>) {
        let Down {
            values,
            upto,
            want_ack,
            timing,
        } = down;
        if let Some(timing) = timing {
            self.adjust_phase(timing, profile);
        }
        self.seen_upto = self.seen_upto.max(upto);
        let echoed: HashSet<String> = values.iter().map(Value::to_string).collect();
        self.unconfirmed
            .retain(|v| !echoed.contains(&v.to_string()));
        self.ack_requested |= want_ack;
        self.watch_for_quiet(ctx, profile);
        // Re-place any pending send (a retry, or a slot computed from an older
        // beat) on the new beat.
        if let Some((t, _)) = self.timer.take() {
            ctx.cancel_timer(t);
        }
        self.schedule(ctx, profile);
    }

    /// Our `up` sent at `sent_us` reached the hub `early_us` before its beat,
    /// so sending at `sent + early - margin` (give or take whole rounds)
    /// would have landed it exactly `margin` early. Earlier phases are taken
    /// at once (that `up` ran late); later ones a quarter of the way, so one
    /// quick `up` does not undo the room a slow one asked for.
    fn adjust_phase(&mut self, timing: UpTiming, profile: &Profile) {
        let round = profile.round.as_micros().max(1) as i128;
        let wanted =
            timing.sent_us as i128 + timing.early_us as i128 - profile.margin.as_micros() as i128;
        let phase = match self.phase {
            None => wanted,
            Some(phase) => {
                let phase = phase.as_micros() as i128;
                // The shift to `wanted` modulo a round, in (-round/2, round/2].
                let mut shift = (wanted - phase).rem_euclid(round);
                if shift > round / 2 {
                    shift -= round;
                }
                phase + if shift < 0 { shift } else { shift / 4 }
            }
        };
        // Keep the phase a non-negative instant: any slot of the grid will do.
        self.phase = Some(Duration::from_micros(phase.rem_euclid(round) as u64));
    }

    /// When the hub's rounds stop (the workload paused or ended), the hub
    /// does not know we hold its latest values and would resend them. If no
    /// `down` comes for a round and a half while our acknowledgement lags,
    /// we acknowledge on our own, before the hub's resend timer runs out.
    fn watch_for_quiet(&mut self, ctx: &mut Ctx<Broadcast>, profile: &Profile) {
        if let Some(t) = self.quiet_check.take() {
            ctx.cancel_timer(t);
        }
        if self.seen_upto > self.acked_sent {
            let id = ctx.after(profile.round * 3 / 2, |node, ctx| {
                with_leaf(node, |leaf, profile| {
                    leaf.quiet_check = None;
                    if leaf.seen_upto > leaf.acked_sent {
                        leaf.ack_requested = true;
                        if let Some((t, _)) = leaf.timer.take() {
                            ctx.cancel_timer(t);
                        }
                        leaf.send_up(ctx, profile);
                    }
                })
            });
            self.quiet_check = Some(id);
        }
    }

    /// Our first slot at or after `now`. Until the hub's feedback has placed
    /// our slots, send at once: the reply tells us where they are.
    fn next_slot(&self, now: Duration, profile: &Profile) -> Duration {
        let Some(phase) = self.phase else {
            return now;
        };
        let round = profile.round.as_nanos().max(1);
        let behind = now.as_nanos().saturating_sub(phase.as_nanos());
        let rounds = behind.div_ceil(round);
        phase + Duration::from_nanos((rounds * round) as u64)
    }

    /// Makes sure a send is pending in our next slot if there is anything to
    /// send (a later retry is brought forward; an earlier send is kept).
    fn schedule(&mut self, ctx: &mut Ctx<Broadcast>, profile: &Profile) {
        if self.unconfirmed.is_empty() && !self.ack_requested {
            return;
        }
        let at = self.next_slot(ctx.now(), profile);
        if self.timer.is_some_and(|(_, pending)| pending <= at) {
            return;
        }
        if let Some((t, _)) = self.timer.take() {
            ctx.cancel_timer(t);
        }
        self.send_at(ctx, at);
    }

    fn send_at(&mut self, ctx: &mut Ctx<Broadcast>, at: Duration) {
        let id = ctx.after(at.saturating_sub(ctx.now()), |node, ctx| {
            with_leaf(node, |leaf, profile| leaf.send_up(ctx, profile))
        });
        self.timer = Some((id, at));
    }

    fn send_up(&mut self, ctx: &mut Ctx<Broadcast>, profile: &Profile) {
        self.timer = None;
        if self.unconfirmed.is_empty() && !self.ack_requested {
            return;
        }
        ctx.send(
            &self.hub,
            Msg::Up {
                values: self.unconfirmed.clone(),
                ack: self.seen_upto,
                sent_us: ctx.now().as_micros() as u64,
            },
        );
        self.acked_sent = self.seen_upto;
        self.ack_requested = false;
        if !self.unconfirmed.is_empty() {
            // The confirming `down` comes within about a round; retry in a
            // slot well after that unless it does (the `up` or the `down`
            // was lost to a partition).
            let now = ctx.now();
            let retry = self.next_slot(now + profile.round * 3 / 2, profile);
            self.send_at(ctx, retry);
        }
    }
}
