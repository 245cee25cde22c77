//! The Lamport diagram (`messages.svg`, `network.md` §6): renders the message
//! journal as a standalone SVG with one vertical line per participant
//! ([`lanes`]), time running downward one step per journal event (its time
//! on the left axis), and an arrow per delivered message from its send step
//! to its receive step. Long journals are split into pages of
//! [`MAX_EVENTS`]; [`filter`] picks the messages of a focused diagram
//! (`glomers explain`), where messages never delivered show as crossed stubs.
//! The nemesis's faults on nodes are drawn on their lanes: a hatched band
//! while paused, a grey one while killed, a diamond where a clock moved.

pub mod filter;
pub mod lanes;

use super::faults::{Faults, Kind, Span};
use super::{cut, escape};
use crate::net::journal::{EventKind, JournalEvent, NetMessage};
use filter::seconds;
use lanes::{ClientLanes, Lanes};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// At most this many journal events (after removing `init`/`init_ok`) are
/// drawn on one page.
pub const MAX_EVENTS: usize = 10_000;
/// Vertical distance between two consecutive journal events.
const STEP: f64 = 20.0;
/// Y coordinate of step 0 (leaves room for the first row of name labels).
const TOP: f64 = 40.0;
/// Extra room above for a title.
const TITLE_HEIGHT: f64 = 24.0;
/// Space below the last step.
const BOTTOM: f64 = 20.0;
/// Participant names (and the time) are repeated every this many steps.
const LABEL_EVERY: usize = 50;
/// Diagrams with at most this many events show the time of every step.
const EVERY_TIME_UP_TO: usize = 200;
/// Width of a fault's band on a lane (and of a clock's diamond).
const FAULT_WIDTH: f64 = 10.0;
/// A fault shorter than one step is still this tall.
const FAULT_MIN_HEIGHT: f64 = 4.0;
/// Maximum length of an arrow label, in characters.
const LABEL_MAX_CHARS: usize = 48;

/// At most this many characters of a body in an arrow's hover title.
const TITLE_MAX_CHARS: usize = 10_000;

const COLOR_ERROR: &str = super::PINK;
const COLOR_CLIENT: &str = super::LIGHT_BLUE;
const COLOR_SERVER: &str = "#000000";
const COLOR_TRUNCATED: &str = super::ORANGE;

/// How to draw: lanes, a title, and whether the events are all there is
/// (then a send without a receive was never delivered and gets a stub).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub clients: ClientLanes,
    pub title: Option<String>,
    pub complete: bool,
    /// Said under the cut-off line when more events follow (e.g. the next
    /// page's file name).
    pub continued_in: Option<String>,
    /// Why a message was never delivered, by message id (e.g. a partition).
    pub why_undelivered: HashMap<u64, String>,
    /// The run's faults, drawn on the lanes of the nodes they struck.
    pub faults: Faults,
}

/// Renders the first page of `events` (the full journal, in order, e.g.
/// read back from disk) as an SVG document.
pub fn render(events: impl IntoIterator<Item = JournalEvent>) -> String {
    let mut pages = pages(events, &Options::default(), 1, |_| None);
    pages.swap_remove(0)
}

/// Renders the journal as up to `max_pages` pages of [`MAX_EVENTS`] events;
/// `page_name(i)` names page `i` (0-based) for the previous page's footer.
/// Reads the events lazily, holding one page at a time.
pub fn pages(
    events: impl IntoIterator<Item = JournalEvent>,
    options: &Options,
    max_pages: usize,
    page_name: impl Fn(usize) -> Option<String>,
) -> Vec<String> {
    let mut events = events
        .into_iter()
        .filter(|e| !matches!(e.message.kind().as_str(), "init" | "init_ok"))
        .peekable();
    let mut out = Vec::new();
    loop {
        let page: Vec<JournalEvent> = events.by_ref().take(MAX_EVENTS).collect();
        let more = events.peek().is_some();
        let last = !more || out.len() + 1 == max_pages;
        let mut opts = options.clone();
        opts.complete = options.complete && !more;
        if more {
            opts.continued_in = if last { None } else { page_name(out.len() + 1) };
        }
        out.push(draw(&page, &opts, more));
        if last {
            return out;
        }
    }
}

/// Draws `shown` (already chosen and in journal order); `truncated` adds
/// the cut-off line.
pub fn draw(shown: &[JournalEvent], options: &Options, truncated: bool) -> String {
    let lanes = Lanes::new(shown, options.clients);
    let width = lanes.width;
    let top = TOP
        + if options.title.is_some() {
            TITLE_HEIGHT
        } else {
            0.0
        };
    let y_of = |step: usize| top + step as f64 * STEP;
    let steps = shown.len();
    let lines_bottom = y_of(steps.max(1)) - STEP / 2.0;
    let mut height = lines_bottom + BOTTOM;
    if truncated {
        height += 2.0 * STEP;
    }

    let mut svg = String::with_capacity(4096 + steps * 300);
    header(&mut svg, width, height);
    if let Some(title) = &options.title {
        let _ = writeln!(
            svg,
            "<text class=\"title\" x=\"{:.1}\" y=\"18\">{}</text>",
            lanes::MARGIN_LEFT,
            escape(title)
        );
    }

    // Faults first, so lanes and names stay readable on top of them.
    if !options.faults.is_empty() {
        // Just above the first event at or after `t` (a fault begun before
        // the page starts at its first step, below the names).
        let y_at = |t: u64| match shown.partition_point(|e| e.time < t) {
            i if i == steps => lines_bottom,
            i => y_of(i) - STEP / 2.0,
        };
        svg.push_str("<g class=\"faults\">\n");
        for span in &options.faults.spans {
            fault(&mut svg, span, shown, &lanes, &y_at, lines_bottom);
        }
        svg.push_str("</g>\n");
    }

    // Participant lines and their (repeated) name labels; the time axis.
    let label_rows: Vec<usize> = (0..steps.max(1)).step_by(LABEL_EVERY).collect();
    svg.push_str("<g class=\"participants\">\n");
    let fit = lanes.label_chars();
    for (i, name) in lanes.names().iter().enumerate() {
        let x = lanes.x(i);
        let _ = writeln!(
            svg,
            "<line class=\"participant\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{lines_bottom:.1}\"/>",
            top - STEP
        );
        let shown_name = escape(&cut(name, fit));
        let full = escape(name);
        for &step in &label_rows {
            let _ = writeln!(
                svg,
                "<text class=\"name\" x=\"{x:.1}\" y=\"{:.1}\"><title>{full}</title>{shown_name}</text>",
                y_of(step) - STEP / 2.0 - 4.0
            );
        }
    }
    svg.push_str("</g>\n<g class=\"time\">\n");
    for (step, event) in shown.iter().enumerate() {
        if steps <= EVERY_TIME_UP_TO || step % LABEL_EVERY == 0 {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\">{} s</text>",
                lanes::MARGIN_LEFT - 8.0,
                y_of(step) + 3.0,
                seconds(event.time)
            );
        }
    }
    svg.push_str("</g>\n");

    // Arrows for delivered messages; stubs for those never delivered.
    svg.push_str("<g class=\"messages\">\n");
    let mut sent_at: HashMap<u64, usize> = HashMap::with_capacity(steps);
    let mut received: HashSet<u64> = HashSet::new();
    for (step, event) in shown.iter().enumerate() {
        let m = &event.message;
        match event.kind {
            EventKind::Send => {
                sent_at.insert(m.id, step);
            }
            EventKind::Recv => {
                received.insert(m.id);
                if let Some(&sent) = sent_at.get(&m.id) {
                    let (x1, x2) = (lanes.x_of(&m.src), lanes.x_of(&m.dest));
                    arrow(&mut svg, m, (x1, y_of(sent)), (x2, y_of(step)));
                }
            }
        }
    }
    if options.complete {
        for (step, event) in shown.iter().enumerate() {
            let m = &event.message;
            if event.kind == EventKind::Send && !received.contains(&m.id) {
                let (x1, x2) = (lanes.x_of(&m.src), lanes.x_of(&m.dest));
                let why = options.why_undelivered.get(&m.id).map(String::as_str);
                undelivered(&mut svg, m, (x1, y_of(step)), x2, why);
            }
        }
    }
    svg.push_str("</g>\n");

    if truncated {
        let y = lines_bottom + STEP;
        let next = options
            .continued_in
            .as_ref()
            .map(|n| format!(" (continued in {})", escape(n)))
            .unwrap_or_default();
        let _ = writeln!(
            svg,
            "<g class=\"truncated\"><line x1=\"0\" y1=\"{y:.1}\" x2=\"{width:.0}\" y2=\"{y:.1}\" \
             stroke=\"{COLOR_TRUNCATED}\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\" \
             fill=\"{COLOR_TRUNCATED}\" text-anchor=\"middle\">Additional network events not shown{next}</text></g>",
            width / 2.0,
            y - 5.0
        );
    }

    svg.push_str("</svg>\n");
    svg
}

fn header(svg: &mut String, width: f64, height: f64) {
    super::open_svg(svg, width, height);
    svg.push_str(
        "<style>\
         text { font-family: sans-serif; font-size: 10px; }\
         .title { font-size: 13px; font-weight: bold; }\
         .participant { stroke: #BBBBBB; stroke-width: 1; }\
         .name { text-anchor: middle; font-weight: bold; fill: #666666; }\
         .time text { text-anchor: end; fill: #999999; }\
         .msg line { stroke-width: 1; }\
         .msg text { text-anchor: middle; }\
         .msg:hover line { stroke-width: 3; }\
         .undelivered line { stroke-dasharray: 4 3; }\
         .fault text { font-size: 9px; fill: #555555; }\
         .fault.pause rect { fill: url(#hatch); stroke: #999999; }\
         .fault.kill rect { fill: #888888; fill-opacity: 0.45; stroke: #666666; }\
         .fault.clock path { fill: #E8A33D; stroke: #8A5A12; }\
         </style>\n<defs>\n\
         <pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#EEEEEE\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#999999\" stroke-width=\"2\"/></pattern>\n",
    );
    for (id, color) in [
        ("error", COLOR_ERROR),
        ("client", COLOR_CLIENT),
        ("server", COLOR_SERVER),
    ] {
        let _ = writeln!(
            svg,
            "<marker id=\"arrow-{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\
             <path d=\"M0,0L10,5L0,10z\" fill=\"{color}\"/></marker>"
        );
    }
    svg.push_str("</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n");
}

/// A fault on its node's lane, if the node has a lane here and the fault
/// falls within the page's time: a band from its start to its end (pause,
/// kill), or a diamond where the clock changed, each with a hover title.
fn fault(
    svg: &mut String,
    span: &Span,
    shown: &[JournalEvent],
    lanes: &Lanes,
    y_at: &impl Fn(u64) -> f64,
    lines_bottom: f64,
) {
    let (Some(first), Some(last)) = (shown.first(), shown.last()) else {
        return;
    };
    let Some(node) = span.node.as_deref() else {
        return; // a partition: its dropped messages are drawn as stubs
    };
    let Some(lane) = lanes.lane(node) else { return };
    let x = lanes.x(lane);
    let title = escape(&span.describe());
    let node = escape(node);
    let (begins_here, ends_here) = (
        span.from >= first.time,
        span.until.is_some_and(|u| u <= last.time),
    );
    match span.kind {
        Kind::Pause | Kind::Kill => {
            if span.from > last.time || span.until.is_some_and(|u| u < first.time) {
                return;
            }
            let (class, start, end) = if span.kind == Kind::Pause {
                ("pause", "paused", "resumed")
            } else {
                ("kill", "killed", "restarted")
            };
            let y1 = y_at(span.from);
            let y2 = span
                .until
                .map_or(lines_bottom, y_at)
                .max(y1 + FAULT_MIN_HEIGHT);
            let _ = write!(
                svg,
                "<g class=\"fault {class}\" data-node=\"{node}\"><title>{title}</title>\
                 <rect x=\"{:.1}\" y=\"{y1:.1}\" width=\"{w:.1}\" height=\"{:.1}\"/>",
                x - FAULT_WIDTH / 2.0,
                y2 - y1,
                w = FAULT_WIDTH,
            );
            let tx = x + FAULT_WIDTH / 2.0 + 3.0;
            if begins_here {
                let _ = write!(
                    svg,
                    "<text x=\"{tx:.1}\" y=\"{:.1}\">{start}</text>",
                    y1 + 9.0
                );
            }
            if ends_here {
                let _ = write!(
                    svg,
                    "<text x=\"{tx:.1}\" y=\"{:.1}\">{end}</text>",
                    y2 - 2.0
                );
            }
            svg.push_str("</g>\n");
        }
        Kind::Clock => {
            for (at, text) in [
                (Some(span.from), format!("clock {}", span.detail)),
                (span.until, "clock reset".to_string()),
            ] {
                let Some(at) = at.filter(|&t| t >= first.time && t <= last.time) else {
                    continue;
                };
                let y = y_at(at);
                let r = FAULT_WIDTH / 2.0;
                let _ = writeln!(
                    svg,
                    "<g class=\"fault clock\" data-node=\"{node}\"><title>{title}</title>\
                     <path d=\"M{x:.1},{:.1}L{:.1},{y:.1}L{x:.1},{:.1}L{:.1},{y:.1}z\"/>\
                     <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
                    y - r,
                    x + r,
                    y + r,
                    x - r,
                    x + r + 3.0,
                    y + 3.0,
                    escape(&text),
                );
            }
        }
        Kind::Partition => {}
    }
}

/// One message arrow: a group with a hover title, the line and its label.
fn arrow(svg: &mut String, m: &NetMessage, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) {
    let (class, color) = if m.kind() == "error" {
        ("error", COLOR_ERROR)
    } else if m.involves_client() {
        ("client", COLOR_CLIENT)
    } else {
        ("server", COLOR_SERVER)
    };
    let body = m.body.get();
    // Keep the label readable: rotate along the arrow, never upside down.
    let mut angle = (y2 - y1).atan2(x2 - x1).to_degrees();
    if angle > 90.0 {
        angle -= 180.0;
    } else if angle < -90.0 {
        angle += 180.0;
    }
    let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let _ = writeln!(
        svg,
        "<g class=\"msg {class}\"><title>{src} \u{2192} {dest}\n{body}</title>\
         <line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{color}\" \
         marker-end=\"url(#arrow-{class})\"/>\
         <text x=\"{mx:.1}\" y=\"{my:.1}\" dy=\"-3\" fill=\"{color}\" \
         transform=\"rotate({angle:.2} {mx:.1} {my:.1})\">{label}</text></g>",
        src = escape(&m.src),
        dest = escape(&m.dest),
        body = escape(&cut(body, TITLE_MAX_CHARS)),
        label = escape(&label(m)),
    );
}

/// A message sent but never received: a dashed stub from the sender
/// toward its destination, crossed at the end, labelled with its type.
fn undelivered(svg: &mut String, m: &NetMessage, (x1, y1): (f64, f64), x2: f64, why: Option<&str>) {
    let reach = if (x2 - x1).abs() < 1.0 {
        30.0
    } else {
        (x2 - x1) * 0.4
    };
    let (ex, ey) = (x1 + reach, y1 + STEP * 0.6);
    let _ = writeln!(
        svg,
        "<g class=\"msg undelivered\"><title>{src} \u{2192} {dest}, {why}\n{body}</title>\
         <line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{ex:.1}\" y2=\"{ey:.1}\" stroke=\"{COLOR_TRUNCATED}\"/>\
         <text x=\"{ex:.1}\" y=\"{ey:.1}\" dy=\"4\" fill=\"{COLOR_TRUNCATED}\">\u{2715}</text>\
         <text x=\"{mx:.1}\" y=\"{y1:.1}\" dy=\"-3\" fill=\"{COLOR_TRUNCATED}\">{label} ({why})</text></g>",
        src = escape(&m.src),
        dest = escape(&m.dest),
        body = escape(&cut(m.body.get(), TITLE_MAX_CHARS)),
        mx = x1 + reach / 2.0,
        label = escape(&label(m)),
        why = escape(why.unwrap_or("never delivered")),
    );
}

/// `type` plus the rest of the body (without `type`/`msg_id`/`in_reply_to`),
/// or `type` plus `text` for errors; at most [`LABEL_MAX_CHARS`] characters.
fn label(m: &NetMessage) -> String {
    let kind = m.kind();
    let body = m.body_map();
    let rest = if kind == "error" {
        match body.get("text") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    } else {
        let mut rest = body;
        for key in ["type", "msg_id", "in_reply_to"] {
            rest.remove(key);
        }
        if rest.is_empty() {
            String::new()
        } else {
            Value::Object(rest).to_string()
        }
    };
    let full = if rest.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} {rest}")
    };
    cut(&full, LABEL_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::journal::raw_body;
    use serde_json::{json, Map};
    use std::rc::Rc;

    fn msg(id: u64, src: &str, dest: &str, body: Value) -> Rc<NetMessage> {
        let body: Map<String, Value> = match body {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        Rc::new(NetMessage {
            id,
            src: src.into(),
            dest: dest.into(),
            body: raw_body(&body),
        })
    }

    fn ev(kind: EventKind, m: &Rc<NetMessage>) -> JournalEvent {
        JournalEvent {
            time: 0,
            kind,
            message: Rc::clone(m),
        }
    }

    /// Send and receive of one message.
    fn delivered(id: u64, src: &str, dest: &str, body: Value) -> [JournalEvent; 2] {
        let m = msg(id, src, dest, body);
        [ev(EventKind::Send, &m), ev(EventKind::Recv, &m)]
    }

    /// A minimal well-formedness check: tags nest, entities are known, no
    /// stray `<` or `&` in text or attributes.
    fn assert_well_formed(svg: &str) {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        let check_text = |t: &str| {
            assert!(!t.contains('>'), "unescaped '>' in {t:?}");
            let mut parts = t.split('&');
            parts.next();
            for p in parts {
                assert!(
                    ["amp;", "lt;", "gt;", "quot;", "apos;", "#39;"]
                        .iter()
                        .any(|e| p.starts_with(e)),
                    "bad entity in {t:?}"
                );
            }
        };
        while let Some(open) = rest.find('<') {
            check_text(&rest[..open]);
            let close = rest[open..].find('>').expect("unclosed tag") + open;
            let tag = &rest[open + 1..close];
            assert!(!tag.contains('<'), "'<' inside tag {tag:?}");
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes {tag:?}");
            check_text(tag.trim_end_matches(['/', '?']));
            if tag.starts_with('?') {
                assert!(tag.ends_with('?'));
            } else if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name.trim()), "mismatched close tag");
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().unwrap_or("");
                stack.push(name);
            }
            rest = &rest[close + 1..];
        }
        assert!(rest.trim().is_empty(), "trailing text {rest:?}");
        assert!(stack.is_empty(), "unclosed elements {stack:?}");
    }

    fn name_labels(svg: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for piece in svg.split("<text class=\"name\"").skip(1) {
            let start = piece
                .find("</title>")
                .map_or(piece.find('>').unwrap() + 1, |i| i + 8);
            let end = piece.rfind("</text>").unwrap();
            let end = piece[..end].find("</text>").unwrap_or(end);
            let name = piece[start..end].to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    #[test]
    fn empty_journal_is_valid_svg() {
        let svg = render(Vec::new());
        assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("width=\"1200\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(!svg.contains("class=\"msg"));
        assert!(!svg.contains("Additional network events"));
        assert_well_formed(&svg);
    }

    #[test]
    fn columns_ordered_clients_nodes_services() {
        let mut events = Vec::new();
        let pairs = [
            ("seq-kv", "n1"),
            ("c10", "n1"),
            ("n1", "n0"),
            ("c2", "n10"),
            ("lin-kv", "n2"),
            ("n0", "c1"),
        ];
        for (i, (src, dest)) in pairs.iter().enumerate() {
            events.extend(delivered(i as u64, src, dest, json!({"type": "x"})));
        }
        let svg = render(events.clone());
        assert_well_formed(&svg);
        assert_eq!(
            name_labels(&svg),
            ["c1", "c2", "c10", "n0", "n1", "n2", "n10", "lin-kv", "seq-kv"]
        );
    }

    #[test]
    fn init_messages_are_removed() {
        let mut events = Vec::new();
        events.extend(delivered(
            0,
            "c0",
            "n0",
            json!({"type": "init", "msg_id": 1}),
        ));
        events.extend(delivered(
            1,
            "n0",
            "c0",
            json!({"type": "init_ok", "in_reply_to": 1}),
        ));
        events.extend(delivered(2, "n1", "n2", json!({"type": "gossip"})));
        let svg = render(events.clone());
        assert_eq!(name_labels(&svg), ["n1", "n2"]);
        assert_eq!(svg.matches("<g class=\"msg").count(), 1);
        assert!(!svg.contains("init"));
    }

    #[test]
    fn dropped_messages_have_no_arrow() {
        let dropped = msg(0, "n0", "n1", json!({"type": "lost_one"}));
        let mut events = vec![ev(EventKind::Send, &dropped)];
        events.extend(delivered(1, "n1", "n0", json!({"type": "kept_one"})));
        let svg = render(events.clone());
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<g class=\"msg").count(), 1);
        assert!(svg.contains("kept_one"));
        assert!(!svg.contains("lost_one"));
    }

    #[test]
    fn colours_by_kind() {
        let mut events = Vec::new();
        events.extend(delivered(
            0,
            "n0",
            "c1",
            json!({"type": "error", "code": 20, "text": "key does not exist", "in_reply_to": 3}),
        ));
        events.extend(delivered(
            1,
            "c1",
            "n0",
            json!({"type": "read", "msg_id": 4}),
        ));
        events.extend(delivered(
            2,
            "n0",
            "n1",
            json!({"type": "gossip", "msg_id": 5}),
        ));
        let svg = render(events.clone());
        assert_well_formed(&svg);
        let arrows: Vec<&str> = svg.split("<g class=\"msg").skip(1).collect();
        assert_eq!(arrows.len(), 3);
        assert!(arrows[0].contains("stroke=\"#FF1E90\""));
        assert!(arrows[0].contains(">error key does not exist</text>"));
        assert!(arrows[1].contains("stroke=\"#81BFFC\""));
        assert!(arrows[1].contains(">read</text>"));
        assert!(arrows[2].contains("stroke=\"#000000\""));
        assert!(arrows[2].contains("<title>n0 \u{2192} n1\n"));
    }

    #[test]
    fn label_strips_ids_and_truncates() {
        let m = msg(
            0,
            "n0",
            "n1",
            json!({"type": "add", "msg_id": 7, "delta": 3}),
        );
        assert_eq!(label(&m), "add {\"delta\":3}");
        let long = msg(
            1,
            "n0",
            "n1",
            json!({"type": "broadcast", "message": "x".repeat(100)}),
        );
        let l = label(&long);
        assert_eq!(l.chars().count(), LABEL_MAX_CHARS);
        assert!(l.starts_with("broadcast {\"message\":\"xxx"));
    }

    #[test]
    fn bodies_are_escaped() {
        let events = delivered(
            0,
            "n0",
            "n1",
            json!({"type": "echo", "echo": "<&\">'\u{1}"}),
        );
        let svg = render(events.clone());
        assert_well_formed(&svg);
        assert!(svg.contains("&lt;&amp;\\&quot;&gt;&#39;"));
        assert!(!svg.contains("<&"));
        assert!(!svg.contains('\u{1}'));
    }

    #[test]
    fn truncated_after_ten_thousand_events() {
        let mut events = Vec::new();
        for i in 0..6_000u64 {
            events.extend(delivered(i, "n0", "n1", json!({"type": "ping"})));
        }
        let svg = render(events.clone());
        assert_well_formed(&svg);
        assert!(svg.contains("Additional network events not shown"));
        assert!(svg.contains(super::super::ORANGE));
        assert_eq!(svg.matches("<g class=\"msg").count(), MAX_EVENTS / 2);

        let svg = render(events[..MAX_EVENTS].to_vec());
        assert!(!svg.contains("Additional network events not shown"));
    }

    /// The number in the first ` name="…"` attribute of an SVG fragment.
    fn attr(fragment: &str, name: &str) -> f64 {
        fragment
            .split(&format!(" {name}=\""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .expect("attribute")
    }

    /// The x and estimated half-width of every lane label on the first row.
    fn label_extents(svg: &str) -> Vec<(f64, f64)> {
        let first_y = svg
            .split("<text class=\"name\"")
            .nth(1)
            .and_then(|p| p.split("y=\"").nth(1))
            .and_then(|p| p.split('"').next())
            .unwrap()
            .to_string();
        svg.split("<text class=\"name\"")
            .skip(1)
            .filter(|p| p.contains(&format!("y=\"{first_y}\"")))
            .map(|p| {
                let x = attr(p, "x");
                let text = p
                    .split("</title>")
                    .nth(1)
                    .unwrap()
                    .split("</text>")
                    .next()
                    .unwrap();
                (x, text.chars().count() as f64 * lanes::CHAR_WIDTH / 2.0)
            })
            .collect()
    }

    /// A 25-node broadcast run: 25 nodes, 50 clients (some replaced), seq-kv.
    fn big_run() -> Vec<JournalEvent> {
        let mut events = Vec::new();
        let mut id = 0;
        for n in 0..25u64 {
            for c in [25 + n, 50 + n] {
                events.extend(delivered(
                    id,
                    &format!("c{c}"),
                    &format!("n{n}"),
                    json!({"type": "read"}),
                ));
                id += 1;
            }
            events.extend(delivered(id, &format!("n{n}"), "n0", json!({"type": "up"})));
            id += 1;
            events.extend(delivered(
                id,
                &format!("n{n}"),
                "seq-kv",
                json!({"type": "read"}),
            ));
            id += 1;
        }
        events
    }

    #[test]
    fn many_clients_share_a_lane_and_labels_never_overlap() {
        let svg = render(big_run());
        assert_well_formed(&svg);
        let names = name_labels(&svg);
        assert_eq!(names.len(), 1 + 25 + 1, "{names:?}");
        assert_eq!(names[0], lanes::CLIENTS_LANE);
        assert_eq!(names[1], "n0");
        assert_eq!(names[26], "seq-kv");
        let extents = label_extents(&svg);
        assert_eq!(extents.len(), 27);
        for pair in extents.windows(2) {
            let ((x1, h1), (x2, h2)) = (pair[0], pair[1]);
            assert!(x1 + h1 < x2 - h2, "labels at {x1} and {x2} overlap");
        }
        // Every client arrow starts or ends on the shared lane.
        let clients_x = extents[0].0;
        let client_arrows = svg.split("<g class=\"msg client\"").skip(1).count();
        assert_eq!(client_arrows, 50);
        assert_eq!(
            svg.matches(&format!("x1=\"{clients_x:.1}\"")).count(),
            50 + 1,
            "50 arrows and the lane itself"
        );
    }

    #[test]
    fn a_complete_selection_shows_undelivered_messages() {
        let lost = msg(0, "n0", "n1", json!({"type": "gossip", "values": [42]}));
        let mut events = vec![ev(EventKind::Send, &lost)];
        events.extend(delivered(1, "n1", "n0", json!({"type": "kept_one"})));
        let opts = Options {
            complete: true,
            title: Some("messages carrying 42".into()),
            ..Options::default()
        };
        let svg = draw(&events, &opts, false);
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<g class=\"msg undelivered\"").count(), 1);
        assert!(svg.contains("gossip {&quot;values&quot;:[42]} (never delivered)"));
        assert!(svg.contains(">messages carrying 42</text>"));
        // Without `complete`, a send may just be received on a later page.
        let svg = draw(&events, &Options::default(), false);
        assert!(!svg.contains("class=\"msg undelivered\""));
    }

    /// The `data-node` of every fault group of `class`, with its rect's or
    /// diamond's centre x.
    fn faults_drawn(svg: &str, class: &str) -> Vec<(String, f64)> {
        svg.split(&format!("<g class=\"fault {class}\" data-node=\""))
            .skip(1)
            .map(|g| {
                let node = g.split('"').next().unwrap().to_string();
                let x = if let Some(r) = g.split("<rect x=\"").nth(1) {
                    let x: f64 = r.split('"').next().unwrap().parse().unwrap();
                    ((x + FAULT_WIDTH / 2.0) * 10.0).round() / 10.0
                } else {
                    let d = g.split("d=\"M").nth(1).unwrap();
                    d.split(',').next().unwrap().parse().unwrap()
                };
                (node, x)
            })
            .collect()
    }

    #[test]
    fn faults_are_drawn_on_their_nodes_lanes_within_the_page() {
        const S: u64 = 1_000_000_000;
        // n0 ⇄ n1 ⇄ n2 pings, one a second for 10 s.
        let mut events = Vec::new();
        for i in 0..10u64 {
            for (k, (a, b)) in [("n0", "n1"), ("n1", "n2")].into_iter().enumerate() {
                let m = msg(2 * i + k as u64, a, b, json!({"type": "ping"}));
                for kind in [EventKind::Send, EventKind::Recv] {
                    events.push(JournalEvent {
                        time: i * S + k as u64,
                        kind,
                        message: Rc::clone(&m),
                    });
                }
            }
        }
        let ops = [
            (2 * S, "pause", json!({"n1": "paused"})),
            (4 * S, "resume", json!({"n1": "resumed"})),
            (3 * S, "kill", json!({"n2": "killed"})),
            (5 * S, "start", json!({"n2": "started"})),
            (6 * S, "bump-clock", json!({"n0": -512})),
            (20 * S, "kill", json!({"n0": "killed"})),
        ];
        let options = Options {
            faults: Faults::from_ops(ops.iter().map(|(t, f, v)| (*t, *f, v))),
            ..Options::default()
        };
        let svg = draw(&events, &options, false);
        assert_well_formed(&svg);
        let lanes = Lanes::new(&events, ClientLanes::Auto);
        let on = |node: &str| (lanes.x_of(node) * 10.0).round() / 10.0;
        assert_eq!(faults_drawn(&svg, "pause"), [("n1".to_string(), on("n1"))]);
        // The kill after the last event is not on this page.
        assert_eq!(faults_drawn(&svg, "kill"), [("n2".to_string(), on("n2"))]);
        assert_eq!(faults_drawn(&svg, "clock"), [("n0".to_string(), on("n0"))]);
        assert!(svg.contains("<title>n2 killed at 3.000 s, started at 5.000 s</title>"));
        assert!(svg.contains(">killed</text>") && svg.contains(">restarted</text>"));
        assert!(svg.contains(">clock -512 ms</text>"));
        // The pause band runs from the step of 2 s to that of 4 s.
        let band = svg.split("<g class=\"fault pause\"").nth(1).unwrap();
        let attr = |name: &str| attr(band, name);
        let step_y = |step: usize| TOP + step as f64 * STEP - STEP / 2.0;
        assert_eq!(attr("y"), step_y(8));
        assert_eq!(attr("y") + attr("height"), step_y(16));
        // A page of events after every fault draws none of them.
        let svg = draw(&events[36..], &options, false);
        assert!(!svg.contains("class=\"fault "), "{svg}");
    }

    #[test]
    fn a_fault_across_a_page_boundary_is_drawn_on_both_pages() {
        const S: u64 = 1_000_000_000;
        // 12 000 pings n0 → n1, one every ms: the second page starts at 5 s.
        let mut events = Vec::new();
        for i in 0..6_000u64 {
            let m = msg(i, "n0", "n1", json!({"type": "ping"}));
            for kind in [EventKind::Send, EventKind::Recv] {
                events.push(JournalEvent {
                    time: i * S / 1_000,
                    kind,
                    message: Rc::clone(&m),
                });
            }
        }
        let ops = [
            (4 * S, "kill", json!({"n1": "killed"})),
            (5_500_000_000, "start", json!({"n1": "started"})),
        ];
        let options = Options {
            faults: Faults::from_ops(ops.iter().map(|(t, f, v)| (*t, *f, v))),
            ..Options::default()
        };
        let name = |i: usize| Some(format!("messages-{}.svg", i + 1));
        let pages = pages(events, &options, 5, name);
        assert_eq!(pages.len(), 2);
        let band = |page: &str| -> String {
            let g = page
                .split("<g class=\"fault kill\" data-node=\"n1\">")
                .nth(1)
                .expect("a kill band on n1's lane");
            g[..g.find("</g>").expect("closed")].to_string()
        };
        let (first, second) = (band(&pages[0]), band(&pages[1]));
        assert!(first.contains(">killed</text>") && !first.contains(">restarted<"));
        assert!(second.contains(">restarted</text>") && !second.contains(">killed<"));
        // The first page's band runs to its last step, the second's from its first.
        let bottom = TOP + (MAX_EVENTS as f64) * STEP - STEP / 2.0;
        assert_eq!(attr(&first, "y") + attr(&first, "height"), bottom);
        assert_eq!(attr(&second, "y"), TOP - STEP / 2.0);
    }

    #[test]
    fn long_journals_are_paged() {
        let mut events = Vec::new();
        for i in 0..12_000u64 {
            events.extend(delivered(i, "n0", "n1", json!({"type": "ping"})));
        }
        let name = |i: usize| Some(format!("messages-{}.svg", i + 1));
        let pages = pages(events.clone(), &Options::default(), 5, name);
        assert_eq!(pages.len(), 3);
        assert!(pages[0].contains("continued in messages-2.svg"));
        assert!(pages[1].contains("continued in messages-3.svg"));
        assert!(!pages[2].contains("Additional network events"));
        let total: usize = pages
            .iter()
            .map(|p| p.matches("<g class=\"msg").count())
            .sum();
        // Messages split across a page boundary draw on neither page.
        assert!(total >= 12_000 - 2, "{total}");
        let capped = super::pages(events, &Options::default(), 2, name);
        assert_eq!(capped.len(), 2);
        assert!(capped[1].contains("Additional network events not shown</text>"));
    }
}
