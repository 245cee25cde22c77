//! `kafka` node binary (challenges 5a–5c: the first node numbers every
//! message, the others batch their sends to it). `GLOMERS_KAFKA_PERIOD_MS`
//! (default 50) and `GLOMERS_KAFKA_GIVE_UP_MS` (default 1000) override its
//! timing.
use glomers_challenges::kafka::leader::{Config, Kafka};

fn main() {
    glomers_node::run(Kafka::new(Config::from_env()));
}
