//! The simulated network.
pub mod journal;
