//! `raft` node binary (lin-kv: a Raft-replicated linearizable key-value
//! store). `GLOMERS_RAFT_HEARTBEAT_MS` (default 50),
//! `GLOMERS_RAFT_ELECTION_MS` (default 300: timeouts in [300, 600) ms) and
//! `GLOMERS_RAFT_GIVE_UP_MS` (default 700) override its timing.
use glomers_challenges::raft::{Config, Raft};

fn main() {
    glomers_node::run(Raft::new(Config::from_env()));
}
