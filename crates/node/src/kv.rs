//! A client for Maelstrom's key-value services `seq-kv`, `lin-kv` and
//! `lww-kv`: `read`, `write` and `cas` (with `create_if_not_exists`), with the
//! definite errors 20 (key does not exist) and 22 (precondition failed) as
//! typed variants. Every call is an RPC through [`Ctx::rpc`], so it works the
//! same on stdio and in simulation.

use crate::ctx::{Ctx, RpcError};
use crate::error::{Error, ErrorCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// Requests understood by the KV services, as a node sends them. (The
/// bench's services parse requests on their own, as leniently as Maelstrom:
/// a missing key is `null`, `create_if_not_exists` is Clojure-truthy.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KvRequest {
    Read {
        #[serde(default)]
        key: Value,
    },
    Write {
        #[serde(default)]
        key: Value,
        value: Value,
    },
    Cas {
        #[serde(default)]
        key: Value,
        from: Value,
        to: Value,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        create_if_not_exists: Value,
    },
}

/// Successful replies of the KV services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KvResponse {
    ReadOk { value: Value },
    WriteOk,
    CasOk,
}

/// Why a KV operation failed.
#[derive(Debug, Clone, PartialEq)]
pub enum KvError {
    /// Code 20: the key is absent (definite).
    KeyDoesNotExist,
    /// Code 22: the CAS `from` did not match; the text names the current value (definite).
    PreconditionFailed(String),
    /// No answer in time: the write may or may not have happened.
    Timeout,
    /// Any other error reply.
    Other(Error),
    /// The reply did not have the expected shape.
    Malformed(String),
}

impl From<RpcError> for KvError {
    fn from(e: RpcError) -> Self {
        match e {
            RpcError::Timeout => Self::Timeout,
            RpcError::Remote(err) => match err.code {
                ErrorCode::KeyDoesNotExist => Self::KeyDoesNotExist,
                ErrorCode::PreconditionFailed => Self::PreconditionFailed(err.text),
                _ => Self::Other(err),
            },
            RpcError::Malformed(m) => Self::Malformed(m),
        }
    }
}

impl std::fmt::Display for KvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::KeyDoesNotExist => write!(f, "key does not exist"),
            Self::PreconditionFailed(t) => write!(f, "precondition failed: {t}"),
            Self::Timeout => write!(f, "kv request timed out"),
            Self::Other(e) => write!(f, "{e}"),
            Self::Malformed(m) => write!(f, "malformed kv reply: {m}"),
        }
    }
}

/// A handle on one KV service. Cheap to copy; holds no state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kv {
    service: &'static str,
    timeout: Duration,
}

impl Kv {
    /// Sequentially consistent store: reads may be stale, never go backwards.
    pub const fn seq() -> Self {
        Self::named("seq-kv")
    }
    /// Linearizable store.
    pub const fn lin() -> Self {
        Self::named("lin-kv")
    }
    /// Last-write-wins store (may lose writes, never creates on CAS).
    pub const fn lww() -> Self {
        Self::named("lww-kv")
    }
    const fn named(service: &'static str) -> Self {
        Self {
            service,
            timeout: Duration::from_secs(1),
        }
    }

    /// The service id messages are addressed to.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Sets how long each request waits before failing with [`KvError::Timeout`].
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    /// Reads `key` and decodes its value as `T`.
    pub fn read<N, T: DeserializeOwned + 'static>(
        &self,
        ctx: &mut Ctx<N>,
        key: impl Serialize,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<T, KvError>) + 'static,
    ) {
        let request = KvRequest::Read { key: to_value(key) };
        self.call(ctx, request, then, |response| match response {
            KvResponse::ReadOk { value } => {
                serde_json::from_value(value).map_err(|e| KvError::Malformed(e.to_string()))
            }
            other => Err(KvError::Malformed(format!(
                "expected read_ok, got {other:?}"
            ))),
        });
    }

    /// Sets `key` to `value` unconditionally.
    pub fn write<N>(
        &self,
        ctx: &mut Ctx<N>,
        key: impl Serialize,
        value: impl Serialize,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<(), KvError>) + 'static,
    ) {
        let request = KvRequest::Write {
            key: to_value(key),
            value: to_value(value),
        };
        self.expect_ack(ctx, request, KvResponse::WriteOk, then);
    }

    /// Sets `key` to `to` if it currently holds `from`; with
    /// `create_if_not_exists`, a missing key is created with `to` (not on lww-kv).
    pub fn cas<N>(
        &self,
        ctx: &mut Ctx<N>,
        key: impl Serialize,
        from: impl Serialize,
        to: impl Serialize,
        create_if_not_exists: bool,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<(), KvError>) + 'static,
    ) {
        let request = KvRequest::Cas {
            key: to_value(key),
            from: to_value(from),
            to: to_value(to),
            create_if_not_exists: if create_if_not_exists {
                Value::Bool(true)
            } else {
                Value::Null
            },
        };
        self.expect_ack(ctx, request, KvResponse::CasOk, then);
    }

    fn expect_ack<N>(
        &self,
        ctx: &mut Ctx<N>,
        request: KvRequest,
        expected: KvResponse,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<(), KvError>) + 'static,
    ) {
        self.call(ctx, request, then, move |got| {
            if got == expected {
                Ok(())
            } else {
                Err(KvError::Malformed(format!(
                    "expected {expected:?}, got {got:?}"
                )))
            }
        });
    }

    /// Sends `request`; turns error replies into [`KvError`]s and successful
    /// ones into `T` with `accept`.
    fn call<N, T>(
        &self,
        ctx: &mut Ctx<N>,
        request: KvRequest,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<T, KvError>) + 'static,
        accept: impl FnOnce(KvResponse) -> Result<T, KvError> + 'static,
    ) {
        ctx.rpc(
            self.service,
            request,
            self.timeout,
            move |node, ctx, reply| {
                let result = reply
                    .map_err(KvError::from)
                    .and_then(|r| r.decode::<KvResponse>().map_err(KvError::from))
                    .and_then(accept);
                then(node, ctx, result)
            },
        );
    }
}

fn to_value(v: impl Serialize) -> Value {
    // Keys and values are plain data; a type that cannot become JSON is a
    // programming error in the node, reported as null rather than a panic.
    serde_json::to_value(v).unwrap_or(Value::Null)
}
