//! JUnit XML for CI (`--junit FILE`): a run is a test suite with one test
//! case per checker (`workload`, `stats`, `availability`, …), a challenge
//! sweep one suite with a case per challenge. A checker that says `false`
//! is a `<failure>` whose message is the finding in words and whose text
//! holds the evidence and the run page; `unknown` is an `<error>` (nothing
//! could be decided); a run that crashed is an `<error>` of its own.

use super::findings::{findings, Run};
use super::page::PAGE_FILE;
use glomers_check::svg::escape;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// How one case ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Passed,
    Failed { message: String, text: String },
    Errored { message: String, text: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub name: String,
    pub classname: String,
    pub seconds: f64,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    pub name: String,
    pub cases: Vec<Case>,
}

/// The cases of one stored run: a case per checker in its results, with
/// its findings; the run's error, if it ended without a verdict.
pub fn run_cases(dir: &Path, seconds: f64) -> Result<Vec<Case>, String> {
    let run = Run::open(dir)?;
    let classname = format!("glomers.{}", run.workload());
    let page = dir.join(PAGE_FILE).display().to_string();
    let found = findings(&run);
    let mut cases = Vec::new();
    if let Some(error) = &run.error {
        cases.push(Case {
            name: "run".into(),
            classname: classname.clone(),
            seconds,
            verdict: Verdict::Errored {
                message: error.lines().next().unwrap_or("the run failed").to_string(),
                text: format!("{error}\nrun page: {page}"),
            },
        });
    }
    let Some(results) = run.results.as_object() else {
        return Ok(cases);
    };
    for (checker, result) in results {
        let Some(valid) = result.get("valid?") else {
            continue;
        };
        let said: Vec<_> = found.iter().filter(|f| f.checker == *checker).collect();
        let message = said.first().map_or_else(
            || format!("{checker} checker: valid? {valid}"),
            |f| f.sentence.clone(),
        );
        let mut text = String::new();
        for f in &said {
            for line in &f.evidence {
                let _ = writeln!(text, "{line}");
            }
        }
        let _ = write!(text, "run page: {page}");
        let verdict = match valid {
            Value::Bool(true) => Verdict::Passed,
            Value::Bool(false) => Verdict::Failed { message, text },
            _ => Verdict::Errored { message, text },
        };
        cases.push(Case {
            name: checker.clone(),
            classname: classname.clone(),
            seconds: 0.0,
            verdict,
        });
    }
    Ok(cases)
}

/// The XML document for `suites`.
pub fn render(suites: &[Suite]) -> String {
    let count = |f: fn(&Verdict) -> bool| -> usize {
        suites
            .iter()
            .flat_map(|s| &s.cases)
            .filter(|c| f(&c.verdict))
            .count()
    };
    let failed = |v: &Verdict| matches!(v, Verdict::Failed { .. });
    let errored = |v: &Verdict| matches!(v, Verdict::Errored { .. });
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"glomers\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        count(|_| true),
        count(failed),
        count(errored)
    );
    for suite in suites {
        let seconds: f64 = suite.cases.iter().map(|c| c.seconds).sum();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{seconds:.3}\">",
            escape(&suite.name),
            suite.cases.len(),
            suite.cases.iter().filter(|c| failed(&c.verdict)).count(),
            suite.cases.iter().filter(|c| errored(&c.verdict)).count(),
        );
        for case in &suite.cases {
            let _ = write!(
                xml,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                escape(&case.name),
                escape(&case.classname),
                case.seconds
            );
            match &case.verdict {
                Verdict::Passed => xml.push_str("/>\n"),
                Verdict::Failed { message, text } | Verdict::Errored { message, text } => {
                    let tag = if failed(&case.verdict) {
                        "failure"
                    } else {
                        "error"
                    };
                    let _ = writeln!(
                        xml,
                        ">\n      <{tag} message=\"{}\">{}</{tag}>\n    </testcase>",
                        escape(message),
                        escape(text)
                    );
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Writes `suites` to `path`.
pub fn write(path: &Path, suites: &[Suite]) -> Result<(), String> {
    std::fs::write(path, render(suites)).map_err(|e| format!("--junit {}: {e}", path.display()))
}
