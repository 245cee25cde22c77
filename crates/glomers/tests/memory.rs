//! The whole run — routing, journal, Lamport diagram, plots, run page —
//! holds a large message a small number of times: one message of 10 MB
//! (the `big-message` fixture) may raise the bench's peak RSS by at most 3×
//! its size. Alone in its file, so no other test shares the process.

mod common;

use common::options;
use glomers::commands::bench::{reset_peak_rss, status_bytes};
use glomers_check::Validity;

const SIZE: u64 = 10_000_000;

#[test]
fn one_large_message_costs_at_most_three_times_its_size() {
    let mut o = options("echo", "big-message", 2);
    o.node_env = vec![("FIXTURE_BIG_BYTES".into(), SIZE.to_string())];
    o.time_limit_s = 3;
    let Some(before) = reset_peak_rss() else {
        panic!("peak RSS is not measurable here (/proc/self/clear_refs)")
    };
    let out = common::run(&o);
    let peak = status_bytes("VmHWM:").expect("VmHWM");
    assert_eq!(out.verdict, Validity::True, "{:#}", out.results);
    let journal = std::fs::metadata(out.dir.join("net-journal.jsonl")).expect("journal");
    assert!(
        journal.len() > 2 * SIZE,
        "the message was sent and received ({} bytes of journal)",
        journal.len()
    );
    let growth = peak.saturating_sub(before);
    eprintln!(
        "peak RSS growth {:.1} MB for a {} MB message",
        growth as f64 / 1e6,
        SIZE / 1_000_000
    );
    assert!(
        growth <= 3 * SIZE,
        "peak RSS grew by {:.1} MB for one {} MB message ({:.1}×)",
        growth as f64 / 1e6,
        SIZE / 1_000_000,
        growth as f64 / SIZE as f64
    );
}
