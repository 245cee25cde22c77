//! `broadcast` node binary (challenges 3a–3e). Set
//! `GLOMERS_BROADCAST_PROFILE=3e` for the message-frugal profile.
use glomers_challenges::broadcast::{profile::Profile, Broadcast};

fn main() {
    glomers_node::run(Broadcast::new(Profile::from_env()));
}
