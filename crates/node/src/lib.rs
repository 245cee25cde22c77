//! # glomers-node
//!
//! A runtime for writing [Maelstrom](https://github.com/jepsen-io/maelstrom)
//! nodes in Rust. A node is plain state plus handlers ([`Node`]); everything it
//! does goes through its [`Ctx`] (reply, send, RPC with timeout, timers, KV
//! services), and time and transport are injected by a driver. The same node
//! therefore runs on real stdio ([`run`]) and inside a deterministic
//! simulation, by feeding a [`Runtime`] by hand.
//!
//! ```no_run
//! use glomers_node::{workloads::echo, Ctx, Error, Node, Request};
//!
//! struct Echo;
//! impl Node for Echo {
//!     type Msg = echo::Request;
//!     fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<echo::Request>) -> Result<(), Error> {
//!         let echo::Request::Echo { echo } = req.body.clone();
//!         ctx.reply(&req, echo::Response::EchoOk { echo });
//!         Ok(())
//!     }
//! }
//! fn main() { glomers_node::run(Echo) }
//! ```
//!
//! ## Time, timers and RPCs
//!
//! - [`Ctx::now`] is the time the driver gave for the event being handled.
//!   Timers and RPC timeouts fire in *timeout passes*
//!   ([`Runtime::handle_timeouts`]); one handled late sees the current time,
//!   not its deadline, and whatever it starts is timed from that current time.
//! - A timer or RPC timeout armed during a pass fires in a later pass, even
//!   if already due: a zero delay means "the next pass", so every pass ends.
//! - Deadlines saturate: a huge delay or timeout (up to `Duration::MAX`)
//!   means never, and [`Runtime::next_deadline`] may then be `Duration::MAX`.
//! - An RPC's callback runs exactly once. A reply arriving after its
//!   timeout (or after [`Ctx::cancel_rpc`]) is dropped with a log line on
//!   stderr; it never reaches [`Node::handle`] as a request.
//! - A periodic timer ([`Ctx::every`]) keeps to its grid; after a late pass
//!   it ticks once and skips the instants it missed.
//! - The stdio driver ([`run`]) handles input lines that arrived together as
//!   one batch, but ends the batch as soon as a timer is due (or after 64
//!   lines), so an input burst delays a timer by one line's handling at most.

pub mod ctx;
pub mod error;
pub mod handle;
pub mod join;
pub mod kv;
pub mod node;
pub mod protocol;
pub mod runtime;
pub mod stdio;
mod task;
pub mod workloads;

pub use ctx::{Ctx, Outcome, Output, Reply, RpcError, RpcId, TimerId};
pub use error::{Error, ErrorCode};
pub use handle::{Elapsed, Handle, JoinHandle};
pub use join::{join, join_all, quorum, race, select, Either, QuorumFailed};
pub use kv::{IfMissing, Kv, KvClient, KvError};
pub use node::{Node, Origin, ReplyTo, Request};
pub use protocol::{Body, Envelope, Payload};
pub use runtime::Runtime;
pub use stdio::{run, run_with_seed};
