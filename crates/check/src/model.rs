//! Which checker a history is read with: every Maelstrom workload, and the
//! plain models Jepsen users check their own histories against (Knossos's
//! `cas-register`, Elle's `list-append` and `rw-register`, Jepsen's
//! `set-full` and `counter`). [`check`] runs the model's checker beside the
//! ones every test runs and composes the verdict.

use crate::common::{availability, compose_checked, every_test_checks, Availability, Validity};
use crate::history::{History, Op};
use crate::linearizable::Limits;
use crate::{counter, echo, kafka, linearizable, set_full, txn, unique_ids};
use serde_json::{Map, Value};

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
                unknown_name("workload", name, &names)
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

/// What a model's checker keeps of each op while a history is read, so
/// the history need not hold every value: for list-append and rw-register,
/// the micro-ops compacted ([`txn::mops::Mops`]), which takes a
/// million-transaction history from gigabytes of JSON trees to about a
/// gigabyte. Hand
/// [`Digest::take`] to [`crate::read::read_file_with`], then check with
/// [`check_digested`]. Other models keep their ops whole.
#[derive(Default)]
pub struct Digest {
    mops: Option<txn::mops::Mops>,
}

impl Digest {
    pub fn for_model(model: Model) -> Self {
        let mops = match model {
            Model::TxnListAppend | Model::ListAppend => Some(txn::mops::Mops::lists()),
            Model::TxnRwRegister | Model::RwRegister => Some(txn::mops::Mops::registers()),
            _ => None,
        };
        Self { mops }
    }

    /// Moves what the checker needs out of `op`, as it is read.
    pub fn take(&mut self, op: &mut Op) {
        if let Some(m) = &mut self.mops {
            m.take(op);
        }
    }
}

/// The model's own checker: the map Maelstrom files under `workload`.
pub fn check_workload(model: Model, history: &History, opts: &Options) -> Value {
    check_workload_digested(model, history, opts, &Digest::default())
}

fn check_workload_digested(
    model: Model,
    history: &History,
    opts: &Options,
    digest: &Digest,
) -> Value {
    match model {
        Model::Echo => echo::check(history),
        Model::UniqueIds => unique_ids::check(history),
        Model::Broadcast => set_full::check(history, "broadcast"),
        Model::GSet | Model::SetFull => set_full::check(history, "add"),
        Model::GCounter | Model::PnCounter => counter::check(history),
        Model::Counter => counter::check_bounds(history),
        Model::Kafka => kafka::check(history),
        Model::TxnListAppend | Model::ListAppend => match &digest.mops {
            Some(mops) => {
                txn::list_append::check_compacted(history, mops, &opts.consistency_models)
            }
            None => txn::check_list_append(history, &opts.consistency_models),
        },
        Model::TxnRwRegister | Model::RwRegister => match &digest.mops {
            Some(mops) => {
                txn::rw_register::check_compacted(history, mops, &opts.consistency_models)
            }
            None => txn::check_rw_register(history, &opts.consistency_models),
        },
        Model::LinKv => linearizable::check(history, opts.linearizable),
        Model::CasRegister => linearizable::check_register(history, opts.linearizable),
    }
}

/// The whole result map with the combined `valid?`. For a Maelstrom
/// workload, as Maelstrom's `results.edn` has it: the model's checker under
/// `workload`, and `stats`, `availability`, `exceptions`, `perf`,
/// `timeline` (less `net`, which only a run can tell). For a plain model,
/// as Knossos and elle-cli report: the model's verdict alone (with
/// `availability` when one is asked for) — a register history whose `cas`
/// never succeeded is still linearizable.
pub fn check(model: Model, history: &History, opts: &Options) -> Value {
    check_digested(model, history, opts, &Digest::default())
}

/// [`check`] of a history read with `digest` taking from its ops.
pub fn check_digested(model: Model, history: &History, opts: &Options, digest: &Digest) -> Value {
    if model.is_maelstrom_workload() {
        // The checkers every test runs take the other core meanwhile.
        return std::thread::scope(|scope| {
            let others = scope.spawn(|| every_test_checks(history, opts.availability));
            let workload = check_workload_digested(model, history, opts, digest);
            let others = others
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            compose_checked(others, None, workload)
        });
    }
    let workload = check_workload_digested(model, history, opts, digest);
    let mut verdict = Validity::of(&workload);
    let mut results = Map::new();
    results.insert("workload".into(), workload);
    if let Some(expected) = opts.availability {
        let a = availability(history, Some(expected));
        verdict = verdict.max(Validity::of(&a));
        results.insert("availability".into(), a);
    }
    results.insert("valid?".into(), verdict.to_value());
    Value::Object(results)
}

/// Files the model's checker draws for a failed result (lin-kv's and the
/// register's `independent/<key>/linear.svg`, as Knossos draws them): (path
/// relative to the run directory, contents).
pub fn artifacts(model: Model, history: &History, workload: &Value) -> Vec<(String, String)> {
    let keying = match model {
        Model::LinKv => linearizable::Keying::Tuples,
        Model::CasRegister => linearizable::Keying::Single,
        _ => return Vec::new(),
    };
    let failures = workload["failures"].as_array().cloned().unwrap_or_default();
    failures
        .iter()
        .map(|key| {
            let name = key.as_str().map_or_else(|| key.to_string(), str::to_string);
            let svg = linearizable::timeline_svg(history, key, keying);
            (format!("independent/{name}/linear.svg"), svg)
        })
        .collect()
}

/// "unknown workload uniqe-ids (did you mean unique-ids?); expected one of …":
/// the nearest known name is suggested when it is a typo away.
pub fn unknown_name(kind: &str, name: &str, known: &[&str]) -> String {
    let nearest = known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .min()
        .filter(|(d, _)| *d <= 2.max(name.len() / 4));
    let hint = nearest.map_or(String::new(), |(_, k)| format!(" (did you mean {k}?)"));
    format!(
        "unknown {kind} {name}{hint}; expected one of {}",
        known.join(" ")
    )
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::build::history;
    use crate::history::OpType::{Fail, Invoke, Ok};
    use serde_json::json;

    #[test]
    fn a_misspelt_name_gets_the_nearest_suggested_and_a_wild_one_none() {
        let known = ["echo", "unique-ids", "g-counter", "lin-kv"];
        let typo = unknown_name("workload", "uniqe-ids", &known);
        assert!(typo.starts_with("unknown workload uniqe-ids (did you mean unique-ids?);"));
        assert!(unknown_name("workload", "linkv", &known).contains("did you mean lin-kv?"));
        let wild = unknown_name("workload", "raft", &known);
        assert_eq!(
            wild,
            "unknown workload raft; expected one of echo unique-ids g-counter lin-kv"
        );
    }

    /// A register written 1, read 1, and a cas that never succeeded.
    fn register(read: i64) -> History {
        history(&[
            (0, Invoke, "write", json!(1), 0),
            (0, Ok, "write", json!(1), 1),
            (1, Invoke, "cas", json!([5, 6]), 2),
            (1, Fail, "cas", json!([5, 6]), 3),
            (2, Invoke, "read", json!(null), 4),
            (2, Ok, "read", json!(read), 5),
        ])
    }

    #[test]
    fn a_plain_model_is_judged_by_its_checker_alone() {
        let opts = Options::default();
        let ok = check(Model::CasRegister, &register(1), &opts);
        assert_eq!(ok["valid?"], true, "{ok}");
        assert!(ok.get("stats").is_none(), "Knossos reports no stats");
        let bad = check(Model::CasRegister, &register(7), &opts);
        assert_eq!(bad["valid?"], false);
        assert_eq!(bad["workload"]["failures"], json!(["register"]));
        let pictures = artifacts(Model::CasRegister, &register(7), &bad["workload"]);
        assert_eq!(pictures.len(), 1);
        assert_eq!(pictures[0].0, "independent/register/linear.svg");
        assert!(pictures[0].1.contains("<svg"));
    }

    #[test]
    fn a_maelstrom_workload_composes_every_checker() {
        // The same ops as lin-kv `[key value]` values: the cas that never succeeded fails
        // `stats`, as Maelstrom's results.edn would.
        let keyed = history(&[
            (0, Invoke, "write", json!(["r", 1]), 0),
            (0, Ok, "write", json!(["r", 1]), 1),
            (1, Invoke, "cas", json!(["r", [5, 6]]), 2),
            (1, Fail, "cas", json!(["r", [5, 6]]), 3),
            (2, Invoke, "read", json!(["r", null]), 4),
            (2, Ok, "read", json!(["r", 1]), 5),
        ]);
        let r = check(Model::LinKv, &keyed, &Options::default());
        assert_eq!(r["workload"]["valid?"], true);
        assert_eq!(r["stats"]["valid?"], false);
        assert_eq!(r["valid?"], false);
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_known() {
        for (name, model) in Model::ALL {
            assert_eq!(Model::from_name(name), std::result::Result::Ok(*model));
            assert_eq!(model.name(), *name);
        }
        let e = Model::from_name("cas").unwrap_err();
        assert!(
            e.contains("cas-register") && e.contains("txn-list-append"),
            "{e}"
        );
    }
}
