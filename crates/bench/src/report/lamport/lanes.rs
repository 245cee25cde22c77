//! The diagram's lanes: one vertical line per participant, in Maelstrom's
//! order (clients, nodes, services), wide enough that no two names touch.
//! A big run's many clients (Maelstrom opens a new one after every
//! indeterminate answer) fold into a single `clients` lane.

use crate::net::journal::{is_client_id, JournalEvent};
use std::collections::HashMap;

/// Narrowest diagram, in pixels.
pub const MIN_WIDTH: f64 = 1200.0;
/// Room left of the first lane for the time axis.
pub const MARGIN_LEFT: f64 = 76.0;
pub const MARGIN_RIGHT: f64 = 24.0;
/// Narrowest distance between two lanes.
const MIN_SPACING: f64 = 64.0;
/// A generous width of one bold 10 px sans-serif character, so labels
/// estimated with it never overlap when rendered.
pub const CHAR_WIDTH: f64 = 7.0;
/// With more lanes than this, clients share one lane.
const MAX_SEPARATE_LANES: usize = 16;
/// The shared lane's name.
pub const CLIENTS_LANE: &str = "clients";

/// How clients get lanes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClientLanes {
    /// One lane each while the diagram stays small, else one for all.
    #[default]
    Auto,
    Each,
    One,
}

#[derive(Debug)]
pub struct Lanes {
    names: Vec<String>,
    lane_of: HashMap<String, usize>,
    fold_clients: bool,
    pub width: f64,
    pub spacing: f64,
}

impl Lanes {
    pub fn new(events: &[JournalEvent], clients: ClientLanes) -> Self {
        let mut ids: Vec<&str> = events
            .iter()
            .flat_map(|e| [e.message.src.as_str(), e.message.dest.as_str()])
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let client_count = ids.iter().filter(|id| is_client_id(id)).count();
        let fold_clients = match clients {
            ClientLanes::Each => false,
            ClientLanes::One => client_count > 0,
            ClientLanes::Auto => client_count > 1 && ids.len() > MAX_SEPARATE_LANES,
        };
        let mut names: Vec<String> = ids
            .iter()
            .filter(|id| !(fold_clients && is_client_id(id)))
            .map(|id| id.to_string())
            .collect();
        names.sort_by_cached_key(|name| order_key(name));
        if fold_clients {
            names.insert(0, CLIENTS_LANE.to_string());
        }
        let count = names.len().max(1) as f64;
        let width = MIN_WIDTH.max(MARGIN_LEFT + MARGIN_RIGHT + count * MIN_SPACING);
        let spacing = (width - MARGIN_LEFT - MARGIN_RIGHT) / count;
        let lane_of = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Self {
            names,
            lane_of,
            fold_clients,
            width,
            spacing,
        }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The x coordinate of a participant's lane (a folded client's is the
    /// shared lane's).
    pub fn x_of(&self, id: &str) -> f64 {
        let lane = if self.fold_clients && is_client_id(id) {
            Some(0)
        } else {
            self.lane_of.get(id).copied()
        };
        self.x(lane.unwrap_or(0))
    }

    /// The lane of a participant with its own lane (not a folded client).
    pub fn lane(&self, id: &str) -> Option<usize> {
        self.lane_of.get(id).copied()
    }

    pub fn x(&self, lane: usize) -> f64 {
        MARGIN_LEFT + (lane as f64 + 0.5) * self.spacing
    }

    /// The most characters a lane label may have without reaching its neighbours'.
    pub fn label_chars(&self) -> usize {
        (((self.spacing - 8.0) / CHAR_WIDTH).floor() as usize).max(2)
    }
}

/// Sort key: (group, numeric suffix, name). The suffix is compared as a
/// number of arbitrary size: (digit count without leading zeros, digits).
fn order_key(name: &str) -> (u8, usize, String, String) {
    let prefix = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &name[prefix.len()..];
    if digits.is_empty() {
        return (2, 0, String::new(), name.to_string());
    }
    let significant = digits.trim_start_matches('0');
    let group = if is_client_id(name) { 0 } else { 1 };
    (
        group,
        significant.len(),
        significant.to_string(),
        name.to_string(),
    )
}
