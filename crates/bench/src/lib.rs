//! # glomers-bench
//!
//! A native, Maelstrom-compatible test bench.
pub mod net;
pub mod report;
