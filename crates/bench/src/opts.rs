//! The options of one test run, already validated: what `glomers test` was
//! asked for, with Maelstrom's defaults filled in.

use crate::net::delivery::Jitter;
use crate::net::latency::{Latency, LatencyDist};
use std::path::PathBuf;

pub use glomers_check::Availability;

/// The faults `--nemesis` may name besides `partition`, as Jepsen's
/// combined nemesis injects them (see `runner::nemesis`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// SIGSTOP / SIGCONT a node (in simulation: it receives nothing and its
    /// timers do not fire while paused).
    pub pause: bool,
    /// Kill a node and start it again: same id, a fresh `init`, memory gone.
    pub kill: bool,
    /// Per-node clock offsets and rate drift (simulation only).
    pub clock: bool,
}

impl Faults {
    /// Every fault name `--nemesis` knows, partition included, in order.
    pub const NAMES: [&'static str; 4] = ["partition", "pause", "kill", "clock"];
}

/// The `--nemesis` names of what `opts` injects, in [`Faults::NAMES`] order.
pub fn nemesis_names(opts: &TestOptions) -> Vec<&'static str> {
    let f = opts.nemesis_faults;
    let on = [opts.nemesis_partition, f.pause, f.kill, f.clock];
    Faults::NAMES
        .into_iter()
        .zip(on)
        .filter_map(|(name, on)| on.then_some(name))
        .collect()
}

#[derive(Debug, Clone)]
pub struct TestOptions {
    pub workload: String,
    pub bin: PathBuf,
    pub bin_args: Vec<String>,
    /// Extra environment for the node processes (e.g. a solution's profile).
    pub node_env: Vec<(String, String)>,
    pub nodes: Vec<String>,
    pub time_limit_s: u64,
    pub rate: f64,
    pub concurrency: usize,
    pub latency: Latency,
    /// Wake-up delays of Maelstrom's delivery threads (`--jitter`).
    pub jitter: Jitter,
    pub nemesis_partition: bool,
    /// Faults beyond partitions (`--nemesis pause,kill,clock`).
    pub nemesis_faults: Faults,
    pub nemesis_interval_s: f64,
    pub topology: String,
    pub availability: Option<Availability>,
    pub consistency_models: Vec<String>,
    pub key_count: Option<u64>,
    pub max_txn_length: u64,
    pub max_writes_per_key: u64,
    pub log_stderr: bool,
    pub log_net_send: bool,
    pub log_net_recv: bool,
    pub seed: u64,
    pub store: PathBuf,
    /// Quiet period before final reads (Maelstrom: 10 s).
    pub recovery_s: f64,
    /// Print nothing but the final verdict line.
    pub quiet: bool,
    /// Shown with the live progress (set by `glomers challenge`).
    pub progress_label: Option<String>,
    /// `--test-count`: repeat the run, stopping at the first invalid one.
    pub test_count: u64,
    /// `--sim`: nodes run in-process on virtual time.
    pub sim: bool,
}

impl TestOptions {
    /// What the checkers take of these options.
    pub fn check_options(&self) -> glomers_check::Options {
        glomers_check::Options {
            consistency_models: self.consistency_models.clone(),
            availability: self.availability,
            ..glomers_check::Options::default()
        }
    }

    /// Maelstrom's defaults for `workload` and `bin`, with `n` nodes `n0…`.
    pub fn new(workload: &str, bin: impl Into<PathBuf>, node_count: usize) -> Self {
        Self {
            workload: workload.to_string(),
            bin: bin.into(),
            bin_args: Vec::new(),
            node_env: Vec::new(),
            nodes: (0..node_count).map(|i| format!("n{i}")).collect(),
            time_limit_s: 60,
            rate: 5.0,
            concurrency: node_count,
            latency: Latency {
                mean_ms: 0,
                dist: LatencyDist::Constant,
            },
            jitter: Jitter::default(),
            nemesis_partition: false,
            nemesis_faults: Faults::default(),
            nemesis_interval_s: 10.0,
            topology: "grid".into(),
            availability: None,
            consistency_models: vec!["strict-serializable".into()],
            key_count: None,
            max_txn_length: 4,
            max_writes_per_key: 16,
            log_stderr: false,
            log_net_send: false,
            log_net_recv: false,
            seed: 0,
            store: PathBuf::from("store"),
            recovery_s: 10.0,
            quiet: false,
            progress_label: None,
            test_count: 1,
            sim: false,
        }
    }
}
