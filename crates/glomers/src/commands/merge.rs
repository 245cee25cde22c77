//! `glomers merge`: joins the summaries a sharded seed sweep wrote (one per
//! `--shard I/N`, on whatever machines ran them) into the whole sweep's
//! report: failing seeds, their replay commands, shrunk cases. Exit 0 iff
//! no seed failed; 254 if the summaries do not make one sweep.

use crate::cli::{MergeArgs, EXIT_BAD_ARGS};
use glomers_bench::sim::sweep::{merge, report, Summary};

pub fn main(args: MergeArgs) -> i32 {
    let mut parts = Vec::new();
    for path in &args.summaries {
        let read = std::fs::read_to_string(path).map_err(|e| e.to_string());
        match read
            .and_then(|text| serde_json::from_str::<Summary>(&text).map_err(|e| e.to_string()))
        {
            Ok(summary) => parts.push(summary),
            Err(e) => {
                eprintln!("{}: not a sweep summary: {e}", path.display());
                return EXIT_BAD_ARGS;
            }
        }
    }
    let merged = match merge(&parts) {
        Ok(merged) => merged,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_ARGS;
        }
    };
    println!("{}", merged.command);
    print!("{}", report(&merged));
    if let Some(out) = &args.out {
        let text = serde_json::to_string_pretty(&merged).unwrap_or_default();
        if let Err(e) = std::fs::write(out, text) {
            eprintln!("{}: {e}", out.display());
            return EXIT_BAD_ARGS;
        }
    }
    i32::from(!merged.failures.is_empty())
}
