//! # glomers-check
//!
//! Jepsen-grade checkers for operation histories, usable on their own: a
//! [`History`] in, a result map out — the same map, keys and verdict as
//! Maelstrom's `results.edn` (Jepsen's checkers, Elle's cycle search,
//! Knossos-style linearizability). Nothing here knows about processes,
//! networks or the run that produced the history.
//!
//! Where things live:
//! - [`history`]: the history model (Jepsen's op maps), and [`read`]: the
//!   readers of Jepsen's `history.edn`, EDN vectors and our `history.jsonl`;
//! - [`model`]: which checker a workload or plain model uses, and [`check`]
//!   to run it with the checkers every test runs ([`common`]);
//! - one module per checker: [`echo`], [`unique_ids`], [`counter`],
//!   [`set_full`] (broadcast, g-set), [`kafka`], [`txn`] (Elle's
//!   list-append and rw-register, consistency models), [`linearizable`]
//!   (registers and lin-kv, Wing–Gong–Lowe per key);
//! - [`graph`]: dependency graphs and the cycle search the txn and kafka
//!   checkers share; [`exact`]: exact order of JSON numbers; [`svg`]: the
//!   drawing primitives of the checkers' pictures.
//!
//! ```
//! use glomers_check::{check, history::History, model::Model, Options};
//! let history = History::default();
//! let result = check(Model::Echo, &history, &Options::default());
//! assert_eq!(result["valid?"], true);
//! ```

pub mod common;
pub mod counter;
pub mod echo;
pub mod exact;
pub mod fx;
pub mod graph;
pub mod history;
pub mod kafka;
pub mod linearizable;
pub mod model;
pub mod read;
pub mod set_full;
pub mod svg;
pub mod txn;
pub mod unique_ids;

pub use common::{Availability, Validity};
pub use model::{check, check_workload, Model, Options};
