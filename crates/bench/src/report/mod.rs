//! What a run leaves behind: the store directory, the terminal summary, the
//! Lamport diagram of messages, the timeline of operations, the
//! performance plots, and the run page that explains it all (findings).
//! [`store`] owns the directory's layout and data files, [`write`] writes
//! a finished run's files in order, the run page last.
pub mod edn;
pub mod faults;
pub mod findings;
pub mod junit;
pub mod lamport;
pub mod page;
pub mod plots;
pub mod store;
pub mod summary;
pub mod timeline;
pub mod write;

pub use glomers_check::svg::{cut, escape, open_svg, LIGHT_BLUE, ORANGE, PINK};
