//! The `glomers` command line. `glomers test` takes `maelstrom test`'s flag
//! names, meanings and defaults (plus `--seed` and `--store`), so habits
//! carry over; invalid flags exit 254 like Maelstrom.

use clap::{Args, Parser, Subcommand};
use glomers_bench::net::delivery::Jitter;
use glomers_bench::net::latency::{Latency, LatencyDist};
use glomers_bench::opts::{Availability, Faults, TestOptions};
use std::path::PathBuf;

/// Exit status for invalid arguments, as Maelstrom uses.
pub const EXIT_BAD_ARGS: i32 = 254;

/// Bounds that keep every derived time (nanoseconds in a `u64`) and count
/// far from overflow: a year of test, 1000 s of latency, an op every ~17
/// minutes at the slowest, a million workers.
pub const MAX_SECONDS: u64 = 365 * 86_400;
pub const MAX_LATENCY_MS: u64 = 1_000_000;
pub const MIN_RATE: f64 = 0.001;
pub const MAX_RATE: f64 = 1e7;
pub const MAX_CONCURRENCY: usize = 1_000_000;

#[derive(Debug, Parser)]
#[command(
    name = "glomers",
    version,
    about = "A native, Maelstrom-compatible bench for Gossip Glomers nodes"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a workload against a node binary (same flags as `maelstrom test`).
    Test(Box<TestArgs>),
    /// Run Gossip Glomers challenges with their official parameters against our nodes.
    Challenge(ChallengeArgs),
    /// Measure the bench itself: start-up time and network throughput.
    Bench(BenchArgs),
    /// Say why a stored run failed, and draw the messages behind a value,
    /// a node, a message type or a time window.
    Explain(ExplainArgs),
    /// Browse the store's runs in a web browser.
    Serve(ServeArgs),
    /// Check histories without running anything: Jepsen's or Maelstrom's
    /// history.edn, an EDN vector of ops, our history.jsonl, or a run
    /// directory of either.
    Check(CheckArgs),
    /// Join the summaries of a sweep's shards (`--seeds N --shard I/N`)
    /// into the report of the whole sweep.
    Merge(MergeArgs),
    /// Print the protocol of every workload and service (as `maelstrom
    /// doc`), generated from the definitions the bench enforces.
    Doc(DocArgs),
}

#[derive(Debug, Args)]
pub struct DocArgs {
    /// Only these workloads or services (default: everything).
    pub names: Vec<String>,
    /// Write the Markdown to this file instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' summary files.
    #[arg(required = true)]
    pub summaries: Vec<PathBuf>,
    /// Also write the merged summary here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// History files or run directories (Maelstrom's or ours).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The checker: a Maelstrom workload, or cas-register, list-append,
    /// rw-register, set-full, counter. A run directory names its own.
    #[arg(short = 'w', long)]
    pub workload: Option<String>,
    /// Consistency models for the transactional checkers (default: the
    /// run's, else strict-serializable).
    #[arg(long)]
    pub consistency_models: Option<String>,
    /// Required availability: `total` or a fraction in [0, 1].
    #[arg(long)]
    pub availability: Option<String>,
    /// Seconds the linearizability search may spend on one key before that
    /// key is `unknown`.
    #[arg(long, default_value_t = 10.0)]
    pub linearizable_time_limit: f64,
    /// MiB the linearizability search may hold for one key before that key
    /// is `unknown`.
    #[arg(long, default_value_t = 1024)]
    pub linearizable_memory: u64,
    /// Where results go: `<store>/check/<workload>/<time>/`.
    #[arg(long, default_value = "store")]
    pub store: PathBuf,
    /// Print nothing but the verdict line of each input.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A run directory (or a store / workload directory: its latest run).
    pub run_dir: PathBuf,
    /// The messages that carried this value (JSON, or a plain string), and the replies to them.
    #[arg(long)]
    pub value: Option<String>,
    /// The messages to or from this node (or client, or service).
    #[arg(long)]
    pub node: Option<String>,
    /// The messages of this body type (`read` also matches `read_ok`).
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// Only from this many seconds into the run.
    #[arg(long)]
    pub from: Option<f64>,
    /// Only up to this many seconds into the run.
    #[arg(long)]
    pub to: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The store to browse.
    #[arg(long, default_value = "store")]
    pub store: PathBuf,
    /// Port to listen on (0: any free port, printed at start).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on; only loopback unless --public is given.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Allow a non-loopback --host (exposes node logs and messages to the network).
    #[arg(long)]
    pub public: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Workload to run.
    #[arg(short = 'w', long, default_value = "lin-kv")]
    pub workload: String,
    /// Path to the node binary.
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Number of nodes, named n0…n{N-1}.
    #[arg(long)]
    pub node_count: Option<usize>,
    /// Explicit node name (repeatable).
    #[arg(short = 'n', long = "node")]
    pub node: Vec<String>,
    /// Comma-separated node names.
    #[arg(long)]
    pub nodes: Option<String>,
    /// File with one node name per line.
    #[arg(long)]
    pub nodes_file: Option<PathBuf>,
    /// Length of the main phase, seconds.
    #[arg(long, default_value_t = 60)]
    pub time_limit: u64,
    /// Approximate total client operations per second.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Client workers: a number, or Kn for K × node count.
    #[arg(long, default_value = "1n")]
    pub concurrency: String,
    /// Mean node↔node / node↔service latency, ms.
    #[arg(long, default_value_t = 0)]
    pub latency: u64,
    /// Latency distribution.
    #[arg(long, value_enum, default_value = "constant")]
    pub latency_dist: LatencyDist,
    /// Wake-up delays of Maelstrom's delivery threads, as measured on real
    /// Maelstrom (`maelstrom`), or none for an idealised network (ours).
    #[arg(long, value_enum, default_value = "maelstrom")]
    pub jitter: Jitter,
    /// Faults to inject, comma-separated: partition, pause, kill, clock
    /// (clock needs --sim).
    #[arg(long)]
    pub nemesis: Option<String>,
    /// Mean seconds between nemesis operations.
    #[arg(long, default_value_t = 10.0)]
    pub nemesis_interval: f64,
    /// Topology offered by the broadcast workload.
    #[arg(long, default_value = "grid",
          value_parser = ["line", "grid", "tree", "tree2", "tree3", "tree4", "total"])]
    pub topology: String,
    /// Required availability: `total` or a fraction in [0, 1].
    #[arg(long)]
    pub availability: Option<String>,
    /// Consistency models for transactional workloads.
    #[arg(long, default_value = "strict-serializable")]
    pub consistency_models: String,
    /// Active keys for txn-* and kafka generators.
    #[arg(long)]
    pub key_count: Option<u64>,
    /// Maximum micro-operations per transaction.
    #[arg(long, default_value_t = 4)]
    pub max_txn_length: u64,
    /// Writes per key before it is retired.
    #[arg(long, default_value_t = 16)]
    pub max_writes_per_key: u64,
    /// Echo node stderr to the console.
    #[arg(long)]
    pub log_stderr: bool,
    /// Log every message when sent.
    #[arg(long)]
    pub log_net_send: bool,
    /// Log every message when delivered.
    #[arg(long)]
    pub log_net_recv: bool,
    /// Run the test this many times, stopping at the first invalid run.
    #[arg(long, default_value_t = 1)]
    pub test_count: u64,
    /// Seed for every random choice of the bench (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where run directories are written.
    #[arg(long, default_value = "store")]
    pub store: PathBuf,
    /// Run the nodes in-process on virtual time: deterministic, replayable
    /// from --seed, much faster than real time (docs/simulation.md).
    #[arg(long)]
    pub sim: bool,
    /// With --sim: sweep this many consecutive seeds starting at --seed.
    #[arg(long, requires = "sim")]
    pub seeds: Option<u64>,
    /// With --seeds: stop at the first failing seed.
    #[arg(long, requires = "seeds")]
    pub stop_early: bool,
    /// With --seeds: run only shard I of N (the seeds at positions I, I+N,
    /// I+2N, … of the sweep), e.g. a CI matrix entry or an indexed job.
    #[arg(long, value_name = "I/N", requires = "seeds")]
    pub shard: Option<String>,
    /// With --seeds: where to write the sweep's summary (JSON, for
    /// `glomers merge`); default STORE/sweep-<workload>-seed<S>-n<N>-shard<I>of<N>.json.
    #[arg(long, value_name = "FILE", requires = "seeds")]
    pub summary: Option<PathBuf>,
    /// With --sim: if the run fails, search for a smaller failing case
    /// (shorter, fewer nodes, lower rate, fewer workers) and print it.
    #[arg(long, requires = "sim")]
    pub shrink: bool,
    /// Also write the verdict as JUnit XML to this file, for CI: a test
    /// case per checker (per run with --test-count), findings as failures.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["seeds", "shrink"])]
    pub junit: Option<PathBuf>,
    /// Arguments passed to the node binary.
    #[arg(allow_hyphen_values = false)]
    pub bin_args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ChallengeArgs {
    /// Challenge ids (1, 2, 3a…) or `all`.
    #[arg(required = true)]
    pub ids: Vec<String>,
    /// Directory holding the node binaries (default: next to glomers).
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long, default_value = "store")]
    pub store: PathBuf,
    /// Show each run's full output.
    #[arg(long)]
    pub verbose: bool,
    /// Run our nodes in-process on virtual time (seconds instead of minutes).
    #[arg(long)]
    pub sim: bool,
    /// Also write the table as JUnit XML to this file, for CI: a test case
    /// per challenge, its failing checks and findings as the failure.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Directory holding the node binaries (default: next to glomers).
    #[arg(long)]
    pub bin_dir: Option<PathBuf>,
    /// Messages to route in the network throughput benchmark.
    #[arg(long, default_value_t = 1_000_000)]
    pub messages: u64,
    /// Instead of benchmarking, write a valid synthetic txn history of
    /// `--history-txns` transactions to this file (Jepsen EDN if it ends in
    /// `.edn`, else history.jsonl), for measuring `glomers check` at scale.
    #[arg(long)]
    pub write_history: Option<PathBuf>,
    /// Transactions in the `--write-history` history.
    #[arg(long, default_value_t = 1_000_000)]
    pub history_txns: usize,
    /// `list-append` or `rw-register` for `--write-history`.
    #[arg(long, default_value = "list-append", value_parser = ["list-append", "rw-register"])]
    pub history_model: String,
}

impl TestArgs {
    /// Validates the flags into options, with Maelstrom's messages.
    pub fn into_options(self) -> Result<TestOptions, String> {
        let bin = self.bin.ok_or("Expected a --bin PATH_TO_BINARY to test")?;
        let nodes = if let Some(n) = self.node_count {
            if n == 0 {
                return Err("--node-count must be positive".into());
            }
            (0..n).map(|i| format!("n{i}")).collect()
        } else if let Some(list) = self.nodes {
            list.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        } else if let Some(file) = self.nodes_file {
            std::fs::read_to_string(&file)
                .map_err(|e| format!("--nodes-file {}: {e}", file.display()))?
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        } else if !self.node.is_empty() {
            self.node
        } else {
            (1..=5).map(|i| format!("n{i}")).collect::<Vec<_>>()
        };
        check_node_names(&nodes)?;
        if !(1..=MAX_SECONDS).contains(&self.time_limit) {
            return Err(format!(
                "--time-limit must be a whole number of seconds in 1..={MAX_SECONDS}"
            ));
        }
        if !(self.rate == 0.0 || (MIN_RATE..=MAX_RATE).contains(&self.rate)) {
            return Err(format!(
                "--rate must be 0 (no operations) or a number in {MIN_RATE}..={MAX_RATE}"
            ));
        }
        if self.latency > MAX_LATENCY_MS {
            return Err(format!("--latency must be at most {MAX_LATENCY_MS} ms"));
        }
        let concurrency = parse_concurrency(&self.concurrency, nodes.len())?;
        let (nemesis_partition, nemesis_faults) = parse_nemesis(self.nemesis.as_deref(), self.sim)?;
        if !(self.nemesis_interval > 0.0 && self.nemesis_interval <= MAX_SECONDS as f64) {
            return Err(format!(
                "--nemesis-interval must be a positive number of seconds, at most {MAX_SECONDS}"
            ));
        }
        if self.latency == 0 && self.latency_dist == LatencyDist::Exponential {
            return Err(
                "--latency-dist exponential needs --latency > 0 (Maelstrom divides by it)".into(),
            );
        }
        let availability = self
            .availability
            .as_deref()
            .map(parse_availability)
            .transpose()?;
        let mut opts = TestOptions::new(&self.workload, bin, nodes.len());
        opts.nodes = nodes;
        opts.bin_args = self.bin_args;
        opts.time_limit_s = self.time_limit;
        opts.rate = self.rate;
        opts.concurrency = concurrency;
        opts.latency = Latency {
            mean_ms: self.latency,
            dist: self.latency_dist,
        };
        opts.jitter = self.jitter;
        opts.nemesis_partition = nemesis_partition;
        opts.nemesis_faults = nemesis_faults;
        opts.nemesis_interval_s = self.nemesis_interval;
        opts.topology = self.topology;
        opts.availability = availability;
        opts.consistency_models =
            glomers_check::txn::models::parse_consistency_models(&self.consistency_models);
        opts.key_count = self.key_count;
        opts.max_txn_length = self.max_txn_length;
        opts.max_writes_per_key = self.max_writes_per_key;
        opts.log_stderr = self.log_stderr;
        opts.log_net_send = self.log_net_send;
        opts.log_net_recv = self.log_net_recv;
        opts.seed = self.seed.unwrap_or_else(clock_seed);
        if let Some(count) = self.seeds {
            if count == 0 || opts.seed.checked_add(count).is_none() {
                return Err(format!(
                    "--seeds must be at least 1, and --seed + --seeds must stay below {}",
                    u64::MAX
                ));
            }
        }
        opts.store = self.store;
        opts.test_count = self.test_count.max(1);
        opts.sim = self.sim;
        Ok(opts)
    }
}

/// `K` or `Kn` (K × node count).
/// `--availability`: `total` or a fraction in [0, 1].
pub fn parse_availability(x: &str) -> Result<Availability, String> {
    match x {
        "total" => Ok(Availability::Total),
        x => match x.parse::<f64>() {
            Ok(a) if (0.0..=1.0).contains(&a) => Ok(Availability::AtLeast(a)),
            _ => Err(format!(
                "--availability must be `total` or a number in [0, 1], got {x:?}"
            )),
        },
    }
}

/// `--nemesis partition,pause,kill,clock` (Maelstrom's flag takes a set
/// too): whether to partition, and the other faults.
fn parse_nemesis(list: Option<&str>, sim: bool) -> Result<(bool, Faults), String> {
    let mut partition = false;
    let mut faults = Faults::default();
    for fault in list
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        match fault {
            "partition" => partition = true,
            "pause" => faults.pause = true,
            "kill" => faults.kill = true,
            "clock" => faults.clock = true,
            other => {
                return Err(format!(
                    "--nemesis: {}",
                    glomers_check::model::unknown_name("fault", other, &Faults::NAMES)
                ))
            }
        }
    }
    if faults.clock && !sim {
        return Err(
            "--nemesis clock needs --sim: the bench owns the nodes' clocks only in \
                    simulation (real processes read the machine's clock)"
                .into(),
        );
    }
    Ok((partition, faults))
}

pub fn parse_concurrency(spec: &str, node_count: usize) -> Result<usize, String> {
    let bad = || format!("--concurrency must look like 4 or 2n, got {spec:?}");
    let (digits, per_node) = match spec.strip_suffix('n') {
        Some(d) => (d, true),
        None => (spec, false),
    };
    let k: usize = digits.parse().map_err(|_| bad())?;
    let c = if per_node {
        k.saturating_mul(node_count)
    } else {
        k
    };
    if !(1..=MAX_CONCURRENCY).contains(&c) {
        return Err(format!(
            "--concurrency must give between 1 and {MAX_CONCURRENCY} workers, got {spec:?}"
        ));
    }
    Ok(c)
}

/// Node names must be distinct and must not look like a client (Maelstrom
/// treats every id starting with `c` as one) or name a service.
pub fn check_node_names(nodes: &[String]) -> Result<(), String> {
    if nodes.is_empty() {
        return Err("no nodes given".into());
    }
    let mut seen = std::collections::HashSet::new();
    for name in nodes {
        if name.starts_with('c') {
            return Err(format!(
                "node name {name:?} starts with `c`, which Maelstrom reserves for clients"
            ));
        }
        if glomers_bench::services::NAMES.contains(&name.as_str()) {
            return Err(format!("node name {name:?} is the name of a service"));
        }
        if !seen.insert(name) {
            return Err(format!("node name {name:?} is given twice"));
        }
    }
    Ok(())
}

/// A seed for runs that did not ask for one.
pub fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 % 1_000_000_000)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<TestOptions, String> {
        let mut argv = vec!["glomers", "test"];
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
        match cli.command {
            Command::Test(t) => (*t).into_options(),
            _ => Err("not test".into()),
        }
    }

    #[test]
    fn maelstrom_defaults() {
        let o = parse(&["--bin", "x"]).expect("valid");
        assert_eq!(o.workload, "lin-kv");
        assert_eq!(o.nodes, vec!["n1", "n2", "n3", "n4", "n5"]);
        assert_eq!((o.time_limit_s, o.rate, o.concurrency), (60, 5.0, 5));
        assert_eq!(o.latency.mean_ms, 0);
        assert!(!o.nemesis_partition);
        assert_eq!(o.nemesis_interval_s, 10.0);
        assert_eq!(o.topology, "grid");
    }

    #[test]
    fn flags_and_binary_arguments() {
        let o = parse(&[
            "-w",
            "echo",
            "--bin",
            "x",
            "--node-count",
            "3",
            "--concurrency",
            "2n",
            "extra",
            "--nemesis",
            "partition",
            "–-nemesis",
            "--latency",
            "100",
        ])
        .expect("valid");
        assert_eq!(o.nodes, vec!["n0", "n1", "n2"]);
        assert_eq!(o.concurrency, 6);
        assert!(o.nemesis_partition);
        assert_eq!(o.bin_args, vec!["extra", "–-nemesis"]);
        assert_eq!(o.latency.mean_ms, 100);
    }

    #[test]
    fn the_replay_command_parses_back_into_the_same_options() {
        let o = parse(&[
            "-w",
            "broadcast",
            "--bin",
            "x",
            "--nodes",
            "a,b,d",
            "--concurrency",
            "2n",
            "--rate",
            "12.5",
            "--latency",
            "7",
            "--latency-dist",
            "exponential",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "0.5",
            "--topology",
            "tree3",
            "--availability",
            "0.9",
            "--seed",
            "77",
            "--sim",
            "--key-count",
            "3",
            "--consistency-models",
            "read-committed",
            "--",
            "extra arg",
            "it's",
            "--flag-like",
        ])
        .expect("valid");
        let mut o = o;
        o.node_env = vec![("GLOMERS_BROADCAST_PROFILE".into(), "3e x".into())];
        let replay = glomers_bench::report::store::replay_command(&o);
        let words = shlex::split(&replay).expect("a well-quoted shell command");
        let at = words
            .iter()
            .position(|w| w == "glomers")
            .expect("the command");
        assert_eq!(words[..at], ["GLOMERS_BROADCAST_PROFILE=3e x"], "{replay}");
        let args: Vec<&str> = words[at + 2..].iter().map(String::as_str).collect();
        let again = parse(&args).expect("the replay command parses");
        assert_eq!(
            (again.key_count, &again.consistency_models),
            (o.key_count, &o.consistency_models)
        );
        assert_eq!(
            (
                &again.nodes,
                again.concurrency,
                again.rate,
                again.latency,
                again.seed,
                again.sim
            ),
            (&o.nodes, o.concurrency, o.rate, o.latency, o.seed, o.sim)
        );
        assert_eq!(
            (
                again.nemesis_partition,
                again.nemesis_interval_s,
                &again.topology,
                again.availability
            ),
            (
                o.nemesis_partition,
                o.nemesis_interval_s,
                &o.topology,
                o.availability
            )
        );
        assert_eq!(
            (&again.workload, &again.bin, &again.bin_args),
            (&o.workload, &o.bin, &o.bin_args)
        );
    }

    #[test]
    fn bad_flags_are_refused() {
        assert!(parse(&["-w", "echo"])
            .unwrap_err()
            .contains("Expected a --bin"));
        assert!(parse(&["--bin", "x", "--concurrency", "x"]).is_err());
        assert!(parse(&["--bin", "x", "--nemesis", "kil"]).is_err());
        assert!(
            parse(&["--bin", "x", "--nemesis", "clock"]).is_err(),
            "clock needs --sim"
        );
        assert!(parse(&["--bin", "x", "--nemesis", "partition,pause,kill"]).is_ok());
        assert!(parse(&["--bin", "x", "--time-limit", "1.5"]).is_err());
        assert!(parse(&["--bin", "x", "--availability", "2"]).is_err());
        assert!(parse(&["--bin", "x", "--topology", "star"]).is_err());
    }

    #[test]
    fn flags_that_would_overflow_a_derived_time_or_count_are_refused() {
        let refused = |args: &[&str], needle: &str| {
            let mut all = vec!["--bin", "x"];
            all.extend_from_slice(args);
            let e = parse(&all).expect_err("refused");
            assert!(e.contains(needle), "{args:?}: {e}");
        };
        refused(&["--latency", "18446744073709551"], "--latency");
        refused(&["--time-limit", "18446744073"], "--time-limit");
        refused(&["--concurrency", "4000000000000000000n"], "--concurrency");
        refused(&["--concurrency", "2000000"], "--concurrency");
        refused(&["--rate", "1e-300"], "--rate");
        refused(&["--rate", "inf"], "--rate");
        refused(&["--nemesis-interval", "1e300"], "--nemesis-interval");
        refused(
            &["--sim", "--seed", "18446744073709551615", "--seeds", "2"],
            "--seeds",
        );
        refused(&["--sim", "--seeds", "0"], "--seeds");
        assert!(parse(&["--bin", "x", "--rate", "0"]).is_ok());
        assert!(parse(&["--bin", "x", "--sim", "--seed", "5", "--seeds", "10"]).is_ok());
    }

    #[test]
    fn node_names_must_not_collide_with_clients_services_or_each_other() {
        for (nodes, needle) in [
            ("n1,c0", "reserves for clients"),
            ("n1,lin-kv", "service"),
            ("a,b,a", "twice"),
        ] {
            let e = parse(&["--bin", "x", "--nodes", nodes]).expect_err("refused");
            assert!(e.contains(needle), "{nodes}: {e}");
        }
        assert!(parse(&["--bin", "x", "-n", "n1", "-n", "n1"]).is_err());
        assert!(parse(&["--bin", "x", "--nodes", "a,b,node-c"]).is_ok());
    }
}
