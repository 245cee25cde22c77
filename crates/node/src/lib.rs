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
//! **The guide**, [`docs/guide.md`](https://github.com/glomers/glomers/blob/main/docs/guide.md),
//! walks from echo to a quorum-replicated store, both styles side by side,
//! and maps Maelstrom's Go library onto this crate.
//!
//! ## Callbacks and async tasks
//!
//! Effects that complete later take a callback, which gets the node and the
//! context back. A callback may return `()` or a `Result` (so `?` works; an
//! `Err` is logged). [`Origin::reply_to`] keeps what is needed to answer a
//! request later:
//!
//! ```
//! # use glomers_node::{Ctx, Error, Node, Origin, Request, RpcError, Payload};
//! # use serde_json::json;
//! # use std::time::Duration;
//! # struct Proxy;
//! # impl Node for Proxy {
//! #     type Msg = Payload;
//! fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Payload>) -> Result<(), Error> {
//!     let to = req.reply_to();
//!     ctx.rpc("n1", json!({"type": "read"}), Duration::from_secs(1), move |_, ctx, reply| {
//!         let value = reply?.body.payload["value"].clone();
//!         ctx.reply(&to, json!({"type": "read_ok", "value": value}));
//!         Ok::<(), RpcError>(())
//!     });
//!     ctx.every(Duration::from_millis(500), |_, ctx| ctx.log("still here"));
//!     Ok(())
//! }
//! # }
//! ```
//!
//! Or the same as straight-line async code on the runtime's own executor
//! ([`Ctx::spawn`], [`Ctx::respond`], [`Handle`], [`join_all`], [`quorum`],
//! [`race`], [`Handle::timeout`]). No tokio and no threads: tasks only wait
//! for what the runtime delivers, so they replay exactly under a seed.
//! [`Ctx::respond`] answers with the task's result, its `Err` as an `error`
//! body, so `?` reaches the client:
//!
//! ```
//! # use glomers_node::{Ctx, Error, IfMissing, Kv, KvError, Node, Request};
//! # use glomers_node::workloads::counter::{Request as Counter, Response};
//! # struct Add;
//! # impl Node for Add {
//! #     type Msg = Counter;
//! fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Counter>) -> Result<(), Error> {
//!     let kv = Kv::seq().on(&ctx.handle());
//!     if let Counter::Add { delta } = req.body {
//!         ctx.respond(&req, async move {
//!             loop {
//!                 let total: i64 = kv.read_or("total", 0).await?;
//!                 match kv.cas("total", total, total + delta, IfMissing::Create).await {
//!                     Err(KvError::PreconditionFailed(_)) => continue,
//!                     done => return done.map(|()| Response::AddOk),
//!                 }
//!             }
//!         });
//!     }
//!     Ok(())
//! }
//! # }
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
//!
//! The same holds for async code (each tested in `tests/tasks.rs`):
//!
//! - A spawned task first runs right after the handler, callback or task
//!   that spawned it returns, before the next input; the handler's outputs
//!   come first. Woken tasks run in wake order, within the event (reply or
//!   timeout pass) that woke them.
//! - [`Handle::sleep`], [`Handle::interval`] and the deadline of
//!   [`Handle::rpc`] are the timers above: a zero sleep waits for the next
//!   pass, intervals keep their grid, `Duration::MAX` never fires.
//! - Dropping a future cancels its RPC and timer; a reply arriving after
//!   that, or after its timeout, is logged and dropped.
//! - A panicking task unwinds out of the runtime (on stdio: the process
//!   exits with the message on stderr); tasks still waiting when input ends
//!   do not keep the driver running.

pub mod ctx;
pub mod error;
pub mod handle;
pub mod join;
pub mod kv;
pub mod node;
pub mod origin;
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
pub use node::{Node, Request};
pub use origin::{Origin, ReplyTo};
pub use protocol::{Body, Envelope, Payload};
pub use runtime::Runtime;
pub use stdio::{run, run_with_seed};

/// The guide's Rust blocks, compiled (and run) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../guide.md")]
pub struct Guide;
