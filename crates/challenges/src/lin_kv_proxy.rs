//! The `lin-kv` baseline: every client request is passed to Maelstrom's own
//! linearizable `lin-kv` service and its answer relayed, errors included.
//! Linearizable because the service is; it measures what the bench's
//! checker and the workload look like with a known-correct store, and
//! costs two messages per operation.
//!
//! The service call times out at `give_up` (700 ms), well before the
//! client's own 1 s timeout: a timed-out write or cas may still happen, so
//! it is answered with the indefinite error 0, never a definite one, and
//! never late.

use crate::raft::state_machine::Op;
use glomers_node::kv::KvResponse;
use glomers_node::{Ctx, Error, ErrorCode, Kv, KvError, Node, Request};
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct LinKvProxy {
    kv: Kv,
}

impl Default for LinKvProxy {
    fn default() -> Self {
        Self {
            kv: Kv::lin().with_timeout(Duration::from_millis(700)),
        }
    }
}

/// The client's answer for a service result.
fn answer(ctx: &mut Ctx<LinKvProxy>, client: &Request<()>, result: Result<KvResponse, KvError>) {
    match result {
        Ok(response) => ctx.reply(client, response),
        Err(KvError::KeyDoesNotExist) => ctx.reply_error(
            client,
            Error::new(ErrorCode::KeyDoesNotExist, "key does not exist"),
        ),
        Err(KvError::PreconditionFailed(text)) => {
            ctx.reply_error(client, Error::new(ErrorCode::PreconditionFailed, text))
        }
        Err(KvError::Timeout) => ctx.reply_error(
            client,
            Error::new(ErrorCode::Timeout, "lin-kv did not answer in time"),
        ),
        Err(KvError::Other(e)) => ctx.reply_error(client, e),
        Err(KvError::Malformed(m)) => ctx.reply_error(client, Error::crash(m)),
    }
}

impl Node for LinKvProxy {
    type Msg = Op;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Op>) -> Result<(), Error> {
        let client = Request {
            src: req.src,
            msg_id: req.msg_id,
            body: (),
        };
        match req.body {
            Op::Read { key } => self.kv.read(ctx, key, move |_, ctx, r: Result<Value, _>| {
                answer(ctx, &client, r.map(|value| KvResponse::ReadOk { value }))
            }),
            Op::Write { key, value } => self.kv.write(ctx, key, value, move |_, ctx, r| {
                answer(ctx, &client, r.map(|()| KvResponse::WriteOk))
            }),
            Op::Cas { key, from, to } => {
                self.kv.cas(ctx, key, from, to, false, move |_, ctx, r| {
                    answer(ctx, &client, r.map(|()| KvResponse::CasOk))
                })
            }
        }
        Ok(())
    }
}
