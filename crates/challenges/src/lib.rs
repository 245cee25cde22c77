//! Solutions to the Gossip Glomers challenges. Each module holds one node's
//! logic (pure, testable in-process); `src/bin/` has a three-line binary per
//! workload that runs it on stdio, ready for `maelstrom test --bin`.

pub mod broadcast;
pub mod counter;
pub mod echo;
pub mod kafka;
pub mod lin_kv_proxy;
pub mod raft;
pub mod txn;
pub mod unique_ids;
