//! The Lamport diagram (`messages.svg`, `network.md` §6): renders the message
//! journal as a standalone SVG with one vertical line per participant, time
//! running downward one step per journal event, and an arrow per delivered
//! message from its send step to its receive step.

use super::{cut, escape};
use crate::net::journal::{is_client_id, EventKind, JournalEvent, NetMessage};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;

/// At most this many journal events (after removing `init`/`init_ok`) are drawn.
const MAX_EVENTS: usize = 10_000;
/// Diagram width in pixels.
const WIDTH: f64 = 1200.0;
/// Horizontal margin on each side of the participant columns.
const MARGIN_X: f64 = 40.0;
/// Vertical distance between two consecutive journal events.
const STEP: f64 = 20.0;
/// Y coordinate of step 0 (leaves room for the first row of name labels).
const TOP: f64 = 40.0;
/// Space below the last step.
const BOTTOM: f64 = 20.0;
/// Participant names are repeated every this many steps.
const LABEL_EVERY: usize = 50;
/// Maximum length of an arrow label, in characters.
const LABEL_MAX_CHARS: usize = 48;

const COLOR_ERROR: &str = super::PINK;
const COLOR_CLIENT: &str = super::LIGHT_BLUE;
const COLOR_SERVER: &str = "#000000";
const COLOR_TRUNCATED: &str = super::ORANGE;

/// Renders `events` (the full journal, in order, e.g. read back from disk)
/// as an SVG document.
pub fn render(events: impl IntoIterator<Item = JournalEvent>) -> String {
    // Lazily filter so a huge journal costs only what is drawn (plus one).
    let mut shown: Vec<JournalEvent> = events
        .into_iter()
        .filter(|e| !matches!(e.message.kind().as_str(), "init" | "init_ok"))
        .take(MAX_EVENTS + 1)
        .collect();
    let truncated = shown.len() > MAX_EVENTS;
    shown.truncate(MAX_EVENTS);

    let names = participants(&shown);
    let column: HashMap<&str, f64> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (*name, column_x(i, names.len())))
        .collect();

    let steps = shown.len();
    let lines_bottom = y_of(steps.max(1)) - STEP / 2.0;
    let mut height = lines_bottom + BOTTOM;
    if truncated {
        height += 2.0 * STEP;
    }

    let mut svg = String::with_capacity(4096 + steps * 300);
    header(&mut svg, height);

    // Participant lines and their (repeated) name labels.
    svg.push_str("<g class=\"participants\">\n");
    for name in &names {
        let x = column[name];
        let _ = writeln!(
            svg,
            "<line class=\"participant\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{lines_bottom:.1}\"/>",
            TOP - STEP
        );
        let name = escape(name);
        for step in (0..steps.max(1)).step_by(LABEL_EVERY) {
            let _ = writeln!(
                svg,
                "<text class=\"name\" x=\"{x:.1}\" y=\"{:.1}\">{name}</text>",
                y_of(step) - STEP / 2.0 - 4.0
            );
        }
    }
    svg.push_str("</g>\n");

    // Arrows for delivered messages.
    svg.push_str("<g class=\"messages\">\n");
    let mut sent_at: HashMap<u64, usize> = HashMap::with_capacity(steps);
    for (step, event) in shown.iter().enumerate() {
        let m = &event.message;
        match event.kind {
            EventKind::Send => {
                sent_at.insert(m.id, step);
            }
            EventKind::Recv => {
                if let Some(&sent) = sent_at.get(&m.id) {
                    let (x1, x2) = (column[m.src.as_str()], column[m.dest.as_str()]);
                    arrow(&mut svg, m, (x1, y_of(sent)), (x2, y_of(step)));
                }
            }
        }
    }
    svg.push_str("</g>\n");

    if truncated {
        let y = lines_bottom + STEP;
        let _ = writeln!(
            svg,
            "<g class=\"truncated\"><line x1=\"0\" y1=\"{y:.1}\" x2=\"{WIDTH:.0}\" y2=\"{y:.1}\" \
             stroke=\"{COLOR_TRUNCATED}\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\" \
             fill=\"{COLOR_TRUNCATED}\" text-anchor=\"middle\">Additional network events not shown</text></g>",
            WIDTH / 2.0,
            y - 5.0
        );
    }

    svg.push_str("</svg>\n");
    svg
}

/// The participants in column order: clients, then other numbered ids (nodes),
/// each by numeric suffix, then ids without a digit suffix (services).
fn participants(events: &[JournalEvent]) -> Vec<&str> {
    let mut names: Vec<&str> = events
        .iter()
        .flat_map(|e| [e.message.src.as_str(), e.message.dest.as_str()])
        .collect();
    names.sort_unstable();
    names.dedup();
    names.sort_by_cached_key(|name| order_key(name));
    names
}

/// Sort key: (group, numeric suffix, name). The suffix is compared as a
/// number of arbitrary size: (digit count without leading zeros, digits).
fn order_key(name: &str) -> (u8, usize, &str, &str) {
    let prefix = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &name[prefix.len()..];
    if digits.is_empty() {
        return (2, 0, "", name);
    }
    let significant = digits.trim_start_matches('0');
    let group = if is_client_id(name) { 0 } else { 1 };
    (group, significant.len(), significant, name)
}

fn column_x(index: usize, count: usize) -> f64 {
    MARGIN_X + (index as f64 + 0.5) * (WIDTH - 2.0 * MARGIN_X) / count as f64
}

fn y_of(step: usize) -> f64 {
    TOP + step as f64 * STEP
}

fn header(svg: &mut String, height: f64) {
    super::open_svg(svg, WIDTH, height);
    svg.push_str(
        "<style>\
         text { font-family: sans-serif; font-size: 10px; }\
         .participant { stroke: #BBBBBB; stroke-width: 1; }\
         .name { text-anchor: middle; font-weight: bold; fill: #666666; }\
         .msg line { stroke-width: 1; }\
         .msg text { text-anchor: middle; }\
         .msg:hover line { stroke-width: 3; }\
         </style>\n<defs>\n",
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
        body = escape(body),
        label = escape(&label(m)),
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
            let start = piece.find('>').unwrap() + 1;
            let end = piece.find("</text>").unwrap();
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

    #[test]
    fn large_journal_renders_quickly() {
        let mut events = Vec::new();
        for i in 0..100_000u64 {
            events.extend(delivered(
                i,
                "c1",
                "n0",
                json!({"type": "ping", "msg_id": i}),
            ));
        }
        let start = std::time::Instant::now();
        let svg = render(events.clone());
        assert!(svg.contains("Additional network events not shown"));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
