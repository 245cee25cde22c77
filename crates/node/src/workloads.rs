//! Typed message bodies for every Maelstrom workload, exactly as the workload
//! schemas define them (`type` is the serde tag). Request enums are what a
//! node's [`crate::Node::Msg`] usually is; response enums are what it replies.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Challenge 1: `echo`.
pub mod echo {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Request {
        Echo { echo: Value },
    }
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Response {
        EchoOk { echo: Value },
    }
}

/// Challenge 2: `unique-ids`.
pub mod unique_ids {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Request {
        Generate,
    }
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Response {
        GenerateOk { id: Value },
    }
}

/// Challenge 3: `broadcast`.
pub mod broadcast {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Request {
        Topology {
            topology: BTreeMap<String, Vec<String>>,
        },
        Broadcast {
            message: Value,
        },
        Read,
    }
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Response {
        TopologyOk,
        BroadcastOk,
        ReadOk { messages: Vec<Value> },
    }
}

/// `g-set`.
pub mod g_set {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Request {
        Add { element: Value },
        Read,
    }
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Response {
        AddOk,
        ReadOk { value: Vec<Value> },
    }
}

/// Challenge 4: `g-counter` and `pn-counter`.
pub mod counter {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Request {
        Add { delta: i64 },
        Read,
    }
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Response {
        AddOk,
        ReadOk { value: i64 },
    }
}

/// Challenge 5: `kafka`.
pub mod kafka {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Request {
        Send { key: String, msg: Value },
        Poll { offsets: BTreeMap<String, u64> },
        CommitOffsets { offsets: BTreeMap<String, u64> },
        ListCommittedOffsets { keys: Vec<String> },
    }
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Response {
        SendOk {
            offset: u64,
        },
        PollOk {
            msgs: BTreeMap<String, Vec<(u64, Value)>>,
        },
        CommitOffsetsOk,
        ListCommittedOffsetsOk {
            offsets: BTreeMap<String, u64>,
        },
    }
}

/// Challenge 6: `txn-rw-register` (micro-ops `["r", k, null]`, `["w", k, v]`).
pub mod txn {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Request {
        Txn { txn: Vec<(String, Value, Value)> },
    }
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Response {
        TxnOk { txn: Vec<(String, Value, Value)> },
    }
}

/// `lin-kv`: one linearizable register per key (Maelstrom's key-value
/// workload; the same bodies the `lin-kv` service answers).
pub mod lin_kv {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Request {
        Read { key: Value },
        Write { key: Value, value: Value },
        Cas { key: Value, from: Value, to: Value },
    }
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Response {
        ReadOk { value: Value },
        WriteOk,
        CasOk,
    }
}
