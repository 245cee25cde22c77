//! The broadcast node's overlay, driven in-process through the runtime:
//! the hub sends one `down` per leaf per beat and only when there is news,
//! leaves batch their values into one `up` per slot once the hub's feedback
//! has placed the slot, and quiet leaves acknowledge on their own.

use glomers_challenges::broadcast::{profile::Profile, Broadcast};
use glomers_node::{Output, Runtime};
use serde_json::{json, Value};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

/// A node with round numbers the tests can follow by hand: 400 ms rounds,
/// ups aimed 25 ms before the beat.
fn node(id: &str) -> Runtime<Broadcast> {
    let profile = Profile::with_round(400 * MS);
    let mut rt = Runtime::new(Broadcast::new(profile), 1);
    let init = json!({"src": "c0", "dest": id, "body": {"type": "init", "msg_id": 1,
        "node_id": id, "node_ids": ["n0", "n1", "n2"]}});
    rt.handle_line(&init.to_string(), Duration::ZERO);
    sent(&mut rt); // init_ok
    rt
}

/// Lines the node wrote, parsed.
fn sent(rt: &mut Runtime<Broadcast>) -> Vec<Value> {
    rt.drain_output()
        .filter_map(|o| match o {
            Output::Line(l) => serde_json::from_str(&l).ok(),
            Output::Log(_) => None,
        })
        .collect()
}

/// Runs timers up to `until` in 1 ms steps, collecting what is sent.
fn run_until(rt: &mut Runtime<Broadcast>, from: Duration, until: Duration) -> Vec<Value> {
    let mut out = Vec::new();
    let mut t = from;
    while t <= until {
        rt.handle_timeouts(t);
        out.extend(sent(rt));
        t += MS;
    }
    out
}

fn deliver(
    rt: &mut Runtime<Broadcast>,
    src: &str,
    dest: &str,
    body: Value,
    at: Duration,
) -> Vec<Value> {
    let line = json!({"src": src, "dest": dest, "body": body});
    rt.handle_line(&line.to_string(), at);
    sent(rt)
}

fn of_type<'a>(msgs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    msgs.iter().filter(|m| m["body"]["type"] == kind).collect()
}

#[test]
fn hub_sends_one_down_per_leaf_per_beat_and_only_with_news() {
    let mut hub = node("n0");
    let up = json!({"type": "up", "values": [1, 2], "ack": 0, "sent_us": 0});
    deliver(&mut hub, "n1", "n0", up, 50 * MS);
    deliver(
        &mut hub,
        "c9",
        "n0",
        json!({"type": "broadcast", "message": 3, "msg_id": 1}),
        60 * MS,
    );
    let first = run_until(&mut hub, 61 * MS, 400 * MS);
    let downs = of_type(&first, "down");
    assert_eq!(downs.len(), 2, "one per leaf: {first:?}");
    for d in &downs {
        assert_eq!(d["body"]["values"], json!([1, 2, 3]));
        assert_eq!(d["body"]["upto"], 3);
    }
    let to_n1 = downs
        .iter()
        .find(|d| d["dest"] == "n1")
        .expect("n1 gets one");
    assert_eq!(
        to_n1["body"]["timing"]["early_us"], 350_000,
        "n1's up came 350 ms before the beat"
    );
    // Nothing new: the next beats send nothing until the resend timer (2.5 rounds).
    let quiet = run_until(&mut hub, 401 * MS, 1_199 * MS);
    assert!(of_type(&quiet, "down").is_empty(), "{quiet:?}");
    let resend = run_until(&mut hub, 1_200 * MS, 1_600 * MS);
    let resent = of_type(&resend, "down");
    assert_eq!(resent.len(), 2);
    assert!(resent.iter().all(|d| d["body"]["want_ack"] == true));
    // A leaf that acknowledged everything is not resent to.
    deliver(
        &mut hub,
        "n1",
        "n0",
        json!({"type": "up", "values": [], "ack": 3, "sent_us": 1_000}),
        1_700 * MS,
    );
    deliver(
        &mut hub,
        "n2",
        "n0",
        json!({"type": "up", "values": [], "ack": 3, "sent_us": 1_000}),
        1_700 * MS,
    );
    assert!(of_type(&run_until(&mut hub, 1_701 * MS, 4_000 * MS), "down").is_empty());
}

#[test]
fn leaf_batches_values_into_its_slot_after_feedback() {
    let mut leaf = node("n1");
    // First value: no slot known yet, so it goes out at once.
    let out = deliver(
        &mut leaf,
        "c9",
        "n1",
        json!({"type": "broadcast", "message": 1, "msg_id": 1}),
        10 * MS,
    );
    assert_eq!(of_type(&out, "broadcast_ok").len(), 1);
    let out = [out, run_until(&mut leaf, 10 * MS, 10 * MS)].concat();
    let ups = of_type(&out, "up");
    assert_eq!(ups.len(), 1);
    assert_eq!(ups[0]["body"]["values"], json!([1]));
    // The hub's beat reaches us at 200 ms: our up (sent at 10) arrived 80 ms early.
    let down = json!({"type": "down", "values": [1], "upto": 1, "want_ack": false,
        "timing": {"sent_us": 10_000, "early_us": 80_000}});
    deliver(&mut leaf, "n0", "n1", down, 200 * MS);
    // Three values within the next round leave in a single up.
    for (i, t) in [(2, 210), (3, 250), (4, 300)] {
        deliver(
            &mut leaf,
            "c9",
            "n1",
            json!({"type": "broadcast", "message": i, "msg_id": i}),
            t * MS,
        );
    }
    let out = run_until(&mut leaf, 300 * MS, 599 * MS);
    let ups = of_type(&out, "up");
    assert_eq!(ups.len(), 1, "{out:?}");
    assert_eq!(ups[0]["body"]["values"], json!([2, 3, 4]));
    assert_eq!(ups[0]["body"]["ack"], 1);
    // Slot: sent 10 + early 80 + round 400 - margin 25 = 465 ms.
    assert_eq!(ups[0]["body"]["sent_us"], 465_000);
    // Reads are answered locally with everything seen.
    let read = deliver(
        &mut leaf,
        "c9",
        "n1",
        json!({"type": "read", "msg_id": 9}),
        600 * MS,
    );
    assert_eq!(read[0]["body"]["messages"], json!([1, 2, 3, 4]));
}

#[test]
fn leaf_retries_until_confirmed_and_acknowledges_when_the_hub_goes_quiet() {
    let mut leaf = node("n2");
    deliver(
        &mut leaf,
        "c9",
        "n2",
        json!({"type": "broadcast", "message": 7, "msg_id": 1}),
        Duration::ZERO,
    );
    // No down ever comes (partition): the value is resent every 1.5 rounds.
    let out = [
        sent(&mut leaf),
        run_until(&mut leaf, Duration::ZERO, 2_000 * MS),
    ]
    .concat();
    let ups = of_type(&out, "up");
    assert!(ups.len() >= 3, "{ups:?}");
    assert!(ups.iter().all(|u| u["body"]["values"] == json!([7])));
    // Confirmed by a down carrying it: no more sends, except one acknowledgement
    // once the hub has been quiet for 1.5 rounds.
    let down = json!({"type": "down", "values": [5, 7], "upto": 2, "want_ack": false});
    deliver(&mut leaf, "n0", "n2", down, 2_050 * MS);
    let out = run_until(&mut leaf, 2_050 * MS, 5_000 * MS);
    let ups = of_type(&out, "up");
    assert_eq!(ups.len(), 1, "{out:?}");
    assert_eq!(ups[0]["body"]["values"], json!([]));
    assert_eq!(ups[0]["body"]["ack"], 2);
    assert_eq!(ups[0]["body"]["sent_us"], 2_650_000);
}

/// The slot follows the hub's reports: an `up` that arrived late moves every
/// later slot earlier by the whole shortfall at once; one that arrived too
/// early moves them later by only a quarter of the excess, so a single
/// quick hop does not undo the room a slow one asked for.
#[test]
fn leaf_moves_its_slot_earlier_at_once_and_later_slowly() {
    let mut leaf = node("n1");
    let broadcast = |leaf: &mut Runtime<Broadcast>, value: u64, at: Duration| {
        deliver(
            leaf,
            "c9",
            "n1",
            json!({"type": "broadcast", "message": value, "msg_id": value}),
            at,
        );
    };
    let report = |leaf: &mut Runtime<Broadcast>, upto: u64, sent_us: u64, early_us: u64, at| {
        let down = json!({"type": "down", "values": [], "upto": upto, "want_ack": false,
            "timing": {"sent_us": sent_us, "early_us": early_us}});
        deliver(leaf, "n0", "n1", down, at);
    };
    let next_up_at = |leaf: &mut Runtime<Broadcast>, from: Duration, until: Duration| {
        let out = run_until(leaf, from, until);
        let ups = of_type(&out, "up");
        assert_eq!(ups.len(), 1, "{out:?}");
        ups[0]["body"]["sent_us"].as_u64().expect("sent_us")
    };
    broadcast(&mut leaf, 1, 10 * MS);
    sent(&mut leaf);
    // Sent at 10 ms, arrived 80 ms early: slots at 465 + k·400 ms.
    report(&mut leaf, 1, 10_000, 80_000, 200 * MS);
    broadcast(&mut leaf, 2, 300 * MS);
    assert_eq!(next_up_at(&mut leaf, 300 * MS, 700 * MS), 465_000);
    // That up arrived only 15 ms early (10 ms late): the slot moves 10 ms earlier.
    report(&mut leaf, 2, 465_000, 15_000, 600 * MS);
    broadcast(&mut leaf, 3, 700 * MS);
    assert_eq!(next_up_at(&mut leaf, 700 * MS, 1_100 * MS), 855_000);
    // This one arrived 45 ms early (20 ms more than needed): 5 ms later only.
    report(&mut leaf, 3, 855_000, 45_000, 1_000 * MS);
    broadcast(&mut leaf, 4, 1_100 * MS);
    assert_eq!(next_up_at(&mut leaf, 1_100 * MS, 1_500 * MS), 1_260_000);
}
