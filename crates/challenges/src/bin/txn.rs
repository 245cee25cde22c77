//! `txn` node binary (challenges 6b and 6c: every node answers at once from
//! its own store and replicates final write-sets in one batch per peer per
//! period). `GLOMERS_TXN_PERIOD_MS` (default 100) overrides the period.
use glomers_challenges::txn::replicated::{Config, Txn};

fn main() {
    glomers_node::run(Txn::new(Config::from_env()));
}
