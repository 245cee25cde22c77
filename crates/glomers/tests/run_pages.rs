//! Run pages, `glomers explain` and `glomers serve`, checked by parsing
//! what they produce: the page of a broken broadcast names its lost values
//! with evidence that matches the journal, focused diagrams hold exactly the
//! journal's messages for a value, every link resolves, and the server
//! refuses paths outside the store. One test loads the pages in headless
//! Chromium.

mod common;

use common::{bin, jsonl, sim_options, simulate};
use glomers_bench::run::Outcome;
use scraper::{Html, Selector};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = Selector::parse(css).expect("a valid selector");
    doc.select(&sel).collect()
}

fn text(e: &scraper::ElementRef) -> String {
    e.text().collect::<String>()
}

fn page(dir: &Path) -> Html {
    let html = std::fs::read_to_string(dir.join("index.html")).expect("index.html");
    Html::parse_document(&html)
}

/// A broadcast that never retries, under partitions: values get lost.
fn lossy_broadcast() -> Outcome {
    let mut o = sim_options("broadcast", "faulty-broadcast-no-retry", 5);
    o.time_limit_s = 10;
    o.rate = 10.0;
    o.nemesis_partition = true;
    o.seed = 3;
    let out = simulate(&o);
    assert_eq!(out.results["valid?"], false, "the fixture must lose values");
    out
}

/// Does `v` occur in the payload of `body` (the protocol's own fields aside)?
/// Written independently of the bench's filter, on purpose.
fn carries(body: &Value, v: &Value) -> bool {
    fn walk(x: &Value, v: &Value) -> bool {
        match x {
            Value::Array(a) => a.iter().any(|x| walk(x, v)),
            Value::Object(m) => m.values().any(|x| walk(x, v)),
            x => x == v,
        }
    }
    body.as_object().is_some_and(|m| {
        m.iter()
            .filter(|(k, _)| !["type", "msg_id", "in_reply_to"].contains(&k.as_str()))
            .any(|(_, x)| walk(x, v))
    })
}

/// The journal's messages (by id) that carried `v`, or replied to one that did.
fn journal_messages_for(dir: &Path, v: &Value) -> BTreeSet<(u64, String, String)> {
    let events = jsonl(dir, "net-journal.jsonl");
    let mut carriers = BTreeSet::new();
    let mut out = BTreeSet::new();
    for e in events.iter().filter(|e| e["type"] == "send") {
        let m = &e["message"];
        let (src, dest, body) = (
            m["src"].as_str().unwrap(),
            m["dest"].as_str().unwrap(),
            &m["body"],
        );
        if matches!(body["type"].as_str(), Some("init" | "init_ok")) {
            continue;
        }
        let reply = !body["in_reply_to"].is_null()
            && carriers.contains(&(
                dest.to_string(),
                src.to_string(),
                body["in_reply_to"].to_string(),
            ));
        if carries(body, v) && !body["msg_id"].is_null() {
            carriers.insert((
                src.to_string(),
                dest.to_string(),
                body["msg_id"].to_string(),
            ));
        }
        if carries(body, v) || reply {
            out.insert((m["id"].as_u64().unwrap(), src.to_string(), dest.to_string()));
        }
    }
    out
}

/// Nodes that received a message carrying `v`.
fn receivers(dir: &Path, v: &Value) -> BTreeSet<String> {
    jsonl(dir, "net-journal.jsonl")
        .iter()
        .filter(|e| e["type"] == "recv" && carries(&e["message"]["body"], v))
        .map(|e| e["message"]["dest"].as_str().unwrap().to_string())
        .filter(|d| d.starts_with('n'))
        .collect()
}

/// Every relative `href` and `src` of a page names a file that exists.
fn assert_links_resolve(dir: &Path, doc: &Html) {
    let mut count = 0;
    for (css, attr) in [("a[href]", "href"), ("img[src]", "src")] {
        for e in select(doc, css) {
            let target = e.value().attr(attr).unwrap();
            if target.starts_with("http") || target.starts_with('#') {
                continue;
            }
            let path = dir.join(target.replace("%2B", "+"));
            assert!(path.is_file(), "{target} does not resolve to a file");
            count += 1;
        }
    }
    assert!(count >= 10, "only {count} links");
}

#[test]
fn a_lossy_broadcast_page_names_the_lost_values_with_evidence_from_the_journal() {
    let out = lossy_broadcast();
    let doc = page(&out.dir);
    let verdict = select(&doc, "#verdict");
    assert_eq!(text(&verdict[0]), "invalid");

    let lost = out.results["workload"]["lost"].as_array().unwrap().clone();
    let sentence = text(&select(&doc, "#failure .finding .sentence")[0]);
    assert!(
        sentence.contains(&format!("{} of", lost.len())),
        "{sentence}"
    );
    let listed: Vec<&str> = sentence
        .rsplit(": ")
        .next()
        .unwrap()
        .trim_end_matches('.')
        .split(", ")
        .collect();
    for (i, v) in lost.iter().take(20).enumerate() {
        assert_eq!(listed[i], v.to_string(), "{sentence}");
    }

    let evidence: Vec<String> = select(&doc, "#failure .evidence li")
        .iter()
        .map(text)
        .collect();
    let nodes = ["n0", "n1", "n2", "n3", "n4"];
    for v in lost.iter().take(5) {
        let line = evidence
            .iter()
            .find(|l| l.starts_with(&format!("{v}: ")))
            .unwrap_or_else(|| panic!("no evidence for {v}: {evidence:?}"));
        let got = receivers(&out.dir, v);
        let never: Vec<&str> = nodes
            .iter()
            .filter(|n| !got.contains(**n))
            .copied()
            .collect();
        assert!(!never.is_empty());
        assert!(
            line.contains(&format!("never received by {}", never.join(", "))),
            "{line} (journal: received by {got:?})"
        );
        assert!(
            line.contains("were never delivered") && line.contains("was partitioned from"),
            "{line}: the partition that dropped them is named"
        );
    }

    // The focused diagram of the first lost value: exactly the journal's
    // messages that carried it or replied to them.
    let first = &lost[0];
    let svg_path = out.dir.join(format!("explain/value-{first}.svg"));
    let svg = std::fs::read_to_string(&svg_path).expect("the focused diagram");
    let drawn: BTreeSet<(String, String)> = Html::parse_fragment(&svg)
        .select(&Selector::parse("g.msg > title").unwrap())
        .map(|t| {
            let t = text(&t);
            let head = t.lines().next().unwrap().to_string();
            let (src, rest) = head.split_once(" \u{2192} ").unwrap();
            let dest = rest.split(',').next().unwrap();
            (src.to_string(), dest.to_string())
        })
        .collect();
    let expected = journal_messages_for(&out.dir, first);
    let expected_pairs: BTreeSet<(String, String)> = expected
        .iter()
        .map(|(_, s, d)| (s.clone(), d.clone()))
        .collect();
    assert_eq!(drawn, expected_pairs);
    let groups = svg.matches("<g class=\"msg").count();
    assert_eq!(groups, expected.len(), "one arrow or stub per message");
    assert!(
        svg.contains("(dropped: ") && svg.contains(" was partitioned from "),
        "a lost value's diagram shows the message the partition dropped, and says so"
    );
    let imgs: Vec<String> = select(&doc, "#failure img")
        .iter()
        .map(|e| e.value().attr("src").unwrap().to_string())
        .collect();
    assert!(
        imgs.contains(&format!("explain/value-{first}.svg")),
        "{imgs:?}"
    );
    assert_links_resolve(&out.dir, &doc);
}

#[test]
fn a_valid_run_page_has_figures_pictures_and_no_failure_section() {
    let mut o = sim_options("broadcast", "broadcast", 5);
    o.time_limit_s = 5;
    o.rate = 10.0;
    let out = simulate(&o);
    let doc = page(&out.dir);
    assert_eq!(text(&select(&doc, "#verdict")[0]), "valid");
    assert!(select(&doc, "#failure").is_empty());
    let figures: String = select(&doc, "#figures").iter().map(text).collect();
    assert!(figures.contains("messages per operation"), "{figures}");
    assert!(figures.contains("stable latency"), "{figures}");
    let pictures: Vec<&str> = select(&doc, "#pictures img")
        .iter()
        .map(|e| e.value().attr("src").unwrap())
        .collect();
    assert_eq!(
        pictures,
        [
            "messages.svg",
            "latency-raw.svg",
            "latency-quantiles.svg",
            "rate.svg"
        ]
    );
    let replay = text(&select(&doc, "#replay pre")[0]);
    assert!(replay.starts_with("glomers test -w broadcast"), "{replay}");
    assert!(replay.contains("--seed 1 --sim"), "{replay}");
    assert_links_resolve(&out.dir, &doc);
}

#[test]
fn a_crashed_run_page_says_so_first() {
    let mut o = common::options("echo", "faulty-crash-after", 1);
    o.time_limit_s = 3;
    let out = common::run(&o);
    assert!(out.error.is_some());
    let doc = page(&out.dir);
    assert_eq!(text(&select(&doc, "#verdict")[0]), "crashed");
    let error = text(&select(&doc, "#error pre")[0]);
    assert!(error.contains("Node n0 crashed"), "{error}");
}

fn glomers(args: &[&str]) -> std::process::Output {
    Command::new(bin("glomers"))
        .args(args)
        .output()
        .expect("glomers runs")
}

#[test]
fn explain_filters_by_value_node_type_and_window() {
    let out = lossy_broadcast();
    let dir = out.dir.to_str().unwrap();
    let first = out.results["workload"]["lost"][0].to_string();
    let o = glomers(&["explain", dir, "--value", &first]);
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    let expected = journal_messages_for(&out.dir, &out.results["workload"]["lost"][0]);
    let listed = stdout.lines().filter(|l| l.contains(" → ")).count();
    assert_eq!(listed, expected.len(), "{stdout}");
    assert!(stdout.contains("(dropped: "), "{stdout}");

    let o = glomers(&[
        "explain", dir, "--node", "n1", "--type", "read", "--from", "1", "--to", "8",
    ]);
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains(" → ")).collect();
    assert!(!lines.is_empty(), "{stdout}");
    for l in &lines {
        assert!(l.contains("n1"), "{l}");
        assert!(l.contains("\"type\":\"read"), "{l}");
    }
    let svg = stdout
        .lines()
        .find_map(|l| l.strip_prefix("diagram: "))
        .expect("the diagram's path");
    assert!(Path::new(svg).is_file());

    // Without a filter: the findings in words, and the run page rewritten.
    let o = glomers(&["explain", dir]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("values were lost"), "{stdout}");

    let o = glomers(&["explain", "/nonexistent/run"]);
    assert_eq!(o.status.code(), Some(254));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is this a run directory?"));
    let o = glomers(&["explain", dir, "--from", "5", "--to", "1"]);
    assert_eq!(o.status.code(), Some(254));
}

/// `glomers serve` on a free loopback port; its URL.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(store: &Path) -> Served {
    let mut child = Command::new(bin("glomers"))
        .args(["serve", "--port", "0", "--store"])
        .arg(store)
        .stdout(Stdio::piped())
        .spawn()
        .expect("glomers serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .last()
        .expect("serving … at URL")
        .trim_end_matches('/')
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    Served { child, url }
}

/// A raw GET (so paths reach the server exactly as written): status, body.
fn get(url: &str, path: &str) -> (u16, String) {
    let addr = url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = raw.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    (status, body.to_string())
}

#[test]
fn serve_lists_runs_newest_first_and_serves_only_the_store() {
    let first = lossy_broadcast();
    let mut o = sim_options("echo", "echo", 1);
    o.time_limit_s = 2;
    o.store = first.dir.parent().unwrap().parent().unwrap().to_path_buf();
    let second = simulate(&o);
    let store = o.store.clone();
    let served = serve(&store);

    let (status, list) = get(&served.url, "/");
    assert_eq!(status, 200);
    let doc = Html::parse_document(&list);
    let rows: Vec<String> = select(&doc, "#runs tr.run").iter().map(text).collect();
    assert!(rows.len() >= 2);
    let name = |o: &Outcome| o.dir.file_name().unwrap().to_string_lossy().into_owned();
    let pos = |o: &Outcome| rows.iter().position(|r| r.contains(&name(o))).unwrap();
    assert!(pos(&second) < pos(&first), "newest first: {rows:?}");
    assert!(rows[pos(&first)].contains("invalid"));
    assert!(rows[pos(&second)].contains("valid"));

    let link = select(&doc, "#runs tr.run a")[pos(&first)]
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let (status, run_page) = get(&served.url, &link);
    assert_eq!(status, 200);
    assert!(run_page.contains("id=\"verdict\""));
    let (status, svg) = get(&served.url, &format!("{link}messages.svg"));
    assert_eq!(status, 200);
    assert!(svg.contains("<svg"));

    // The run page's form: a focused diagram drawn on request.
    let lost = &first.results["workload"]["lost"][0];
    let (status, focused) = get(
        &served.url,
        &format!("{link}explain.svg?value={lost}&node=&type=&from=&to="),
    );
    assert_eq!(status, 200, "{focused}");
    assert!(
        focused.contains(&format!("value {lost} (")),
        "untitled diagram"
    );
    assert_eq!(
        focused.matches("<g class=\"msg").count(),
        journal_messages_for(&first.dir, lost).len()
    );
    let (status, _) = get(&served.url, &format!("{link}explain.svg?from=abc"));
    assert_eq!(status, 400);
    let (status, _) = get(&served.url, &format!("{link}explain.svg?from=5&to=1"));
    assert_eq!(status, 400);
    assert!(run_page.contains("action=\"explain.svg\""));

    for bad in [
        "/runs/../explain.svg",
        "/runs/../../etc/passwd",
        "/runs/%2e%2e/%2e%2e/etc/passwd",
        "/runs/broadcast/..%2F..%2Fetc%2Fpasswd",
    ] {
        let (status, body) = get(&served.url, bad);
        assert_eq!(status, 403, "{bad}: {body}");
    }
    assert_eq!(get(&served.url, "/etc/passwd").0, 404);
}

#[test]
fn serve_refuses_a_public_address_unless_asked() {
    let o = glomers(&["serve", "--host", "0.0.0.0", "--port", "0", "--store", "."]);
    assert_eq!(o.status.code(), Some(254));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
    assert!(stderr.contains("--public"), "{stderr}");
    let o = glomers(&["serve", "--port", "0", "--store", "/nonexistent/store"]);
    assert_eq!(o.status.code(), Some(254));
}

/// Chromium, or `None` when it is not installed and not required
/// (`scripts/test.sh` installs it and sets GLOMERS_BROWSER_TESTS=require).
fn chromium() -> Option<&'static str> {
    for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(path).is_file() {
            return Some(path);
        }
    }
    assert!(
        std::env::var("GLOMERS_BROWSER_TESTS").as_deref() != Ok("require"),
        "Chromium is required (apt-get install chromium fonts-dejavu-core)"
    );
    eprintln!("SKIPPED: the browser test needs Chromium (scripts/test.sh installs it)");
    None
}

/// The DOM Chromium builds for `url`, after the page loaded.
fn rendered_dom(browser: &str, url: &str) -> String {
    let profile = std::env::temp_dir().join(format!(
        "glomers-chromium-{}-{}",
        std::process::id(),
        url.len()
    ));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium runs");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        let _ = stdout.read_to_string(&mut dom);
        dom
    });
    // A browser that hangs fails the test rather than the suite's time budget.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().expect("chromium's status").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("headless Chromium did not finish loading {url} within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(&profile);
    reader.join().expect("the reader thread")
}

#[test]
fn the_run_list_and_a_run_page_render_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let out = lossy_broadcast();
    let store = out.dir.parent().unwrap().parent().unwrap();
    let served = serve(store);

    let list = Html::parse_document(&rendered_dom(browser, &format!("{}/", served.url)));
    let rows = select(&list, "#runs tr.run");
    assert!(!rows.is_empty(), "the run list rendered no runs");
    let link = select(&list, "#runs tr.run a")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_string();

    let run = Html::parse_document(&rendered_dom(browser, &format!("{}{link}", served.url)));
    let verdict = select(&run, "#verdict");
    assert_eq!(verdict.len(), 1, "no verdict on the rendered page");
    assert_eq!(text(&verdict[0]), "invalid");
    let images = select(&run, "img");
    assert!(images.len() >= 5, "{} images", images.len());
    for img in images {
        assert_eq!(
            img.value().attr("data-loaded"),
            Some("yes"),
            "{:?} did not load",
            img.value().attr("src")
        );
    }
}

/// The findings on a run page: (sentence, evidence) of each failure.
fn page_findings(dir: &Path) -> Vec<(String, String)> {
    let doc = page(dir);
    select(&doc, "#failure .finding")
        .iter()
        .map(|f| {
            let sentence = f
                .select(&Selector::parse(".sentence").unwrap())
                .map(|e| text(&e))
                .collect();
            let evidence = f
                .select(&Selector::parse(".evidence li").unwrap())
                .map(|e| text(&e))
                .collect::<Vec<_>>()
                .join("\n");
            (sentence, evidence)
        })
        .collect()
}

#[test]
fn every_checker_failure_is_explained_with_its_anomaly_and_witness() {
    type Tweak = fn(&mut glomers_bench::opts::TestOptions);
    type Words = &'static [&'static str];
    // (workload, broken node, nodes, options, words the sentence must
    // hold, words the evidence must hold)
    type Case = (&'static str, &'static str, usize, Tweak, Words, Words);
    let cases: [Case; 5] = [
        (
            "echo",
            "faulty-echo-altered",
            1,
            |o| o.time_limit_s = 3,
            &["echo replies did not carry back"],
            &["sent \"Please echo", "the reply was"],
        ),
        (
            "unique-ids",
            "faulty-ids-collide",
            3,
            |o| {
                o.time_limit_s = 3;
                o.rate = 100.0;
            },
            &["ids were handed out more than once"],
            &["returned", "process"],
        ),
        (
            "kafka",
            "faulty-kafka-poll-skip",
            1,
            |o| {
                o.time_limit_s = 5;
                o.rate = 200.0;
                o.concurrency = 2;
            },
            &["poll-skip", "skipped over offsets"],
            &["key", "#"],
        ),
        (
            "txn-rw-register",
            "faulty-txn-g1c",
            1,
            |o| {
                o.time_limit_s = 5;
                o.rate = 200.0;
                o.concurrency = 2;
                o.consistency_models = vec!["read-committed".into()];
            },
            &["G1c", "not read-committed"],
            &["which was read by", "a contradiction"],
        ),
        (
            "lin-kv",
            "faulty-lin-kv-stale-read",
            5,
            |o| {
                o.time_limit_s = 60;
                o.concurrency = 10;
                o.rate = 100.0;
                o.nemesis_partition = true;
            },
            &["is not linearizable"],
            &["cannot be linearized"],
        ),
    ];
    for (workload, node, n, tweak, sentence_words, evidence_words) in cases {
        let mut o = sim_options(workload, node, n);
        tweak(&mut o);
        let out = simulate(&o);
        assert_eq!(out.results["valid?"], false, "{node} passed");
        let found = page_findings(&out.dir);
        let workload_findings: Vec<&(String, String)> = found
            .iter()
            .filter(|(s, _)| s.starts_with("workload"))
            .collect();
        assert!(!workload_findings.is_empty(), "{node}: {found:?}");
        let sentence: String = workload_findings.iter().map(|f| f.0.as_str()).collect();
        let evidence: String = workload_findings.iter().map(|f| f.1.as_str()).collect();
        for w in sentence_words {
            assert!(sentence.contains(w), "{node}: {w:?} not in {sentence}");
        }
        for w in evidence_words {
            assert!(evidence.contains(w), "{node}: {w:?} not in {evidence}");
        }
        if workload == "lin-kv" {
            let doc = page(&out.dir);
            let pictures: Vec<&str> = select(&doc, "#failure img")
                .iter()
                .map(|e| e.value().attr("src").unwrap())
                .collect();
            assert!(
                pictures.iter().any(|p| p.ends_with("/linear.svg")),
                "{pictures:?}"
            );
            assert_links_resolve(&out.dir, &doc);
        }
    }
}

#[test]
fn a_counter_missing_adds_is_explained_with_its_final_reads() {
    let mut o = common::options("g-counter", "faulty-counter-rmw", 3);
    o.time_limit_s = 5;
    o.rate = 100.0;
    o.recovery_s = 1.0;
    let out = common::run(&o);
    assert_eq!(out.results["valid?"], false);
    let found = page_findings(&out.dir);
    let (sentence, evidence) = &found[0];
    let reads = out.results["workload"]["final-reads"].to_string();
    assert!(
        sentence.contains("outside what the acknowledged adds allow"),
        "{sentence}"
    );
    assert!(sentence.contains(&reads), "{sentence} lacks {reads}");
    assert!(evidence.contains("read"), "{evidence}");
}
