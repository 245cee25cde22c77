//! What a run leaves behind: the store directory, the terminal summary and
//! the Lamport diagram of messages.
pub mod edn;
pub mod lamport;
pub mod store;
pub mod summary;
