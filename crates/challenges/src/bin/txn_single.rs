//! `txn-single` node binary (challenge 6a: one node, one map, micro-ops
//! applied in order; `txn-rw-register` and `txn-list-append`).
fn main() {
    glomers_node::run(glomers_challenges::txn::single::TxnSingle::default());
}
