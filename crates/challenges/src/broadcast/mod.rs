//! Challenge 3 (3a–3e), broadcast: every value broadcast to any node must end
//! up in every node's reads, across partitions, with as few messages as
//! possible.
//!
//! The overlay is a star beating in rounds (see `docs/03-broadcast.md`):
//! - [`hub`]: one node (the first in `node_ids`) collects values and, once
//!   per round, sends every other node one `down` message with all values
//!   that node has not acknowledged;
//! - [`leaf`]: every other node keeps its clients' new values until its
//!   send slot, timed from the hub's beat so that its `up` arrives just
//!   before the next one: each value waits for at most one slot;
//! - [`profile`]: the round length, chosen by an environment variable because
//!   Maelstrom runs 3d and 3e with the very same command.
//!
//! Acknowledgements ride on those same messages (a leaf's `up` carries how
//! far it has read the hub's log; a value coming back in a `down` confirms the
//! hub has it), so retries after partitions cost nothing in the common case.
//! The `topology` Maelstrom offers is acknowledged and ignored.

pub mod hub;
pub mod leaf;
pub mod profile;
mod values;

use glomers_node::workloads::broadcast::Response;
use glomers_node::{Ctx, Error, Node, Request};
use hub::Hub;
use leaf::Leaf;
use profile::Profile;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
pub use values::ValueSet;

/// Client requests plus the two messages of our overlay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    Topology {
        topology: BTreeMap<String, Vec<String>>,
    },
    Broadcast {
        message: Value,
    },
    Read,
    /// Leaf → hub: values the hub has not confirmed yet, how much of the
    /// hub's log this leaf holds, and when (leaf's clock, µs) it was sent.
    Up {
        values: Vec<Value>,
        ack: usize,
        sent_us: u64,
    },
    /// Hub → leaf: the hub's log from what the leaf acknowledged up to `upto`;
    /// `want_ack` asks the leaf to acknowledge even with nothing to send;
    /// `timing` says how long before this beat the leaf's latest `up` arrived.
    Down {
        values: Vec<Value>,
        upto: usize,
        want_ack: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timing: Option<UpTiming>,
    },
}

/// The hub's feedback on a leaf's `up`: sent at `sent_us` (leaf's clock), it
/// arrived `early_us` before the beat. Microseconds: the slot is aimed a few
/// milliseconds before the beat, so whole milliseconds would be too coarse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpTiming {
    pub sent_us: u64,
    pub early_us: u64,
}

enum Role {
    Hub(Hub),
    Leaf(Leaf),
}

pub struct Broadcast {
    profile: Profile,
    values: ValueSet,
    role: Option<Role>,
}

impl Broadcast {
    pub fn new(profile: Profile) -> Self {
        Self {
            profile,
            values: ValueSet::default(),
            role: None,
        }
    }
}

impl Node for Broadcast {
    type Msg = Msg;

    fn on_init(&mut self, ctx: &mut Ctx<Self>) {
        let hub = ctx.node_ids().first().cloned().unwrap_or_default();
        self.role = Some(if hub == ctx.id() {
            Role::Hub(Hub::start(ctx, &self.profile))
        } else {
            Role::Leaf(Leaf::new(hub))
        });
    }

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Msg>) -> Result<(), Error> {
        match &req.body {
            Msg::Topology { .. } => ctx.reply(&req, Response::TopologyOk),
            Msg::Read => ctx.reply(
                &req,
                Response::ReadOk {
                    messages: self.values.to_vec(),
                },
            ),
            Msg::Broadcast { message } => {
                ctx.reply(&req, Response::BroadcastOk);
                if self.values.insert(message.clone()) {
                    // The hub's own values simply ride on its next beat.
                    if let Some(Role::Leaf(leaf)) = &mut self.role {
                        leaf.on_own_value(ctx, &self.profile, message.clone());
                    }
                }
            }
            Msg::Up {
                values,
                ack,
                sent_us,
            } => {
                for v in values {
                    self.values.insert(v.clone());
                }
                if let Some(Role::Hub(hub)) = &mut self.role {
                    hub.on_up(ctx, &req.src, *ack, *sent_us);
                }
            }
            Msg::Down {
                values,
                upto,
                want_ack,
                timing,
            } => {
                for v in values {
                    self.values.insert(v.clone());
                }
                if let Some(Role::Leaf(leaf)) = &mut self.role {
                    let down = leaf::Down {
                        values,
                        upto: *upto,
                        want_ack: *want_ack,
                        timing: *timing,
                    };
                    leaf.on_down(ctx, &self.profile, down);
                }
            }
        }
        Ok(())
    }
}

/// Borrows the hub half of the node inside a timer callback.
fn with_hub(node: &mut Broadcast, f: impl FnOnce(&mut Hub, &ValueSet, &Profile)) {
    if let Some(Role::Hub(hub)) = &mut node.role {
        f(hub, &node.values, &node.profile);
    }
}

/// Borrows the leaf half of the node inside a timer callback.
fn with_leaf(node: &mut Broadcast, f: impl FnOnce(&mut Leaf, &Profile)) {
    if let Some(Role::Leaf(leaf)) = &mut node.role {
        f(leaf, &node.profile);
    }
}
