//! `unique-ids` node binary (challenge 2).
fn main() {
    glomers_node::run(glomers_challenges::unique_ids::UniqueIds::default());
}
