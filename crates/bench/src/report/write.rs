//! Writes everything a finished run leaves behind: the store's data files
//! ([`super::store`]), then what is drawn from them — the Lamport diagram
//! `messages.svg` (and further pages `messages-2.svg`, …),
//! `timeline.html`, the performance plots `latency-raw.svg`,
//! `latency-quantiles.svg` and `rate.svg`, the checker's own pictures — and
//! last the run page `index.html`, which reads them all back.

use super::store::{self, io, Finished, JOURNAL_FILE};
use crate::net::journal::read_events_capped;
use std::fs::{self, File};
use std::path::Path;

/// At most this many pages of the Lamport diagram are drawn.
const MESSAGE_PAGES: usize = 10;

/// Bodies longer than this are drawn from a summary (1 MiB: every message
/// of a normal run is drawn as it is).
const DRAWN_BODY_CAP: usize = 1 << 20;

/// Writes every file of a finished run into `dir` and points the `latest`
/// links at it. `artifacts` are the checker's pictures: (path relative to
/// the run directory, contents).
pub fn write_run(dir: &Path, run: &Finished, artifacts: &[(String, String)]) -> Result<(), String> {
    store::write_data(dir, run)?;

    // The journal was streamed to disk during the run; draw from the file.
    let journal = File::open(dir.join(JOURNAL_FILE)).map_err(|e| io(dir, JOURNAL_FILE, e))?;
    let events = read_events_capped(std::io::BufReader::new(journal), DRAWN_BODY_CAP);
    let options = super::lamport::Options {
        faults: super::faults::Faults::of_history(run.history),
        ..super::lamport::Options::default()
    };
    let pages = super::lamport::pages(events, &options, MESSAGE_PAGES, |i| {
        Some(store::message_page(i))
    });
    for (i, svg) in pages.into_iter().enumerate() {
        let name = store::message_page(i);
        fs::write(dir.join(&name), svg).map_err(|e| io(dir, &name, e))?;
    }
    fs::write(
        dir.join("timeline.html"),
        super::timeline::render(run.history),
    )
    .map_err(|e| io(dir, "timeline.html", e))?;
    for (name, svg) in [
        ("latency-raw.svg", super::plots::latency_raw(run.history)),
        (
            "latency-quantiles.svg",
            super::plots::latency_quantiles(run.history),
        ),
        ("rate.svg", super::plots::rate(run.history)),
    ] {
        fs::write(dir.join(name), svg).map_err(|e| io(dir, name, e))?;
    }
    write_artifacts(dir, artifacts)?;
    super::page::write(dir)?;
    store::link_latest(dir, run.opts);
    Ok(())
}

/// The checker's pictures, at their paths under `dir`.
pub fn write_artifacts(dir: &Path, artifacts: &[(String, String)]) -> Result<(), String> {
    for (name, contents) in artifacts {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| io(dir, name, e))?;
        }
        fs::write(&path, contents).map_err(|e| io(dir, name, e))?;
    }
    Ok(())
}
