//! The few drawing primitives the checkers' pictures (lin-kv's
//! `linear.svg`) and the run report share: Maelstrom's palette, escaping of
//! untrusted text, and the start of an SVG document.

/// Maelstrom's palette: its pink marks errors and failed operations, its
/// light blue client traffic and successful operations, its orange the
/// indeterminate and the cut-off.
pub const PINK: &str = "#FF1E90";
pub const LIGHT_BLUE: &str = "#81BFFC";
pub const ORANGE: &str = "#FFA400";

/// Escapes text for XML and HTML, in content and in quoted attributes (the
/// bodies shown come from untrusted nodes); control characters other than
/// whitespace, which XML 1.0 forbids even escaped, become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters, an ellipsis marking a cut.
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some(_) => {
            let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
            out.push('\u{2026}');
            out
        }
    }
}

/// Starts a standalone SVG document of the given size.
pub fn open_svg(svg: &mut String, width: f64, height: f64) {
    svg.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    svg.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{width:.0}\" \
         height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">\n"
    ));
}
