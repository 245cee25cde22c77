//! `glomers serve`: browse the store in a web browser, like `maelstrom
//! serve`. `/` lists every run, newest first, with its workload, verdict
//! and key figures; `/runs/<workload>/<run>/` is the run's own page and
//! files. Loopback only unless asked (`--public`), and nothing outside the
//! store is ever served.

use crate::cli::{ServeArgs, EXIT_BAD_ARGS};
use glomers_bench::report::escape;
use glomers_bench::report::findings::Run;
use glomers_bench::report::lamport::filter::Filter;
use glomers_bench::report::page::{self, href};
use std::fmt::Write;
use std::fs;
use std::io::Write as _;
use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where runs are served from.
const RUNS: &str = "/runs/";

pub fn main(args: ServeArgs) -> i32 {
    let host: IpAddr = match args.host.parse() {
        Ok(h) => h,
        Err(_) => {
            eprintln!("glomers serve: --host {}: not an IP address", args.host);
            return EXIT_BAD_ARGS;
        }
    };
    if !host.is_loopback() && !args.public {
        eprintln!(
            "glomers serve: refusing to listen on {host}: it is not a loopback address, and \
             the store holds your nodes' logs and messages. Add --public to serve it to the \
             network anyway."
        );
        return EXIT_BAD_ARGS;
    }
    let store = match fs::canonicalize(&args.store) {
        Ok(s) if s.is_dir() => s,
        _ => {
            eprintln!(
                "glomers serve: --store {}: no such directory (run a test first)",
                args.store.display()
            );
            return EXIT_BAD_ARGS;
        }
    };
    let listener = match TcpListener::bind((host, args.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("glomers serve: cannot listen on {host}:{}: {e}", args.port);
            return EXIT_BAD_ARGS;
        }
    };
    let addr = listener
        .local_addr()
        .map_or_else(|_| format!("{host}:{}", args.port), |a| a.to_string());
    println!("serving {} at http://{addr}/", store.display());
    let _ = std::io::stdout().flush();
    let store = Arc::new(store);
    for stream in listener.incoming().flatten() {
        let store = Arc::clone(&store);
        // One short-lived thread per connection: a slow reader never holds up the rest.
        std::thread::spawn(move || answer(&store, stream));
    }
    0
}

/// The most bytes of request (line and headers) read from a connection.
const MAX_REQUEST: u64 = 64 * 1024;

/// Reads one request from a connection, answers it, closes the connection.
fn answer(store: &Path, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    // A request line and headers fit in far less; a client sending more is cut off.
    let mut reader = BufReader::new(std::io::Read::take(&stream, MAX_REQUEST));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers: nothing in them changes the answer.
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, url) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let reply = match method {
        "GET" | "HEAD" => handle(store, url),
        "" => return,
        _ => Reply::text(405, "only GET and HEAD"),
    };
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        reply.status,
        reason(reply.status),
        reply.content_type,
        reply.body.len()
    );
    let mut out = &stream;
    let _ = out.write_all(head.as_bytes());
    if method != "HEAD" {
        let _ = out.write_all(&reply.body);
    }
    let _ = out.flush();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "",
    }
}

/// An answer: status, content type, body.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Reply {
    fn text(status: u16, text: &str) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{text}\n").into_bytes(),
        }
    }
}

/// Answers one request path (with its query) against the store.
pub fn handle(store: &Path, url: &str) -> Reply {
    let path = url.split(['?', '#']).next().unwrap_or("");
    if path == "/" || path == "/index.html" {
        return Reply {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: run_list(store).into_bytes(),
        };
    }
    let Some(rel) = path.strip_prefix(RUNS) else {
        return Reply::text(404, "not found");
    };
    let Some(rel) = decode(rel) else {
        return Reply::text(400, "bad path encoding");
    };
    if let Some(run_dir) = rel.strip_suffix(EXPLAIN) {
        return explain(store, run_dir, url.split_once('?').map_or("", |q| q.1));
    }
    let file = match resolve(store, &rel) {
        Ok(f) => f,
        Err(reply) => return reply,
    };
    let file = if file.is_dir() {
        file.join(page::PAGE_FILE)
    } else {
        file
    };
    match fs::read(&file) {
        Ok(body) => Reply {
            status: 200,
            content_type: content_type(&file),
            body,
        },
        Err(_) => Reply::text(404, "not found"),
    }
}

/// The run page's form asks for this (virtual) file in the run's directory.
const EXPLAIN: &str = "explain.svg";

/// A focused diagram of a run's messages, drawn for the query
/// (`value`, `node`, `type`, `from`, `to`; times in seconds).
fn explain(store: &Path, run_dir: &str, query: &str) -> Reply {
    let dir = match resolve(store, run_dir) {
        Ok(d) => d,
        Err(reply) => return reply,
    };
    let Ok(run) = Run::open(&dir) else {
        return Reply::text(404, "not a run directory");
    };
    let mut params: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (decode(&k.replace('+', " ")), decode(&v.replace('+', " "))) {
            (Some(k), Some(v)) => params.push((k, v)),
            _ => return Reply::text(400, "bad query encoding"),
        }
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let seconds = |name: &str| -> Result<Option<f64>, Reply> {
        get(name)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| Reply::text(400, &format!("{name}: not a number of seconds")))
            })
            .transpose()
    };
    let (from, to) = match (seconds("from"), seconds("to")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let filter = match Filter::from_parts(
        get("value").as_deref(),
        get("node").as_deref(),
        get("type").as_deref(),
        from,
        to,
    ) {
        Ok(f) => f,
        Err(e) => return Reply::text(400, &e),
    };
    Reply {
        status: 200,
        content_type: "image/svg+xml",
        body: page::focused(&run, &filter).into_bytes(),
    }
}

/// The file a relative path names inside the store; refuses `..`, absolute
/// paths, and anything that resolves (through links) outside the store.
fn resolve(store: &Path, rel: &str) -> Result<PathBuf, Reply> {
    let forbidden = || Reply::text(403, "forbidden: only files inside the store are served");
    if rel.contains('\0') || rel.contains('\\') {
        return Err(forbidden());
    }
    for segment in rel.split('/') {
        if segment == ".." || segment == "." {
            return Err(forbidden());
        }
    }
    let joined = store.join(rel.trim_start_matches('/'));
    let real = fs::canonicalize(&joined).map_err(|_| Reply::text(404, "not found"))?;
    if !real.starts_with(store) {
        return Err(forbidden());
    }
    Ok(real)
}

/// Percent-decoding of a URL path; `None` if it is not UTF-8.
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        Some("png") => "image/png",
        _ => "text/plain; charset=utf-8",
    }
}

/// Every run in the store, newest first.
fn runs(store: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let dirs = |p: &Path| -> Vec<fs::DirEntry> {
        fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .collect()
    };
    for workload in dirs(store) {
        for run in dirs(&workload.path()) {
            let rel = format!(
                "{}/{}",
                workload.file_name().to_string_lossy(),
                run.file_name().to_string_lossy()
            );
            if run.path().join("results.json").is_file() {
                out.push((rel, run.path()));
            }
        }
    }
    // Run directories are named by their start time.
    out.sort_by(|a, b| {
        let name = |p: &PathBuf| p.file_name().map(|n| n.to_os_string());
        name(&b.1).cmp(&name(&a.1)).then(b.0.cmp(&a.0))
    });
    out
}

fn run_list(store: &Path) -> String {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>glomers runs</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
         th,td{padding:0.3em 0.8em;text-align:left;border-bottom:1px solid #eee}\
         .valid{color:#2a8a3a}.invalid{color:#FF1E90}.unknown{color:#FFA400}.crashed{color:#8a1a1a}\
         td.num{text-align:right;font-family:monospace}</style></head><body>\n<h1>glomers runs</h1>\n",
    );
    let runs = runs(store);
    let _ = writeln!(
        h,
        "<p>{} run(s) in {}</p>",
        runs.len(),
        escape(&store.display().to_string())
    );
    h.push_str(
        "<table id=\"runs\"><tr><th>started</th><th>workload</th><th>verdict</th><th>nodes</th>\
         <th>mode</th><th>ops</th><th>ok fraction</th><th>msgs/op</th></tr>\n",
    );
    for (rel, dir) in runs {
        let Ok(run) = Run::open(&dir) else { continue };
        let verdict = page::verdict(&run);
        let r = &run.results;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr class=\"run\"><td><a href=\"{RUNS}{link}/\">{name}</a></td><td>{workload}</td>\
             <td class=\"verdict {verdict}\">{verdict}</td><td class=\"num\">{nodes}</td><td>{mode}</td>\
             <td class=\"num\">{ops}</td><td class=\"num\">{ok}</td><td class=\"num\">{mpo}</td></tr>",
            link = escape(&href(&rel)),
            name = escape(&name),
            workload = escape(run.workload()),
            nodes = run.nodes().len(),
            mode = if run.test["sim"] == true { "sim" } else { "processes" },
            ops = r["stats"]["count"],
            ok = r["availability"]["ok-fraction"]
                .as_f64()
                .map_or("n/a".into(), |f| format!("{f:.3}")),
            mpo = r["net"]["servers"]["msgs-per-op"]
                .as_f64()
                .map_or("n/a".into(), |f| format!("{f:.3}")),
        );
    }
    h.push_str("</table></body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_store_are_refused() {
        let store = std::env::temp_dir().join(format!("glomers-serve-{}", std::process::id()));
        let run = store.join("echo/run1");
        fs::create_dir_all(&run).unwrap();
        fs::write(run.join("a.txt"), "hello").unwrap();
        let store = fs::canonicalize(&store).unwrap();
        assert_eq!(handle(&store, "/runs/echo/run1/a.txt").status, 200);
        assert_eq!(handle(&store, "/runs/echo/run1/a%2Etxt?x=1").body, b"hello");
        for bad in [
            "/runs/../etc/passwd",
            "/runs/echo/../../etc/passwd",
            "/runs/echo/%2e%2e/%2e%2e/etc/passwd",
            "/runs/%2E%2E%2Fetc%2Fpasswd",
            "/runs/echo/run1/..%5c..%5cx",
        ] {
            assert_eq!(handle(&store, bad).status, 403, "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", store.join("escape")).unwrap();
            assert_eq!(handle(&store, "/runs/escape/passwd").status, 403);
        }
        assert_eq!(handle(&store, "/runs/echo/nothing").status, 404);
        assert_eq!(handle(&store, "/etc/passwd").status, 404);
        assert_eq!(handle(&store, "/runs/%ff%fe").status, 400);
        fs::remove_dir_all(&store).unwrap();
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(decode("a%20b%2F").as_deref(), Some("a b/"));
        assert_eq!(decode("100%").as_deref(), Some("100%"));
        assert_eq!(decode("%zz"), None);
    }
}
