//! Reports.
pub mod lamport;
