//! Challenge 5a, single-node log: per key an append-only `Vec`, the offset
//! of a message is its index (0, 1, 2, …), committed offsets are a map.
//!
//! One node handles requests one at a time, so this is linearizable as it
//! stands: a send is stored before it is acknowledged, a poll sees every
//! send acknowledged before it began, and offsets are dense, so a poll's run
//! can never skip one. Maelstrom never restarts nodes, so memory is durable
//! here. (With more nodes each would number its keys on its own: run 5b/5c.)

use super::Committed;
use glomers_node::workloads::kafka::{Request as KafkaRequest, Response};
use glomers_node::{Ctx, Error, Node, Request};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct KafkaSingle {
    logs: BTreeMap<String, Vec<Value>>,
    committed: Committed,
}

impl Node for KafkaSingle {
    type Msg = KafkaRequest;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<KafkaRequest>) -> Result<(), Error> {
        match &req.body {
            KafkaRequest::Send { key, msg } => {
                let log = self.logs.entry(key.clone()).or_default();
                log.push(msg.clone());
                let offset = log.len() as u64 - 1;
                ctx.reply(&req, Response::SendOk { offset });
            }
            KafkaRequest::Poll { offsets } => {
                let msgs = offsets
                    .iter()
                    .filter_map(|(key, &from)| {
                        let log = self.logs.get(key)?;
                        let start = usize::try_from(from).ok().filter(|&s| s < log.len())?;
                        let run = (start..log.len())
                            .map(|i| (i as u64, log[i].clone()))
                            .collect();
                        Some((key.clone(), run))
                    })
                    .collect();
                ctx.reply(&req, Response::PollOk { msgs });
            }
            KafkaRequest::CommitOffsets { offsets } => {
                for (key, &offset) in offsets {
                    self.committed.commit(key, offset);
                }
                ctx.reply(&req, Response::CommitOffsetsOk);
            }
            KafkaRequest::ListCommittedOffsets { keys } => {
                let offsets = self.committed.list(keys);
                ctx.reply(&req, Response::ListCommittedOffsetsOk { offsets });
            }
        }
        Ok(())
    }
}
