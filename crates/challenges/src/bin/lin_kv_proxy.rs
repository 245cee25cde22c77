//! `lin-kv-proxy` node binary (lin-kv baseline: every request relayed to
//! Maelstrom's `lin-kv` service).
use glomers_challenges::lin_kv_proxy::LinKvProxy;

fn main() {
    glomers_node::run(LinKvProxy::default());
}
