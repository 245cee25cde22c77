//! Realistic, valid synthetic histories for the checker benchmarks, drawn
//! as the workloads' generators draw them; their tests check that each
//! checker finds them valid and catches a corrupted copy.

pub mod kafka;
pub mod lin_kv;
pub mod txn;
