//! # glomers-bench
//!
//! A native, Maelstrom-compatible test bench, as a library: it runs a
//! workload against nodes (real processes or in-process simulated ones),
//! checks the history with `glomers-check`, and leaves Maelstrom's store
//! behind. The `glomers` command wires it to the command line. Where things
//! live, from the bottom up:
//! - [`rng`], [`opts`]: the bench's random numbers and a run's options;
//! - [`net`]: where messages are routed, latency drawn, partitions applied;
//! - [`services`]: `lin-kv`, `seq-kv`, `lww-kv`, `lin-tso`;
//! - [`client`]: how replies become history completions;
//! - [`workloads`]: each workload's generator and client rules;
//! - [`runner`]: the sans-IO core of one run (phases, workers, clients, nemesis);
//! - [`report`]: what a run leaves behind — the store directory, summary,
//!   Lamport diagrams, plots and the run page with its findings;
//! - [`process`], [`run`], [`progress`]: real node processes, the real-time
//!   driver and its live status line;
//! - [`sim`]: in-process nodes on virtual time, seed sweeps and shrinking;
//! - [`doc`]: the protocol reference, generated from the workloads and services.

pub mod client;
pub mod doc;
pub mod net;
pub mod opts;
pub mod process;
pub mod progress;
pub mod report;
pub mod rng;
pub mod run;
pub mod runner;
pub mod services;
pub mod sim;
pub mod workloads;
