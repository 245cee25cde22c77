//! One module per `glomers` subcommand.

pub mod bench;
pub mod challenge;
pub mod check;
pub mod doc;
pub mod explain;
pub mod merge;
pub mod serve;
pub mod test;
