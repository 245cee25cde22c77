//! The real-time driver against nodes whose processes misbehave: a wrapper
//! that leaves a child holding its stdout, a node that closes stdout but
//! keeps running, one that prints without pause, one that exits early. Each
//! run must end on time with a verdict, a store directory and a message that
//! says what happened.

mod common;

use common::{bin, console, options, run};
use std::time::{Duration, Instant};

/// A script standing in for a node binary.
fn script(name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("glomers-scripts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A shell wrapper that starts `sleep` in the background (inheriting stdout
/// and stderr, as a daemon started by a careless wrapper does), writes its
/// pid to `pidfile`, then becomes the echo node.
fn wrapper(pidfile: &std::path::Path) -> std::path::PathBuf {
    let body = format!(
        "sleep 600 &\necho $! >> '{}'\nexec '{}'",
        pidfile.display(),
        bin("echo").display()
    );
    script("wrapper.sh", &body)
}

fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

#[test]
fn a_child_that_inherits_stdout_does_not_hang_the_bench_and_is_killed() {
    let dir = std::env::temp_dir().join(format!("glomers-wrapper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pidfile = dir.join("pids");
    let _ = std::fs::remove_file(&pidfile);
    let mut o = options("echo", "echo", 2);
    o.bin = wrapper(&pidfile);
    let started = Instant::now();
    let out = run(&o);
    assert!(started.elapsed() < Duration::from_secs(60), "the run ended");
    assert_eq!(out.exit_code(), 0, "{:#}", out.results);
    assert!(out.dir.join("results.json").is_file());
    let log = console(&out);
    assert!(
        log.contains("node n0 left processes of its own running")
            && log.contains("killed its process group"),
        "{log}"
    );
    let pids = std::fs::read_to_string(&pidfile).expect("the wrapper wrote its child's pid");
    for pid in pids.split_whitespace() {
        assert!(!alive(pid), "background child {pid} was killed");
    }
}

#[test]
fn a_node_that_closes_stdout_but_keeps_running_is_not_a_crash() {
    let mut o = options("echo", "faulty-closes-stdout", 1);
    o.node_env = vec![("FIXTURE_CLOSE_AFTER".into(), "3".into())];
    let out = run(&o);
    assert!(out.error.is_none(), "not a crash: {:?}", out.error);
    assert_eq!(out.results["stats"]["ok-count"], 3);
    assert!(out.dir.join("results.json").is_file());
    let log = console(&out);
    assert!(
        log.contains("node n0 closed its stdout but kept running"),
        "{log}"
    );
}

#[test]
fn a_node_that_prints_without_pause_does_not_stall_the_run() {
    let mut o = options("echo", "faulty-flood", 2);
    o.time_limit_s = 2;
    let started = Instant::now();
    let out = run(&o);
    // A hang guard, not a speed target: the run must end by itself.
    assert!(started.elapsed() < Duration::from_secs(60), "the run ended");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(
        out.exit_code(),
        0,
        "echoes still answered: {:#}",
        out.results
    );
    assert!(out.results["stats"]["ok-count"].as_u64().unwrap_or(0) >= 5);
    assert!(
        out.results["net"]["servers"]["msg-count"]
            .as_u64()
            .unwrap_or(0)
            > 1000,
        "the flood was routed"
    );
    // Its journal holds every flood message: hundreds of MB.
    let _ = std::fs::remove_dir_all(&out.dir);
}

/// CPU time of the calling thread (the driver runs on it).
fn thread_cpu() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct we pass.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr());
        usage.assume_init()
    };
    let t = |tv: libc::timeval| Duration::new(tv.tv_sec as u64, tv.tv_usec as u32 * 1000);
    t(usage.ru_utime) + t(usage.ru_stime)
}

#[test]
fn once_every_node_has_exited_the_driver_waits_without_spinning() {
    let mut o = options("echo", "faulty-crash-after", 2);
    o.node_env = vec![("FIXTURE_CRASH_AFTER".into(), "1".into())];
    o.time_limit_s = 3;
    let (cpu, wall) = (thread_cpu(), Instant::now());
    let out = run(&o);
    let (cpu, wall) = (thread_cpu() - cpu, wall.elapsed());
    assert_eq!(out.exit_code(), 255);
    assert!(
        out.error
            .as_deref()
            .unwrap_or("")
            .contains("crashed with exit status 3"),
        "{:?}",
        out.error
    );
    // Spinning would burn the whole run's wall time on this thread.
    assert!(
        cpu < wall / 4,
        "the driver used {cpu:?} of CPU in {wall:?} of wall time"
    );
}

#[test]
fn a_node_that_exits_before_init_is_named_with_its_status() {
    let mut o = options("echo", "echo", 2);
    o.bin = script("exits-at-once", "echo 'cannot find my config' >&2; exit 0");
    let out = run(&o);
    assert_eq!(out.exit_code(), 255);
    let error = out.error.as_deref().unwrap_or("");
    assert!(
        error.contains("crashed with exit status 0 before answering init"),
        "{error}"
    );
    assert!(
        error.contains("cannot find my config"),
        "stderr shown: {error}"
    );
    // A store directory, but no results: nothing ran to judge (as Maelstrom).
    assert!(out.dir.join("error.txt").is_file(), "a store directory");
    assert!(!out.dir.join("results.json").exists());
}

#[test]
fn a_node_killed_by_a_signal_is_named_with_the_signal() {
    let mut o = options("echo", "faulty-crash-after", 1);
    o.node_env = vec![
        ("FIXTURE_CRASH_AFTER".into(), "2".into()),
        ("FIXTURE_CRASH_SIGNAL".into(), "1".into()),
    ];
    let out = run(&o);
    assert_eq!(out.exit_code(), 255);
    let error = out.error.as_deref().unwrap_or("");
    assert!(error.contains("Node n0 crashed with signal: 6"), "{error}");
    assert_eq!(
        out.results["stats"]["ok-count"], 2,
        "the history is still checked"
    );
    assert!(out.dir.join("results.json").is_file());
}

#[test]
fn invalid_utf8_on_stdout_is_reported_like_any_garbage_line() {
    // Answers nothing but prints bytes that are not UTF-8, then idles.
    let mut o = options("echo", "echo", 1);
    o.bin = script(
        "binary-garbage",
        "printf '\\377\\376 not text\\n'; exec cat > /dev/null",
    );
    let out = run(&o);
    assert_eq!(out.exit_code(), 255, "init never answered");
    let log = console(&out);
    assert!(log.contains("not well-formed JSON"), "{log}");
    assert!(
        !out.dir.join("results.json").exists(),
        "init never answered: no results"
    );
}
