//! `counter` node binary (challenge 4: g-counter; also runs pn-counter).
fn main() {
    glomers_node::run(glomers_challenges::counter::Counter::default());
}
