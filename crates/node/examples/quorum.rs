//! A linearizable key-value store without any service (Maelstrom's
//! `lin-kv` workload). Every node keeps a copy of every key, each value
//! stamped with a version.
//!
//! * Writes and compare-and-sets of a key are decided by its *home* node
//!   (fixed by the key's hash; other nodes forward to it): it checks `from`
//!   against its copy, stamps the next version, and answers once a
//!   majority of nodes stores the value.
//! * A read asks a majority for their copies, takes the newest, and stores
//!   it back on a majority before answering (as in the ABD algorithm), so
//!   no later read can see anything older. Any two majorities share a node.
//!
//! Without a majority (a partition), operations time out: indefinite, as
//! they may have been stored on some nodes.
//!
//! ```text
//! cargo build --example quorum
//! glomers test -w lin-kv --bin target/debug/examples/quorum --node-count 3 \
//!     --time-limit 20 --rate 50 --concurrency 2n --nemesis partition
//! ```

use glomers_node::workloads::lin_kv::Response;
use glomers_node::{quorum, Ctx, Error, ErrorCode, Handle, Node, Request, RpcError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// Orders the values of a key; only its home node stamps new ones.
type Version = u64;

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Msg {
    Read {
        key: Value,
    },
    Write {
        key: Value,
        value: Value,
    },
    Cas {
        key: Value,
        from: Value,
        to: Value,
    },
    Get {
        key: String,
    },
    Put {
        key: String,
        version: Version,
        value: Value,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Peer {
    GetOk { version: Version, value: Value },
    PutOk,
}

#[derive(Default)]
struct Replica {
    copies: HashMap<String, (Version, Value)>,
}

impl Replica {
    fn get(&self, key: &str) -> (Version, Value) {
        self.copies.get(key).cloned().unwrap_or_default()
    }

    fn put(&mut self, key: String, version: Version, value: Value) {
        if version > self.get(&key).0 {
            self.copies.insert(key, (version, value));
        }
    }

    /// At the key's home: the version a write of `key` gets, if `from`
    /// (for a cas) matches the current value.
    fn stamp(&self, key: &str, from: Option<&Value>) -> Result<Version, Error> {
        let (version, current) = self.get(key);
        match from {
            Some(_) if current.is_null() => Err(Error::new(ErrorCode::KeyDoesNotExist, key)),
            Some(from) if *from != current => {
                let text = format!("expected {from}, found {current}");
                Err(Error::new(ErrorCode::PreconditionFailed, text))
            }
            _ => Ok(version + 1),
        }
    }
}

const CALL: Duration = Duration::from_millis(500);

/// The node that decides writes of `key`.
fn home(ctx: &Ctx<Replica>, key: &str) -> String {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let nodes = ctx.node_ids();
    nodes[(hash % nodes.len() as u64) as usize].clone()
}

/// Sends `msg` to every peer and waits for enough answers to make a
/// majority together with this node (which handles it itself).
async fn majority(h: &Handle<Replica>, msg: impl Fn() -> Msg) -> Result<Vec<Peer>, Error> {
    let (peers, needed) = h.with(|_, ctx| {
        let peers: Vec<String> = ctx.peers().cloned().collect();
        (peers, ctx.node_ids().len() / 2)
    });
    let calls = peers.iter().map(|peer| {
        let call = h.rpc(peer, msg(), CALL);
        async move { call.await?.decode::<Peer>() }
    });
    Ok(quorum::<Peer, RpcError, _>(needed, calls).await?)
}

/// Stores `value` at `version` here and on a majority.
async fn store(
    h: &Handle<Replica>,
    key: &str,
    version: Version,
    value: Value,
) -> Result<(), Error> {
    h.with(|node, _| node.put(key.into(), version, value.clone()));
    let put = || Msg::Put {
        key: key.into(),
        version,
        value: value.clone(),
    };
    majority(h, put).await.map(drop)
}

async fn read(h: Handle<Replica>, key: String) -> Result<Response, Error> {
    let answers = majority(&h, || Msg::Get { key: key.clone() }).await?;
    let own = h.with(|node, _| node.get(&key));
    let theirs = answers.into_iter().filter_map(|answer| match answer {
        Peer::GetOk { version, value } => Some((version, value)),
        Peer::PutOk => None,
    });
    let (version, value) = theirs
        .chain([own])
        .max_by_key(|(v, _)| *v)
        .unwrap_or_default();
    store(&h, &key, version, value.clone()).await?;
    match value {
        Value::Null => Err(Error::new(ErrorCode::KeyDoesNotExist, key)),
        value => Ok(Response::ReadOk { value }),
    }
}

/// A write (`from` is `None`) or cas of `key`, at its home node.
async fn decide(
    h: Handle<Replica>,
    key: String,
    from: Option<Value>,
    to: Value,
) -> Result<Response, Error> {
    let version = h.with(|node, _| node.stamp(&key, from.as_ref()))?;
    store(&h, &key, version, to).await?;
    Ok(match from {
        Some(_) => Response::CasOk,
        None => Response::WriteOk,
    })
}

impl Node for Replica {
    type Msg = Msg;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Msg>) -> Result<(), Error> {
        let h = ctx.handle();
        let (req, msg) = req.into_parts();
        let (key, from, to) = match msg {
            Msg::Get { key } => {
                let (version, value) = self.get(&key);
                ctx.reply(&req, Peer::GetOk { version, value });
                return Ok(());
            }
            Msg::Put {
                key,
                version,
                value,
            } => {
                self.put(key, version, value);
                ctx.reply(&req, Peer::PutOk);
                return Ok(());
            }
            Msg::Read { key } => {
                ctx.respond(&req, read(h, key.to_string()));
                return Ok(());
            }
            Msg::Write { key, value } => (key, None, value),
            Msg::Cas { key, from, to } => (key, Some(from), to),
        };
        let home = home(ctx, &key.to_string());
        if home == ctx.id() {
            ctx.respond(&req, decide(h, key.to_string(), from, to));
        } else {
            // Relay the home node's answer, errors included.
            let forward = match from {
                Some(from) => Msg::Cas { key, from, to },
                None => Msg::Write { key, value: to },
            };
            let call = h.rpc(&home, forward, 2 * CALL);
            ctx.respond(
                &req,
                async move { Ok::<_, RpcError>(call.await?.body.payload) },
            );
        }
        Ok(())
    }
}

fn main() {
    glomers_node::run(Replica::default());
}
