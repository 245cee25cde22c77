//! # glomers-bench
//!
//! A native, Maelstrom-compatible test bench. Where things live:
//! - [`runner`]: the sans-IO core of one run (phases, workers, clients, nemesis);
//! - [`net`]: where messages are routed, latency drawn, partitions applied;
//! - [`services`]: `lin-kv`, `seq-kv`, `lww-kv`, `lin-tso`;
//! - [`workloads`]: each workload's generator, client rules and checker;
//! - [`checkers`]: checkers shared by all workloads and the verdict;
//! - [`client`]: how replies become history completions;
//! - [`exact`]: exact order of JSON numbers (they stay as the node wrote them);
//! - [`process`] and [`run`]: real node processes and the real-time driver;
//! - [`sim`]: in-process nodes on virtual time, seed sweeps;
//! - [`report`]: the store directory, summary, Lamport diagrams, plots and
//!   the run page with its findings;
//! - [`cli`], [`challenge`], [`perf`], [`explain`], [`serve`]: the `glomers`
//!   commands.

pub mod challenge;
pub mod checkers;
pub mod cli;
pub mod client;
pub mod exact;
pub mod explain;
pub mod history;
pub mod net;
pub mod opts;
pub mod perf;
pub mod process;
pub mod progress;
pub mod report;
pub mod rng;
pub mod run;
pub mod runner;
pub mod serve;
pub mod services;
pub mod sim;
pub mod workloads;
