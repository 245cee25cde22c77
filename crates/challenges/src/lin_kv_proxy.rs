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
use glomers_node::{Ctx, Error, IfMissing, Kv, KvError, Node, Request};
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

impl Node for LinKvProxy {
    type Msg = Op;

    /// Each request is one task; `?` answers the client with the service's
    /// error (a timeout as the indefinite code 0).
    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Op>) -> Result<(), Error> {
        let kv = self.kv.on(&ctx.handle());
        let (req, op) = req.into_parts();
        match op {
            Op::Read { key } => ctx.respond(&req, async move {
                let value: Value = kv.read(key).await?;
                Ok::<_, KvError>(KvResponse::ReadOk { value })
            }),
            Op::Write { key, value } => ctx.respond(&req, async move {
                kv.write(key, value).await?;
                Ok::<_, KvError>(KvResponse::WriteOk)
            }),
            Op::Cas { key, from, to } => ctx.respond(&req, async move {
                kv.cas(key, from, to, IfMissing::Fail).await?;
                Ok::<_, KvError>(KvResponse::CasOk)
            }),
        }
        Ok(())
    }
}
