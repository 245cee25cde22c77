//! `kafka-lin-kv` node binary (challenge 5b: every message in its own
//! `lin-kv` slot; correct on any node count, not cheap).
fn main() {
    glomers_node::run(glomers_challenges::kafka::lin_kv::KafkaLinKv::default());
}
