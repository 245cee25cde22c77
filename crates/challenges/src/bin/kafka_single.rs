//! `kafka-single` node binary (challenge 5a: one node, logs in memory).
fn main() {
    glomers_node::run(glomers_challenges::kafka::single::KafkaSingle::default());
}
