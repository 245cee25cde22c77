//! Which checker a history is read with: every Maelstrom workload, and the
//! plain models Jepsen users check their own histories against (Knossos's
//! `cas-register`, Elle's `list-append` and `rw-register`, Jepsen's
//! `set-full` and `counter`). [`check`] runs the model's checker beside the
//! ones every test runs and composes the verdict.

use crate::common::{compose, Availability};
use crate::history::History;
use crate::linearizable::Limits;
use crate::{counter, echo, kafka, linearizable, set_full, txn, unique_ids};
use serde_json::Value;

/// A checker, by the name `-w/--workload` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    Echo,
    UniqueIds,
    Broadcast,
    GSet,
    GCounter,
    PnCounter,
    Kafka,
    TxnListAppend,
    TxnRwRegister,
    LinKv,
    /// One register, values without keys (Knossos's histories).
    CasRegister,
    /// Elle's list-append, as elle-cli reads it.
    ListAppend,
    /// Elle's rw-register, as elle-cli reads it.
    RwRegister,
    /// Jepsen's `set-full`: `add` and `read` of a set.
    SetFull,
    /// Jepsen's `counter`: every read lies between the adds certainly done
    /// before it began and those possibly done by the time it ended.
    Counter,
}

impl Model {
    /// Every model, by name: Maelstrom's ten workloads, then the plain ones.
    pub const ALL: &'static [(&'static str, Model)] = &[
        ("broadcast", Model::Broadcast),
        ("echo", Model::Echo),
        ("g-counter", Model::GCounter),
        ("g-set", Model::GSet),
        ("kafka", Model::Kafka),
        ("lin-kv", Model::LinKv),
        ("pn-counter", Model::PnCounter),
        ("txn-list-append", Model::TxnListAppend),
        ("txn-rw-register", Model::TxnRwRegister),
        ("unique-ids", Model::UniqueIds),
        ("cas-register", Model::CasRegister),
        ("list-append", Model::ListAppend),
        ("rw-register", Model::RwRegister),
        ("set-full", Model::SetFull),
        ("counter", Model::Counter),
    ];

    /// The model called `name`, or an error listing the known names.
    pub fn from_name(name: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown workload {name}; expected one of {}",
                    names.join(" ")
                )
            })
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("?", |(n, _)| n)
    }

    /// Whether this is one of Maelstrom's workloads (else a plain model).
    pub fn is_maelstrom_workload(self) -> bool {
        !matches!(
            self,
            Model::CasRegister
                | Model::ListAppend
                | Model::RwRegister
                | Model::SetFull
                | Model::Counter
        )
    }
}

/// The checker options `glomers test` and `glomers check` share.
#[derive(Debug, Clone)]
pub struct Options {
    /// Consistency models the txn checkers demand (Elle's names).
    pub consistency_models: Vec<String>,
    /// `--availability`: a minimum fraction of `ok` operations.
    pub availability: Option<Availability>,
    /// Bounds on the linearizability search of each key.
    pub linearizable: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            consistency_models: vec!["strict-serializable".into()],
            availability: None,
            linearizable: Limits::default(),
        }
    }
}

/// The model's own checker: the map Maelstrom files under `workload`.
pub fn check_workload(model: Model, history: &History, opts: &Options) -> Value {
    match model {
        Model::Echo => echo::check(history),
        Model::UniqueIds => unique_ids::check(history),
        Model::Broadcast => set_full::check(history, "broadcast"),
        Model::GSet | Model::SetFull => set_full::check(history, "add"),
        Model::GCounter | Model::PnCounter => counter::check(history),
        Model::Counter => counter::check_bounds(history),
        Model::Kafka => kafka::check(history),
        Model::TxnListAppend | Model::ListAppend => {
            txn::check_list_append(history, &opts.consistency_models)
        }
        Model::TxnRwRegister | Model::RwRegister => {
            txn::check_rw_register(history, &opts.consistency_models)
        }
        Model::LinKv => linearizable::check(history, opts.linearizable),
        Model::CasRegister => linearizable::check_register(history, opts.linearizable),
    }
}

/// The whole result map — the model's checker under `workload`, and
/// `stats`, `availability`, `exceptions`, `perf`, `timeline` — with the
/// combined `valid?`, as Maelstrom's `results.edn` has it (less `net`,
/// which only a run can tell).
pub fn check(model: Model, history: &History, opts: &Options) -> Value {
    let workload = check_workload(model, history, opts);
    compose(history, opts.availability, None, workload)
}

/// Files the model's checker draws for a failed result (lin-kv's and the
/// register's `independent/<key>/linear.svg`, as Knossos draws them): (path
/// relative to the run directory, contents).
pub fn artifacts(model: Model, history: &History, workload: &Value) -> Vec<(String, String)> {
    let keyed;
    let history = match model {
        Model::LinKv => history,
        Model::CasRegister => {
            keyed = linearizable::as_one_key(history);
            &keyed
        }
        _ => return Vec::new(),
    };
    let failures = workload["failures"].as_array().cloned().unwrap_or_default();
    failures
        .iter()
        .map(|key| {
            let name = key.as_str().map_or_else(|| key.to_string(), str::to_string);
            let svg = linearizable::timeline_svg(history, key);
            (format!("independent/{name}/linear.svg"), svg)
        })
        .collect()
}
