//! The [`Node`] trait a challenge solution implements, and the [`Request`] it
//! is handed. A node only reacts to events (a request, an RPC reply, a timer)
//! through its [`Ctx`]; it never touches stdin, stdout or the wall clock.

use crate::ctx::Ctx;
use crate::error::Error;
use crate::origin::{Origin, ReplyTo};
use serde::de::DeserializeOwned;

/// A Maelstrom node: state plus handlers. The runtime answers `init` itself,
/// then calls [`Node::on_init`] once and [`Node::handle`] for every request.
/// Replies (bodies with `in_reply_to`) go to the callback of the RPC they
/// answer; one no RPC waits for any more (timed out, cancelled) is dropped
/// with a log line, never handed to [`Node::handle`].
pub trait Node: Sized + 'static {
    /// The requests this node understands, usually an enum tagged by `type`
    /// (`#[serde(tag = "type", rename_all = "snake_case")]`). Use
    /// [`crate::Payload`] to receive every message untyped.
    type Msg: DeserializeOwned;

    /// Called once after `init`; the node id and cluster are known from here on.
    fn on_init(&mut self, _ctx: &mut Ctx<Self>) {}

    /// Handles one request. Returning an error answers the sender with an
    /// `error` body carrying that code (when the request had a `msg_id`).
    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Self::Msg>) -> Result<(), Error>;
}

/// A decoded incoming message together with what is needed to reply to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request<M> {
    pub src: String,
    pub msg_id: Option<u64>,
    pub body: M,
}

impl<M> Request<M> {
    /// True when the sender is a Maelstrom client (ids start with `c`).
    pub fn from_client(&self) -> bool {
        self.src.starts_with('c')
    }

    /// Whom to answer, and the body: for moving the body into async code
    /// while keeping the means to reply.
    pub fn into_parts(self) -> (ReplyTo, M) {
        let to = ReplyTo {
            src: self.src,
            msg_id: self.msg_id,
        };
        (to, self.body)
    }
}

impl<M> Origin for Request<M> {
    fn origin(&self) -> (&str, Option<u64>) {
        (&self.src, self.msg_id)
    }
}
