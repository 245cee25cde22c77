//! `echo` node binary (challenge 1).
fn main() {
    glomers_node::run(glomers_challenges::echo::Echo);
}
