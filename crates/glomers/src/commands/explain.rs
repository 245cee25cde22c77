//! `glomers explain RUN_DIR`: what a stored run found, in words, and a
//! focused Lamport diagram of just the messages that matter — those that
//! carried a value (and the replies to them), to or from a node, of a type,
//! or in a time window. "Why was 42 lost?" becomes one picture.

use crate::cli::{ExplainArgs, EXIT_BAD_ARGS};
use glomers_bench::net::journal::EventKind;
use glomers_bench::report::findings::{self, Run};
use glomers_bench::report::lamport::filter::{seconds, Filter};
use glomers_bench::report::page;

pub fn main(args: ExplainArgs) -> i32 {
    // A reader that stops early (`| head`) ends us quietly, as for any
    // Unix filter; explain starts no nodes whose pipes this could affect.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of a signal has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let dir = if args.run_dir.join("results.json").is_file() {
        args.run_dir.clone()
    } else {
        // `store/` or `store/<workload>` work too: their `latest` run.
        args.run_dir.join("latest")
    };
    let run = match Run::open(&dir) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("glomers explain: {e}");
            return EXIT_BAD_ARGS;
        }
    };
    let filter = match Filter::from_parts(
        args.value.as_deref(),
        args.node.as_deref(),
        args.kind.as_deref(),
        args.from,
        args.to,
    ) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("glomers explain: {e}");
            return EXIT_BAD_ARGS;
        }
    };

    println!("{}: {}", run.workload(), page::verdict(&run));
    if filter.is_empty() {
        for f in findings::findings(&run) {
            println!("\n[{}] {}", f.checker, f.sentence);
            for line in &f.evidence {
                println!("  - {line}");
            }
        }
        if let Err(e) = page::write(&dir) {
            eprintln!("glomers explain: {e}");
            return glomers_bench::run::EXIT_CRASH;
        }
        println!("\nrun page: {}", dir.join(page::PAGE_FILE).display());
        return 0;
    }

    let events = filter.select(run.journal());
    let delivered: std::collections::HashSet<u64> = events
        .iter()
        .filter(|e| e.kind == EventKind::Recv)
        .map(|e| e.message.id)
        .collect();
    let why = page::why_undelivered(&run, &events);
    println!("{} ({} events):", filter.describe(), events.len());
    for e in events.iter().filter(|e| e.kind == EventKind::Send) {
        let m = &e.message;
        let fate = match (delivered.contains(&m.id), why.get(&m.id)) {
            (true, _) => String::new(),
            (false, Some(why)) => format!("  ({why})"),
            (false, None) => "  (never delivered)".to_string(),
        };
        println!(
            "  {:>9} s  {} → {}  {}{fate}",
            seconds(e.time),
            m.src,
            m.dest,
            glomers_bench::report::cut(m.body.get(), 160)
        );
    }
    match page::write_focused(&run, &filter) {
        Ok(name) => {
            println!("diagram: {}", dir.join(name).display());
            0
        }
        Err(e) => {
            eprintln!("glomers explain: {e}");
            glomers_bench::run::EXIT_CRASH
        }
    }
}
