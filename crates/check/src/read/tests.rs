//! Tests of the history readers: the three formats give the same history,
//! bad input is an error naming the line and column, and no input panics.

use super::*;
use proptest::prelude::*;
use serde_json::json;

fn edn(text: &str) -> Result<History, ReadError> {
    read(text.as_bytes(), Format::Edn)
}

fn jsonl(text: &str) -> Result<History, ReadError> {
    read(text.as_bytes(), Format::JsonLines)
}

/// As Jepsen's store writes `history.edn` (Maelstrom's txn-rw-register).
const JEPSEN_LINES: &str = r#"{:index 0, :time 11876417, :type :invoke, :process 0, :f :txn, :value [[:w 9 1] [:r 8 nil]]}
{:index 1, :time 13000000, :type :info, :process :nemesis, :f :start-partition, :value :majority}
{:index 2, :time 14234871, :type :ok, :process 0, :f :txn, :value [[:w 9 1] [:r 8 3]]}
{:index 3, :time 15000000, :type :invoke, :process 1, :f :txn, :value [[:r 9 nil]], :final? true}
{:index 4, :time 16000000, :type :fail, :process 1, :f :txn, :value [[:r 9 nil]], :error [:txn-conflict "no"], :final? true}
"#;

#[test]
fn jepsen_lines_become_ops() {
    let h = edn(JEPSEN_LINES).expect("reads");
    let ops = h.ops();
    assert_eq!(ops.len(), 5);
    assert_eq!(ops[0].typ, OpType::Invoke);
    assert_eq!(ops[0].time, 11_876_417);
    assert_eq!(ops[0].f, "txn");
    assert_eq!(ops[0].value, json!([["w", 9, 1], ["r", 8, null]]));
    assert_eq!(ops[1].process, Process::Nemesis);
    assert_eq!(ops[1].value, json!("majority"));
    assert_eq!(ops[2].value, json!([["w", 9, 1], ["r", 8, 3]]));
    assert!(ops[3].is_final && ops[4].is_final);
    assert_eq!(ops[4].error, Some(json!(["txn-conflict", "no"])));
    assert_eq!(h.pairs().len(), 2);
}

#[test]
fn records_and_vectors_read_like_lines() {
    let records: String = JEPSEN_LINES
        .lines()
        .map(|l| format!("#jepsen.history.Op{l}\n"))
        .collect();
    let vector = format!("[{}]", JEPSEN_LINES.replace('\n', " "));
    let lines = edn(JEPSEN_LINES).expect("lines");
    for other in [records, vector] {
        assert_eq!(edn(&other).expect("reads").ops(), lines.ops(), "{other}");
    }
}

#[test]
fn our_jsonl_reads_back_as_written() {
    let h = edn(JEPSEN_LINES).expect("reads");
    let text: String = h
        .ops()
        .iter()
        .map(|op| serde_json::to_string(op).expect("serialises") + "\n")
        .collect();
    assert_eq!(jsonl(&text).expect("reads").ops(), h.ops());
    assert_eq!(Format::sniff(text.as_bytes()), Format::JsonLines);
    assert_eq!(Format::sniff(JEPSEN_LINES.as_bytes()), Format::Edn);
    assert_eq!(Format::sniff(b"  [{:process 0"), Format::Edn);
}

#[test]
fn knossos_vector_without_times_or_indices() {
    let h = edn("[{:process 0, :type :invoke, :f :write, :value 3}\n \
         {:process 1, :type :invoke, :f :read, :value nil}\n \
         {:process 0, :type :ok, :f :write, :value 3}\n \
         {:process 1, :type :ok, :f :read, :value 3}]")
    .expect("reads");
    assert_eq!(h.ops().len(), 4);
    assert!(h.ops().iter().all(|o| o.time == 0));
    assert_eq!(h.ops()[3].index, 3);
}

#[test]
fn time_may_step_back_as_jepsen_allows() {
    // As in Knossos's rethink-fail history: ordered by index, not by time.
    let h = edn(
        "{:type :invoke, :process 16, :f :read, :time 100143078146}\n\
         {:type :invoke, :process 11, :f :read, :time 100143078065}",
    )
    .expect("reads");
    assert_eq!(h.ops()[1].time, 100_143_078_065);
    assert_eq!(h.ops()[1].index, 1);
}

#[test]
fn extra_keys_are_kept() {
    let h = edn(
        "{:type :invoke, :process 2, :f :assign, :value [1], :seek-to-beginning? true}\n\
         {:type :ok, :process 2, :f :assign, :value [1], :seek-to-beginning? true}",
    )
    .expect("reads");
    assert_eq!(h.ops()[1].extra["seek-to-beginning?"], json!(true));
}

#[track_caller]
fn fails(result: Result<History, ReadError>, line: usize, column: usize, message: &str) {
    match result {
        Ok(h) => panic!("read {} ops", h.ops().len()),
        Err(e) => {
            assert_eq!((e.line, e.column), (line, column), "{e}");
            assert!(e.message.contains(message), "{e}");
        }
    }
}

#[test]
fn bad_histories_name_the_line() {
    fails(
        edn("{:type :invoke, :process 0, :f :read}\n{:type :ok :process 0, :f :read :value}"),
        2,
        1,
        "odd number",
    );
    fails(
        edn("{:type :ok, :process 0, :f :read, :value 1}"),
        1,
        1,
        "without an invocation",
    );
    fails(
        edn("{:type :invoke, :process 0, :f :read}\n{:type :invoke, :process 0, :f :read}"),
        2,
        1,
        "while its op from line 1",
    );
    fails(
        edn("[{:type :invoke, :process 0, :f :read}\n {:type :invoke, :process 0, :f :read}]"),
        1,
        1,
        "op 2 of the vector opened here: process 0 invokes read while",
    );
    fails(
        edn("{:type :begin, :process 0, :f :read}"),
        1,
        1,
        ":type begin",
    );
    fails(edn("{:type :invoke, :f :read}"), 1, 1, "no :process");
    fails(edn("{:type :invoke, :process 0}"), 1, 1, "no :f");
    fails(edn("[1 2]"), 1, 1, "expected an op map");
    fails(
        jsonl("{\"type\":\"invoke\",\"process\":0,\"f\":\"read\"}\n{\"type\": ok}"),
        2,
        10,
        "malformed JSON",
    );
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read(&bytes[..], Format::Edn);
        let _ = read(&bytes[..], Format::JsonLines);
    }

    #[test]
    fn op_like_text_never_panics(text in r##"[\[\]{}:a-z0-9 "#\-\n?.,]{0,200}"##) {
        let _ = edn(&text);
        let _ = jsonl(&text);
    }
}
