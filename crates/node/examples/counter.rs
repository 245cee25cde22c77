//! Challenge 4, grow-only counter, on Maelstrom's `seq-kv` service: the
//! total lives in one key. An `add` reads it and compare-and-sets it to the
//! sum, again and again until no other node got in between. A `read` first
//! writes a fresh value to a key of its own: on `seq-kv` a write brings the
//! node's view up to date, so the read that follows sees every add done.
//!
//! ```text
//! cargo build --example counter
//! glomers test -w g-counter --bin target/debug/examples/counter --node-count 3 \
//!     --rate 100 --time-limit 20 --nemesis partition
//! ```

use glomers_node::workloads::counter::{Request as Counter, Response};
use glomers_node::{Ctx, Error, IfMissing, Kv, KvClient, KvError, Node, Request};

const TOTAL: &str = "total";

struct SeqCounter;

/// Read-modify-CAS, retried until it lands.
async fn add(kv: KvClient<SeqCounter>, delta: i64) -> Result<Response, KvError> {
    loop {
        let total: i64 = kv.read_or(TOTAL, 0).await?;
        match kv.cas(TOTAL, total, total + delta, IfMissing::Create).await {
            Err(KvError::PreconditionFailed(_)) => continue, // someone else added first
            done => return done.map(|()| Response::AddOk),
        }
    }
}

async fn read(kv: KvClient<SeqCounter>, me: String, nonce: u64) -> Result<Response, KvError> {
    kv.write(format!("sync-{me}"), nonce).await?;
    let value = kv.read_or(TOTAL, 0).await?;
    Ok(Response::ReadOk { value })
}

impl Node for SeqCounter {
    type Msg = Counter;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Counter>) -> Result<(), Error> {
        let kv = Kv::seq().on(&ctx.handle());
        match req.body {
            Counter::Add { delta } => ctx.respond(&req, add(kv, delta)),
            Counter::Read => {
                let (me, nonce) = (ctx.id().to_string(), ctx.random_u64());
                ctx.respond(&req, read(kv, me, nonce));
            }
        }
        Ok(())
    }
}

fn main() {
    glomers_node::run(SeqCounter);
}
