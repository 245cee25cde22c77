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

/// EDN text built from pieces that exercise both readers: plain atoms and
/// collections the fast line reader takes, and forms it must leave to the
/// full reader (sets, tags, characters, odd escapes, comments, ratios).
fn edn_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("nil".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
        Just("123456789012345678901234567890".to_string()),
        Just("-0".to_string()),
        Just("007".to_string()),
        Just("1.5".to_string()),
        Just("2N".to_string()),
        Just("1/3".to_string()),
        Just("0x1F".to_string()),
        "[a-z][a-z0-9?!.-]{0,6}".prop_map(|s| format!(":{s}")),
        Just(":foo/bar".to_string()),
        Just(":a:b".to_string()),
        Just("::auto".to_string()),
        Just("sym-bol".to_string()),
        Just("\\a".to_string()),
        "[a-z \"\\\\]{0,8}".prop_map(|s| format!("{s:?}")),
        Just(r#""tab\tq\"uote""#.to_string()),
        Just(r#""\u00e9""#.to_string()),
        Just("#inst \"2020\"".to_string()),
        Just("#{1 2}".to_string()),
        Just("; comment".to_string()),
    ];
    atom.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5)
                .prop_map(|v| format!("[{}]", v.join(" "))),
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("({})", v.join(", "))),
            proptest::collection::vec(inner, 0..6).prop_map(|v| format!("{{{}}}", v.join(" "))),
        ]
    })
}

proptest! {
    /// Whatever the fast line reader accepts, the full reader reads to the
    /// same JSON, starting at the same column.
    #[test]
    fn fast_line_reader_agrees_with_the_full_reader(text in edn_text(), pad in 0usize..3) {
        let line = format!("{}{text}", " ".repeat(pad));
        if let Some((column, fast)) = edn::line::form(&line) {
            let full = edn::parse_all(&line).expect("the full reader reads what the fast one did");
            prop_assert_eq!(full.len(), 1);
            prop_assert_eq!(full[0].0.column, column);
            prop_assert_eq!(full[0].1.to_json(), fast);
        }
    }
}

#[test]
fn fast_line_reader_takes_jepsen_lines_and_leaves_the_rest() {
    for line in JEPSEN_LINES.lines() {
        assert!(edn::line::form(line).is_some(), "{line}");
    }
    let kafka = r#"{:type :ok, :f :poll, :value [[:poll {"k1" [[0 12] [1 -3]]}]], :process 2}"#;
    assert!(edn::line::form(kafka).is_some());
    for other in [
        "#jepsen.history.Op{:index 0, :type :invoke}",
        "{:value #{1 2}}",
        "{:value [:r 1 nil]} ; trailing comment",
        "{:value \\a}",
        "[{:type :invoke} {:type :ok}",
    ] {
        assert!(edn::line::form(other).is_none(), "{other}");
    }
}

#[test]
fn a_file_the_fast_path_gives_up_on_is_read_whole_by_the_full_reader() {
    let dir = std::env::temp_dir().join(format!("glomers-read-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // Line 3 holds a set: the fast path stops there and the file starts over.
    let text = format!(
        "{}{}",
        JEPSEN_LINES, "{:index 5, :type :invoke, :process 2, :f :txn, :value #{1}}\n"
    );
    let lines = dir.join("mixed.edn");
    std::fs::write(&lines, &text).expect("write");
    let mut taken = Vec::new();
    let h = read_file_with(&lines, &mut |op| taken.push(op.index)).expect("reads");
    assert_eq!(h.ops().len(), 6);
    assert_eq!(h.ops()[5].value, json!([1]));
    // Whatever the fast path handed over before it gave up (a prefix), then
    // every op again, in order, with the same indices.
    let again = taken.len() - 6;
    assert!(again <= 5, "{taken:?}");
    assert_eq!(taken[..again], (0..again).collect::<Vec<_>>()[..]);
    assert_eq!(taken[again..], [0, 1, 2, 3, 4, 5]);
    assert_eq!(h.ops().len(), edn(&text).expect("reads").ops().len());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Op map lines with the usual keys in any order, some repeated or
/// missing, some values of unusual shapes.
fn op_line() -> impl Strategy<Value = String> {
    let entry = prop_oneof![
        prop_oneof![Just("0"), Just("12"), Just("007"), Just("-1"), Just(":x")]
            .prop_map(|v| format!(":index {v}")),
        prop_oneof![
            Just("71045"),
            Just("0"),
            Just("99999999999999999999"),
            Just("nil"),
            Just("1.5")
        ]
        .prop_map(|v| format!(":time {v}")),
        prop_oneof![
            Just(":invoke"),
            Just(":ok"),
            Just(":fail"),
            Just(":info"),
            Just(":bad")
        ]
        .prop_map(|v| format!(":type {v}")),
        prop_oneof![Just("6"), Just(":nemesis"), Just("-2"), Just("\"p\"")]
            .prop_map(|v| format!(":process {v}")),
        prop_oneof![
            Just(":txn"),
            Just(":start-partition"),
            Just("\"txn\""),
            Just(":a/b")
        ]
        .prop_map(|v| format!(":f {v}")),
        edn_text().prop_map(|v| format!(":value {v}")),
        Just(":final? true".to_string()),
        Just(":error [:timeout]".to_string()),
    ];
    proptest::collection::vec(entry, 0..8).prop_map(|e| format!("{{{}}}", e.join(", ")))
}

proptest! {
    /// An op the fast path reads is the op the map path makes of the line.
    #[test]
    fn the_fast_op_path_agrees_with_the_map_path(line in op_line()) {
        if let Some((column, op)) = fast::op(&line) {
            let (c, map) = edn::line::form(&line).expect("the line reader reads it too");
            prop_assert_eq!(c, column);
            let Value::Object(map) = map else { panic!("a map") };
            prop_assert_eq!(op_from_map(map), Ok(op));
        }
    }
}

#[test]
fn the_fast_op_path_takes_jepsen_lines() {
    let taken = JEPSEN_LINES
        .lines()
        .filter(|l| fast::op(l).is_some())
        .count();
    // The last two carry :final? (and :error), which the map path reads.
    assert_eq!(taken, 3);
}

/// Reads `bytes` as a file, through the fast paths, and from memory,
/// through the full reader only.
fn both_ways(bytes: &[u8]) -> (Result<Vec<Op>, String>, Result<Vec<Op>, String>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "glomers-fast-{}-{}.edn",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, bytes).expect("write");
    let prefix = format!("{}: ", path.display());
    let from_file = read_file(&path)
        .map(|h| h.ops().to_vec())
        .map_err(|e| e.trim_start_matches(&prefix).to_string());
    let _ = std::fs::remove_file(&path);
    let full = read(bytes, Format::Edn)
        .map(|h| h.ops().to_vec())
        .map_err(|e| e.to_string());
    (from_file, full)
}

proptest! {
    /// A file read with the fast paths gives exactly what the full reader
    /// gives — the same ops, or the same error at the same place — and
    /// never panics, whatever its bytes.
    #[test]
    fn reading_a_file_fast_is_reading_it_in_full(
        lines in proptest::collection::vec(
            prop_oneof![
                op_line(),
                Just(JEPSEN_LINES.lines().next().unwrap_or("").to_string()),
                Just(JEPSEN_LINES.lines().nth(2).unwrap_or("").to_string()),
                "[\\[\\]{}:a-z0-9 \"#\\-?.,;\\\\]{0,40}",
                proptest::collection::vec(any::<u8>(), 0..20)
                    .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            ],
            0..6,
        ),
        crlf in any::<bool>(),
    ) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        let (fast, full) = both_ways(text.as_bytes());
        prop_assert_eq!(fast, full);
    }

    #[test]
    fn arbitrary_bytes_read_from_a_file_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (fast, full) = both_ways(&bytes);
        prop_assert_eq!(fast, full);
    }
}
