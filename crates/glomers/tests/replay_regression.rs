//! Refactoring guard: `glomers test --sim --seed 1` of the 3d, 5c, 6c and
//! lin-kv (Raft) commands writes exactly the `results.json` and message
//! journal it wrote before the workspace was split into crates. A change
//! that moves any byte of them changed the bench's behaviour: if that was
//! intended, say so in the commit and record the new fingerprints here.

use clap::Parser;
use glomers::cli::{Cli, Command};
use glomers::registry;
use glomers_bench::sim::run_sim;

/// FNV-1a, 64 bits: a fingerprint of a file's bytes.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs one `glomers test` command line in simulation and fingerprints
/// its results and journal.
fn fingerprints(command: &str) -> (u64, u64) {
    let store = std::env::temp_dir().join(format!("glomers-replay-{}", std::process::id()));
    let mut words: Vec<String> = command.split_whitespace().map(String::from).collect();
    words.extend(["--store".into(), store.display().to_string()]);
    let cli = Cli::try_parse_from(&words).expect("the command parses");
    let Command::Test(args) = cli.command else {
        panic!("not a test command")
    };
    let mut opts = args.into_options().expect("valid options");
    opts.quiet = true;
    let make = registry::for_bin(&opts.bin).expect("a registered node");
    let out = run_sim(&opts, &|_, seed| make(seed)).expect("the simulation runs");
    let read = |f: &str| std::fs::read(out.dir.join(f)).expect("a run artifact");
    (fnv(&read("results.json")), fnv(&read("net-journal.jsonl")))
}

#[test]
fn seed_one_of_four_challenge_commands_is_unchanged() {
    let cases = [
        (
            "glomers test -w broadcast --bin broadcast --node-count 25 --time-limit 20 \
             --rate 100 --latency 100 --sim --seed 1",
            // results.json moved once, on purpose: the 8 ops in `worst-stale`
            // say `"f": "add"`, as Maelstrom's set-full shows them (was
            // 0x53ab_c709_1c4b_e8a9, with `"f": "broadcast"`).
            (0xfdeb_1585_ca21_ad21, 0xbca1_e1f6_476a_fe06),
        ),
        (
            "glomers test -w kafka --bin kafka --node-count 2 --concurrency 2n \
             --time-limit 20 --rate 1000 --sim --seed 1",
            (0xe1eb_c91d_b6aa_fb98, 0xe540_947b_ef10_c020),
        ),
        (
            "glomers test -w txn-rw-register --bin txn --node-count 2 --concurrency 2n \
             --time-limit 20 --rate 1000 --consistency-models read-committed \
             --availability total --nemesis partition --sim --seed 1",
            (0xf2f5_4e46_5d5d_9e0a, 0xecaa_2914_73db_a47f),
        ),
        (
            "glomers test -w lin-kv --bin raft --node-count 5 --concurrency 2n \
             --time-limit 60 --rate 100 --nemesis partition --sim --seed 1",
            (0xe024_f1d3_6888_c273, 0x6fea_e809_67e9_e479),
        ),
    ];
    for (command, expected) in cases {
        let got = fingerprints(command);
        assert_eq!(
            got, expected,
            "{command}: (results.json, net-journal.jsonl) fingerprints {got:#x?} \
             differ from before the split {expected:#x?}"
        );
    }
}
