//! Tests of the EDN reader: real Jepsen, Knossos, Elle and Maelstrom
//! lines, every construct and error with its position, streaming, and
//! properties over arbitrary bytes.

use super::*;
use proptest::prelude::*;
use serde_json::json;
use std::io::{BufReader, Read};
use std::time::Instant;

fn one(text: &str) -> Edn {
    match parse_one(text) {
        Ok(v) => v,
        Err(e) => panic!("{text:?}: {e}"),
    }
}

fn to_json(text: &str) -> Value {
    one(text).to_json()
}

fn error(text: &str) -> EdnError {
    match parse_all(text) {
        Ok(v) => panic!("{text:?} parsed as {v:?}"),
        Err(e) => e,
    }
}

/// Asserts that `text` fails at `line`:`column` with a message starting
/// with `message`.
#[track_caller]
fn fails(text: &str, line: usize, column: usize, message: &str) {
    let e = error(text);
    assert_eq!(e.pos, Pos { line, column }, "{text:?}: {e}");
    assert!(e.message.starts_with(message), "{text:?}: {e}");
}

fn kw(s: &str) -> Edn {
    Edn::Keyword(s.into())
}

fn int(s: &str) -> Edn {
    Edn::Int(s.into())
}

/// A reader that hands out one byte per `read`, to split every token and
/// every multi-byte character across refills.
struct OneByte<'a>(&'a [u8]);

impl Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(slot)) => {
                *slot = b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

fn one_byte_forms(text: &[u8]) -> Vec<Result<(Pos, Edn), EdnError>> {
    forms(BufReader::with_capacity(1, OneByte(text))).collect()
}

// --- Real history lines -------------------------------------------------

#[test]
fn current_jepsen_history_line() {
    // jepsen.store writes each op with `prn`; jepsen.history's Op prints
    // as a plain map (this is the bench's typical line).
    let line = "{:type :invoke, :f :txn, :value [[:append 9 1] [:r 8 nil]], \
                :time 11876417, :process 0, :index 0}";
    assert_eq!(
        to_json(line),
        json!({"type": "invoke", "f": "txn", "value": [["append", 9, 1], ["r", 8, null]],
               "time": 11876417, "process": 0, "index": 0})
    );
}

#[test]
fn elle_paper_example_lines() {
    // jepsen-io/elle histories/paper-example.edn, lines 3-4 (commas vary).
    let text = "{:index 2 :type :invoke, :value [[:append 255 8] [:r 253 nil]]}\n\
                {:index 3 :type :ok,     :value [[:append 255 8] [:r 253 [1 3 4]]]}\n";
    let ops = parse_all(text).unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[1].0, Pos { line: 2, column: 1 });
    assert_eq!(
        ops[1].1.to_json(),
        json!({"index": 3, "type": "ok", "value": [["append", 255, 8], ["r", 253, [1, 3, 4]]]})
    );
}

#[test]
fn knossos_cas_register_history() {
    // jepsen-io/knossos data/cas-register/bad/cas-failure.edn (first,
    // ninth and thirteenth ops): one vector of ops.
    let text = "[{:process 70, :type :invoke, :f :read, :value nil}\n \
                {:process 78, :type :invoke, :f :cas, :value [2 1]}\n \
                {:process 75, :type :ok, :f :write, :value 3}]\n";
    assert_eq!(
        to_json(text),
        json!([{"process": 70, "type": "invoke", "f": "read", "value": null},
               {"process": 78, "type": "invoke", "f": "cas", "value": [2, 1]},
               {"process": 75, "type": "ok", "f": "write", "value": 3}])
    );
}

#[test]
fn kafka_queue_lines() {
    // jepsen-io/redpanda queue_test "a real-world example".
    let send =
        "{:type :ok, :f :send, :value [[:send 11 [537 641]]], :time 280169754615, :process 379}";
    assert_eq!(
        to_json(send),
        json!({"type": "ok", "f": "send", "value": [["send", 11, [537, 641]]],
               "time": 280169754615u64, "process": 379})
    );
    // Maelstrom doc/workloads.md (kafka poll-skip example): an old-style
    // record, one field per line, with string keys in the poll.
    let poll = "#jepsen.history.Op{:index 3820,\n:time 4650651388,\n:type :ok,\n\
                :process 0,\n:f :poll,\n:value [[:poll {\"56\" [[4 5] [5 6]]}]]}";
    let op = one(poll);
    assert!(
        matches!(&op, Edn::Tagged(tag, m) if tag == "jepsen.history.Op" && matches!(**m, Edn::Map(_)))
    );
    assert_eq!(
        op.to_json(),
        json!({"index": 3820, "time": 4650651388u64, "type": "ok", "process": 0, "f": "poll",
               "value": [["poll", {"56": [[4, 5], [5, 6]]}]]})
    );
}

#[test]
fn nemesis_and_error_lines() {
    // jepsen.history's docstring: a nemesis op has a keyword process.
    assert_eq!(
        to_json("{:process :nemesis, :type :info, :f :crash}"),
        json!({"process": "nemesis", "type": "info", "f": "crash"})
    );
    assert_eq!(
        to_json(
            "{:type :fail, :f :cas, :value [0 2], :error [:precondition-failed \"expected 0\"], :final? true}"
        ),
        json!({"type": "fail", "f": "cas", "value": [0, 2],
               "error": ["precondition-failed", "expected 0"], "final?": true})
    );
}

// --- Constructs ---------------------------------------------------------

#[test]
fn scalars() {
    assert_eq!(one("nil"), Edn::Nil);
    assert_eq!(one("true"), Edn::Bool(true));
    assert_eq!(one("false"), Edn::Bool(false));
    assert_eq!(one("nil?"), Edn::Symbol("nil?".into()));
    assert_eq!(one("truex"), Edn::Symbol("truex".into()));
}

#[test]
fn integers() {
    assert_eq!(one("0"), int("0"));
    assert_eq!(one("-12"), int("-12"));
    assert_eq!(one("+7"), int("+7"));
    assert_eq!(one("42N"), int("42"));
    assert_eq!(one("-0x1F"), int("-31"));
    let big = "123456789012345678901234567890";
    assert_eq!(one(big), int(big));
    assert_eq!(one(big).to_json().to_string(), big);
    assert_eq!(
        one("-98765432109876543210N").to_json().to_string(),
        "-98765432109876543210"
    );
    assert_eq!(to_json("+7"), json!(7));
    assert_eq!(
        to_json("[9223372036854775807 -9223372036854775808]").to_string(),
        "[9223372036854775807,-9223372036854775808]"
    );
}

#[test]
fn floats() {
    assert_eq!(one("1.5"), Edn::Float("1.5".into()));
    assert_eq!(one("-2e10"), Edn::Float("-2e10".into()));
    assert_eq!(one("1.5M"), Edn::Float("1.5".into()));
    assert_eq!(one("3M"), Edn::Float("3".into()));
    assert_eq!(one("1."), Edn::Float("1.".into()));
    assert_eq!(one("##Inf"), Edn::Float("##Inf".into()));
    assert_eq!(
        to_json("[1.5 -2e10 1.5M 1. 00.25 +3E-2 ##Inf ##-Inf ##NaN]").to_string(),
        // serde_json spells exponents its own way; the digits are kept.
        r#"[1.5,-2e+10,1.5,1.0,0.25,3e-2,"Infinity","-Infinity","NaN"]"#
    );
    let precise = "3.14159265358979323846264338327950288";
    assert_eq!(one(precise).to_json().to_string(), precise);
    assert_eq!(one("3M").to_string(), "3M");
}

#[test]
fn ratios() {
    assert_eq!(one("1/3"), Edn::Ratio("1/3".into()));
    assert_eq!(one("-22/7"), Edn::Ratio("-22/7".into()));
    assert_eq!(to_json("1/4"), json!(0.25));
    assert_eq!(to_json("-1/2"), json!(-0.5));
    assert_eq!(to_json("1/3").as_f64(), Some(1.0 / 3.0));
}

#[test]
fn strings() {
    assert_eq!(one(r#""""#), Edn::Str(String::new()));
    assert_eq!(
        one(r#""a\tb\rc\nd\\e\"f\bg\fh\u00e9\u20AC""#),
        Edn::Str("a\tb\rc\nd\\e\"f\u{8}g\u{c}h\u{e9}\u{20ac}".into())
    );
    assert_eq!(one(r#""\ud83d\ude00""#), Edn::Str("\u{1F600}".into()));
    assert_eq!(one(r#""\0\101\377""#), Edn::Str("\0A\u{ff}".into()));
    assert_eq!(
        one("\"multi\nline ; not a comment, é 😀\""),
        Edn::Str("multi\nline ; not a comment, é 😀".into())
    );
    assert_eq!(to_json(r#""x\"y""#), json!("x\"y"));
}

#[test]
fn characters() {
    let text =
        r"[\a \newline \space \tab \return \formfeed \backspace \u0041 \o101 \é \( \\ \, \;]";
    let expected: Vec<Edn> = [
        'a', '\n', ' ', '\t', '\r', '\u{c}', '\u{8}', 'A', 'A', 'é', '(', '\\', ',', ';',
    ]
    .into_iter()
    .map(Edn::Char)
    .collect();
    assert_eq!(one(text), Edn::Vector(expected));
    assert_eq!(
        one(r"(\a\b)"),
        Edn::List(vec![Edn::Char('a'), Edn::Char('b')])
    );
    assert_eq!(to_json(r"\a"), json!("a"));
    assert_eq!(to_json(r"\newline"), json!("\n"));
}

#[test]
fn keywords_and_symbols() {
    assert_eq!(one(":foo"), kw("foo"));
    assert_eq!(one(":foo/bar"), kw("foo/bar"));
    assert_eq!(one(":final?"), kw("final?"));
    assert_eq!(one(":seek-to-beginning?"), kw("seek-to-beginning?"));
    for s in [
        "+",
        "-",
        "/",
        "foo.bar/baz",
        "nil?",
        "clojure.core//",
        "-foo",
        "a->b",
        "λ",
        "x'",
    ] {
        assert_eq!(one(s), Edn::Symbol(s.into()), "{s}");
    }
    assert_eq!(to_json(":append"), json!("append"));
    assert_eq!(to_json(":foo/bar"), json!("foo/bar"));
    assert_eq!(to_json("foo.bar/baz"), json!("foo.bar/baz"));
}

#[test]
fn collections() {
    assert_eq!(one("()"), Edn::List(vec![]));
    assert_eq!(
        one("(1 (2))"),
        Edn::List(vec![int("1"), Edn::List(vec![int("2")])])
    );
    assert_eq!(
        one("[1,2 ,3]"),
        Edn::Vector(vec![int("1"), int("2"), int("3")])
    );
    assert_eq!(one("{}"), Edn::Map(vec![]));
    assert_eq!(
        one("{:a 1, :b nil}"),
        Edn::Map(vec![(kw("a"), int("1")), (kw("b"), Edn::Nil)])
    );
    assert_eq!(
        one("#{3 1 2}"),
        Edn::Set(vec![int("3"), int("1"), int("2")])
    );
    assert_eq!(to_json("#{3 1 2}"), json!([3, 1, 2]));
    assert_eq!(to_json("(1 [2] #{})"), json!([1, [2], []]));
}

#[test]
fn whitespace_comments_and_discards() {
    let text = "; header\n,,1 ; one\n#_ 2 #_[3 [4]] 5\n#_ #_ 6 7 8 [9 #_ 10] #_ {:x 1}";
    let values: Vec<Edn> = parse_all(text)
        .unwrap()
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        values,
        vec![int("1"), int("5"), int("8"), Edn::Vector(vec![int("9")])]
    );
    assert_eq!(parse_all("").unwrap(), vec![]);
    assert_eq!(parse_all(" ; only a comment").unwrap(), vec![]);
    assert_eq!(one("#_ 1 2 ; trailing"), int("2"));
}

#[test]
fn form_positions() {
    let text = "1\n  [2 3]\r\n\t:é #_x #inst \"2020\"\n\"é\" :b";
    let positions: Vec<Pos> = parse_all(text)
        .unwrap()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let expect = |line, column| Pos { line, column };
    assert_eq!(
        positions,
        vec![
            expect(1, 1),
            expect(2, 3),
            expect(3, 2),
            expect(3, 9),
            expect(4, 1),
            expect(4, 5)
        ]
    );
}

#[test]
fn tagged_literals_and_records() {
    assert_eq!(
        one("#inst \"2024-01-01T00:00:00.000-00:00\""),
        Edn::Tagged(
            "inst".into(),
            Box::new(Edn::Str("2024-01-01T00:00:00.000-00:00".into()))
        )
    );
    assert_eq!(
        to_json("#uuid \"f81d4fae-7dec-11d0-a765-00a0c91e6bf6\""),
        json!("f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
    );
    let op = one(
        "#jepsen.history.Op{:index 0, :time 1, :type :invoke, :process 0, :f :read, :value nil}",
    );
    let Edn::Tagged(tag, body) = &op else {
        panic!("{op:?}")
    };
    assert_eq!(tag, "jepsen.history.Op");
    assert!(matches!(**body, Edn::Map(ref m) if m.len() == 6));
    // Tags chain, and a discard may sit between a tag and its form.
    assert_eq!(
        one("#a #b #_ 1 2"),
        Edn::Tagged(
            "a".into(),
            Box::new(Edn::Tagged("b".into(), Box::new(int("2"))))
        )
    );
    // Clojure prints unreadable objects this way.
    assert_eq!(
        to_json("#object[clojure.lang.Atom 0x6b4a4e40 {:status :ready, :val 0}]"),
        json!(["clojure.lang.Atom", 1800031808, {"status": "ready", "val": 0}])
    );
}

#[test]
fn namespaced_maps() {
    assert_eq!(
        one("#:ns{:a 1, :b/c 2, :_/d 3, \"s\" 4, e 5}"),
        Edn::Map(vec![
            (kw("ns/a"), int("1")),
            (kw("b/c"), int("2")),
            (kw("d"), int("3")),
            (Edn::Str("s".into()), int("4")),
            (Edn::Symbol("ns/e".into()), int("5")),
        ])
    );
    assert_eq!(
        to_json("#:jepsen.op {:type :ok}"),
        json!({"jepsen.op/type": "ok"})
    );
    fails(
        "#::{:a 1}",
        1,
        1,
        "auto-resolved namespaced maps (`#::{`) are not supported",
    );
    fails("#:ns [1]", 1, 1, "expected `{` after `#:ns`");
}

#[test]
fn json_map_keys() {
    let text = "{:k 1, \"s\" 2, sym 3, 4 5, [1 2] 6, nil 7, \\c 8, 1.5 9, {:a 1} 10, #{1} 11}";
    assert_eq!(
        to_json(text),
        json!({"k": 1, "s": 2, "sym": 3, "4": 5, "[1 2]": 6, "nil": 7, "\\c": 8, "1.5": 9,
               "{:a 1}": 10, "#{1}": 11})
    );
    // Kafka shapes as the bench's history.jsonl spells them.
    assert_eq!(to_json("[[:send \"k1\" 12]]"), json!([["send", "k1", 12]]));
    assert_eq!(to_json("{\"k1\" [[0 12]]}"), json!({"k1": [[0, 12]]}));
}

#[test]
fn display_is_compact_edn() {
    let text = "{:a [1 -2.5 3/4 \"x\\\"\\n\\u0001\" \\space \\a], \"k\" #{nil true}, sym (#tag 1), :big 12N}";
    let value = one(text);
    assert_eq!(
        value.to_string(),
        "{:a [1 -2.5 3/4 \"x\\\"\\n\\u0001\" \\space \\a], \"k\" #{nil true}, sym (#tag 1), :big 12}"
    );
    assert_eq!(one(&value.to_string()), value);
    assert_eq!(one("##-Inf").to_string(), "##-Inf");
    assert_eq!(Edn::Char('\u{2028}').to_string(), "\\u2028");
}

// --- Errors -------------------------------------------------------------

#[test]
fn error_unterminated_string() {
    fails("[1 \"abc", 1, 4, "unterminated string");
    fails("\"abc\\", 1, 1, "unterminated string");
}

#[test]
fn error_odd_map() {
    fails("\n  {:a 1 :b}", 2, 3, "map has an odd number of forms");
    fails("#:ns{:a}", 1, 1, "map has an odd number of forms");
}

#[test]
fn error_mismatched_closer() {
    let e = error("{:a 1]");
    assert_eq!(e.pos, Pos { line: 1, column: 6 });
    assert_eq!(
        e.message,
        "unexpected `]`, expected `}` to close the map opened at line 1, column 1"
    );
    assert_eq!(
        e.to_string(),
        "line 1, column 6: unexpected `]`, expected `}` to close the map opened at line 1, column 1"
    );
    fails(
        "(1 [2 3})",
        1,
        8,
        "unexpected `}`, expected `]` to close the vector opened at line 1, column 4",
    );
    fails(
        "#{1 2)",
        1,
        6,
        "unexpected `)`, expected `}` to close the set opened at line 1, column 1",
    );
    fails("1 ]", 1, 3, "unexpected `]`");
    fails(
        "[#_]",
        1,
        4,
        "unexpected `]`, expected a form after `#_` at line 1, column 2",
    );
    fails(
        "(#foo)",
        1,
        6,
        "unexpected `)`, expected a form after tag `#foo` at line 1, column 2",
    );
}

#[test]
fn error_end_of_input_inside() {
    let e = error("{:a 1}\n[2]\n(:f   [1 2");
    assert_eq!(
        e.pos,
        Pos {
            line: 3,
            column: 11
        }
    );
    assert_eq!(
        e.message,
        "unexpected end of input inside a vector opened at line 3, column 7"
    );
    fails(
        "(",
        1,
        2,
        "unexpected end of input inside a list opened at line 1, column 1",
    );
    fails(
        "{:a #{",
        1,
        7,
        "unexpected end of input inside a set opened at line 1, column 5",
    );
    fails(
        "#inst",
        1,
        6,
        "unexpected end of input after tag `#inst` at line 1, column 1",
    );
    fails(
        "1 #_",
        1,
        5,
        "unexpected end of input after `#_` at line 1, column 3",
    );
    fails("#", 1, 1, "unexpected end of input after `#`");
    fails("\\", 1, 1, "unexpected end of input after `\\`");
}

#[test]
fn error_bad_tokens() {
    fails("[1.2.3]", 1, 2, "invalid number `1.2.3`");
    fails(
        "007",
        1,
        1,
        "invalid number `007`: leading zeros are not allowed",
    );
    fails("1/0", 1, 1, "ratio `1/0` has a zero denominator");
    fails("12abc", 1, 1, "invalid number `12abc`");
    fails("16rFF", 1, 1, "invalid number `16rFF`");
    fails("0x1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 1, 1, "hex integer");
    fails(" :", 1, 2, "invalid keyword `:`");
    fails(
        "::foo",
        1,
        1,
        "auto-resolved keywords (`::foo`) are not supported",
    );
    fails("foo/", 1, 1, "invalid symbol `foo/`");
    fails(".5", 1, 1, "invalid symbol `.5`");
    fails("'a", 1, 1, "unexpected `'`: quoting is not EDN");
    fails("@a", 1, 1, "unexpected character `@`");
    fails("a\u{1}", 1, 2, "unexpected character U+0001");
    fails("##Foo", 1, 1, "unknown symbolic value `##Foo`");
    fails("#\"re\"", 1, 1, "regular expressions");
    fails("#(inc %)", 1, 1, "unsupported dispatch `#` followed by `(`");
    fails("\\foo", 1, 1, "unsupported character `\\foo`");
    fails("\\uD800", 1, 1, "unsupported character `\\uD800`");
    fails("\"a\\qb\"", 1, 3, "unsupported escape `\\q` in string");
    fails(
        "\"\\u12\"",
        1,
        2,
        "invalid unicode escape, expected 4 hex digits",
    );
    fails("\"\\ud800x\"", 1, 2, "unpaired surrogate");
    fails("\"\\udc00\"", 1, 2, "unpaired surrogate");
    fails("\"\\400\"", 1, 2, "octal escape out of range");
}

#[test]
fn error_invalid_utf8_names_the_byte() {
    let cases: [(&[u8], Pos); 4] = [
        (b"[1 \"a\xffb\"]", Pos { line: 1, column: 6 }),
        (
            "{:k \"é\"}\n; c\u{e9}".as_bytes(),
            Pos { line: 2, column: 4 },
        ),
        (b"[1 \xe2\x82", Pos { line: 1, column: 4 }),
        (b"\n\n  \xc3(", Pos { line: 3, column: 3 }),
    ];
    for (bytes, pos) in cases {
        let mut bad = bytes.to_vec();
        if bad.ends_with("\u{e9}".as_bytes()) {
            // Cut the é of the comment in half.
            bad.pop();
            bad.push(b'x');
        }
        for results in [forms(&bad[..]).collect::<Vec<_>>(), one_byte_forms(&bad)] {
            let e = results.into_iter().find_map(Result::err).expect("an error");
            assert_eq!(
                (e.pos, e.message.as_str()),
                (pos, "invalid UTF-8"),
                "{bad:?}"
            );
        }
    }
}

#[test]
fn error_read_failure_and_iterator_ends() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("disk on fire"));
            }
            self.0 -= 1;
            buf[0] = b'1';
            Ok(1)
        }
    }
    let mut it = forms(BufReader::new(Failing(2)));
    let e = it.next().expect("an item").expect_err("an error");
    assert_eq!(e.message, "read error: disk on fire");
    assert_eq!(e.pos, Pos { line: 1, column: 3 });
    assert!(it.next().is_none());

    let mut it = forms("1 ] 2".as_bytes());
    assert_eq!(it.next(), Some(Ok((Pos { line: 1, column: 1 }, int("1")))));
    assert!(matches!(it.next(), Some(Err(_))));
    assert_eq!(it.next(), None);
}

#[test]
fn parse_one_wants_exactly_one_form() {
    assert_eq!(one("  ; c\n 1 ; c\n"), int("1"));
    let e = parse_one(" ; nothing\n").unwrap_err();
    assert_eq!(
        (e.pos, e.message.as_str()),
        (
            Pos { line: 2, column: 1 },
            "expected a form, found end of input"
        )
    );
    let e = parse_one("1 2").unwrap_err();
    assert_eq!(
        (e.pos, e.message.as_str()),
        (
            Pos { line: 1, column: 3 },
            "unexpected second form, expected exactly one"
        )
    );
}

// --- Depth --------------------------------------------------------------

#[test]
fn nesting_is_capped() {
    for open in ["[", "(", "{:a ", "#{", "#t ", "#_ "] {
        let text = open.repeat(10_000);
        let e = error(&text);
        assert!(e.message.starts_with("nested too deeply"), "{open}: {e}");
        // The opener one level too deep is named.
        assert_eq!(
            e.pos,
            Pos {
                line: 1,
                column: MAX_DEPTH * open.len() + 1
            },
            "{open}"
        );
    }
    // The deepest accepted value converts, prints and drops on a test
    // thread's default stack.
    let text = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    let value = one(&text);
    assert_eq!(value.to_string(), text);
    let mut json = &value.to_json();
    for _ in 1..MAX_DEPTH {
        json = &json[0];
    }
    assert_eq!(json, &json!([]));
    let e = error(&format!("{}1", "#t ".repeat(MAX_DEPTH + 1)));
    assert_eq!(
        e.pos,
        Pos {
            line: 1,
            column: 3 * MAX_DEPTH + 1
        }
    );
    assert!(one(&format!("{}1", "#t ".repeat(MAX_DEPTH))).to_json() == json!(1));
}

// --- Streaming ----------------------------------------------------------

#[test]
fn one_byte_reads_give_the_same_forms() {
    let text = "{:type :invoke, :f :txn, :value [[:append 9 1] [:r 8 nil]], :time 11876417, :process 0, :index 0}\n\
                ; comment with é and 😀\n\
                #jepsen.history.Op{:index 1, :type :ok, :value \"naïve ☃ 😀\\u00e9\"} #_ skipped\n\
                [\\é \\😀 \\u2603 :kw/é 12345678901234567890N 1.5M ##NaN 1/3 #{}]\n";
    let whole = parse_all(text).unwrap();
    assert_eq!(whole.len(), 3);
    let streamed: Vec<_> = one_byte_forms(text.as_bytes())
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(streamed, whole);
    assert_eq!(whole[2].0, Pos { line: 4, column: 1 });
}

#[test]
fn forms_stream_across_chunks() {
    // Forms and characters straddle the 64 KiB chunk boundary.
    let line = "{:value \"αβγ😀\", :index 123456}\n";
    let text = line.repeat(3 * CHUNK / line.len() + 7);
    let all = parse_all(&text).unwrap();
    assert_eq!(all.len(), 3 * CHUNK / line.len() + 7);
    let last = all.last().unwrap();
    assert_eq!(
        last.0,
        Pos {
            line: all.len(),
            column: 1
        }
    );
    assert_eq!(last.1.to_json(), json!({"value": "αβγ😀", "index": 123456}));
}

// --- Properties ---------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    let plain = "[a-zA-Z*!_?$%&=<>][a-zA-Z0-9*!_?$%&=<>.+'-]{0,8}";
    prop_oneof![
        plain.prop_map(String::from),
        (plain, plain).prop_map(|(ns, n)| format!("{ns}/{n}")),
        prop::sample::select(vec![
            "+", "-", "/", "-x", "+a1", ".b", "final?", "λ", "ns//"
        ])
        .prop_map(String::from),
    ]
    .prop_filter("reserved", |s| {
        !matches!(s.as_str(), "nil" | "true" | "false")
    })
}

fn edn() -> impl Strategy<Value = Edn> {
    let leaf = prop_oneof![
        Just(Edn::Nil),
        any::<bool>().prop_map(Edn::Bool),
        "[+-]?(0|[1-9][0-9]{0,30})".prop_map(Edn::Int),
        "[+-]?[0-9]{1,4}(\\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?".prop_map(Edn::Float),
        prop::sample::select(vec!["##Inf", "##-Inf", "##NaN"]).prop_map(|s| Edn::Float(s.into())),
        "[+-]?[0-9]{1,6}/[1-9][0-9]{0,6}".prop_map(Edn::Ratio),
        any::<String>().prop_map(Edn::Str),
        any::<char>().prop_map(Edn::Char),
        name().prop_map(Edn::Keyword),
        name().prop_map(Edn::Symbol),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Edn::List),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Edn::Vector),
            prop::collection::vec(inner.clone(), 0..6).prop_map(Edn::Set),
            prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(Edn::Map),
            ("[a-zA-Z][a-zA-Z0-9.-]{0,10}", inner).prop_map(|(t, v)| Edn::Tagged(t, Box::new(v))),
        ]
    })
}

/// Bytes drawn mostly from EDN's syntax, to reach deep into the parser.
fn ednish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let alphabet: Vec<u8> =
        b"()[]{}#_:\\\"; \n,0123456789+-./eENMxuabnil#{}^'@~\xc3\xa9\xff\xf0\x9f\x98\x80".to_vec();
    prop::collection::vec(prop::sample::select(alphabet), 0..80)
}

// 256 cases each by default; `PROPTEST_CASES=N` runs more.
proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = forms(&bytes[..]).count();
        let _ = one_byte_forms(&bytes).len();
        let _ = parse_all(&String::from_utf8_lossy(&bytes));
        let _ = parse_one(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn ednish_bytes_never_panic(bytes in ednish_bytes()) {
        let streamed = one_byte_forms(&bytes);
        let whole: Vec<_> = forms(&bytes[..]).collect();
        prop_assert_eq!(&streamed, &whole);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            for (_, v) in parse_all(text).into_iter().flatten() {
                let _ = v.to_json();
                prop_assert_eq!(parse_one(&v.to_string()), Ok(v));
            }
        }
    }

    #[test]
    fn display_round_trips(value in edn()) {
        let text = value.to_string();
        prop_assert_eq!(parse_one(&text), Ok(value.clone()), "{}", text);
        let _ = value.to_json();
    }

    #[test]
    fn streaming_matches_parse_all(values in prop::collection::vec(edn(), 0..5)) {
        let text: String = values.iter().map(|v| format!("{v} ; c\n")).collect();
        let whole = parse_all(&text).unwrap();
        let parsed: Vec<Edn> = whole.iter().map(|(_, v)| v.clone()).collect();
        prop_assert_eq!(&parsed, &values);
        let streamed: Vec<_> = one_byte_forms(text.as_bytes()).into_iter().collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(streamed, whole);
    }
}

// --- Throughput -------------------------------------------------------

/// `cargo test --release -- --ignored --nocapture throughput`
#[test]
#[ignore]
fn throughput_1m_txn_lines() {
    let mut text = String::with_capacity(120 << 20);
    for i in 0..1_000_000u64 {
        let (kind, read) = if i % 2 == 0 {
            ("invoke", "nil".to_string())
        } else {
            ("ok", format!("[{} {} {}]", i % 7, i % 11, i % 13))
        };
        text.push_str(&format!(
            "{{:type :{kind}, :f :txn, :value [[:append {} {}] [:r {} {read}]], :time {}, :process {}, :index {i}}}\n",
            i % 10, i, (i + 3) % 10, 11876417 + i * 1000, i % 16
        ));
    }
    let mb = text.len() as f64 / 1e6;

    let start = Instant::now();
    let count = forms(BufReader::new(text.as_bytes()))
        .map(|r| r.map(|_| ()).unwrap())
        .count();
    let parse = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut entries = 0;
    for form in forms(BufReader::new(text.as_bytes())) {
        let (_, edn) = form.unwrap();
        entries += edn.to_json().as_object().map_or(0, Map::len);
    }
    let both = start.elapsed().as_secs_f64();

    assert_eq!(count, 1_000_000);
    assert_eq!(entries, 6_000_000);
    println!(
        "{count} lines, {mb:.1} MB: parse {parse:.2} s = {:.0} MB/s; parse + to_json {both:.2} s = {:.0} MB/s",
        mb / parse,
        mb / both
    );
}
