//! A client for Maelstrom's key-value services `seq-kv`, `lin-kv` and
//! `lww-kv`: `read`, `write` and `cas` (with `create_if_not_exists`), with the
//! definite errors 20 (key does not exist) and 22 (precondition failed) as
//! typed variants. Every call is an RPC through [`Ctx::rpc`], so it works the
//! same on stdio and in simulation. [`Kv`] takes callbacks; [`KvClient`]
//! (from [`Kv::on`]) is the same client for async code.
//!
//! Each request times out after [`Kv::DEFAULT_TIMEOUT`] (1 s) unless set
//! with [`Kv::with_timeout`]. A service call is a round trip, so under
//! `--latency L` (milliseconds each way) the timeout must exceed 2·L: with
//! `--latency 600` every call at the default times out.

use crate::ctx::{Ctx, Outcome, Reply, RpcError};
use crate::error::{Error, ErrorCode};
use crate::handle::Handle;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
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

impl From<KvError> for Error {
    /// The error to answer a client with: the service's own definite codes
    /// pass through; a timeout or a reply we could not read is indefinite
    /// (the operation may have happened).
    fn from(e: KvError) -> Self {
        match e {
            KvError::KeyDoesNotExist => Error::new(ErrorCode::KeyDoesNotExist, e.to_string()),
            KvError::PreconditionFailed(text) => Error::new(ErrorCode::PreconditionFailed, text),
            KvError::Timeout => Error::new(ErrorCode::Timeout, e.to_string()),
            KvError::Other(error) => error,
            KvError::Malformed(_) => Error::crash(e.to_string()),
        }
    }
}

impl std::error::Error for KvError {}

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

/// What a `cas` does when the key is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMissing {
    /// Fail with [`KvError::KeyDoesNotExist`].
    Fail,
    /// Create the key holding `to` (`create_if_not_exists`; `lww-kv`
    /// ignores it).
    Create,
}

/// A handle on one KV service. Cheap to copy; holds no state; can be a
/// `const` (`const KV: Kv = Kv::lin().with_timeout(...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kv {
    service: &'static str,
    timeout: Duration,
}

impl Kv {
    /// How long a request waits for its answer unless set otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

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
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// The service id messages are addressed to.
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// How long each request waits before failing with [`KvError::Timeout`].
    pub const fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sets how long each request waits before failing with
    /// [`KvError::Timeout`] (default [`Kv::DEFAULT_TIMEOUT`]).
    pub const fn with_timeout(self, timeout: Duration) -> Self {
        Self {
            service: self.service,
            timeout,
        }
    }

    /// This client for async code on `handle`'s node.
    pub fn on<N: 'static>(self, handle: &Handle<N>) -> KvClient<N> {
        KvClient {
            kv: self,
            handle: handle.clone(),
        }
    }

    /// Reads `key` and decodes its value as `T`.
    pub fn read<N, T: DeserializeOwned + 'static, O: Outcome>(
        &self,
        ctx: &mut Ctx<N>,
        key: impl Serialize,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<T, KvError>) -> O + 'static,
    ) {
        let request = KvRequest::Read { key: to_value(key) };
        self.call(ctx, request, then, read_value);
    }

    /// Sets `key` to `value` unconditionally.
    pub fn write<N, O: Outcome>(
        &self,
        ctx: &mut Ctx<N>,
        key: impl Serialize,
        value: impl Serialize,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<(), KvError>) -> O + 'static,
    ) {
        let request = KvRequest::Write {
            key: to_value(key),
            value: to_value(value),
        };
        self.call(ctx, request, then, |reply| ack(reply, KvResponse::WriteOk));
    }

    /// Sets `key` to `to` if it currently holds `from`; a missing key fails
    /// or is created holding `to`, as `if_missing` says.
    pub fn cas<N, O: Outcome>(
        &self,
        ctx: &mut Ctx<N>,
        key: impl Serialize,
        from: impl Serialize,
        to: impl Serialize,
        if_missing: IfMissing,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<(), KvError>) -> O + 'static,
    ) {
        let request = cas_request(key, from, to, if_missing);
        self.call(ctx, request, then, |reply| ack(reply, KvResponse::CasOk));
    }

    /// Sends `request`; `accept` turns the reply into the result.
    fn call<N, T, O: Outcome>(
        &self,
        ctx: &mut Ctx<N>,
        request: KvRequest,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<T, KvError>) -> O + 'static,
        accept: impl FnOnce(Result<Reply, RpcError>) -> Result<T, KvError> + 'static,
    ) {
        ctx.rpc(
            self.service,
            request,
            self.timeout,
            move |node, ctx, reply| then(node, ctx, accept(reply)),
        );
    }
}

/// [`Kv`] for async code: the same requests, awaited. Get one with
/// [`Kv::on`]. Every future owns its arguments (`'static`), so several can
/// be joined; the request is sent when the future is first awaited.
pub struct KvClient<N: 'static> {
    kv: Kv,
    handle: Handle<N>,
}

impl<N: 'static> Clone for KvClient<N> {
    fn clone(&self) -> Self {
        Self {
            kv: self.kv,
            handle: self.handle.clone(),
        }
    }
}

impl<N: 'static> KvClient<N> {
    /// Reads `key` and decodes its value as `T`.
    pub fn read<T: DeserializeOwned>(
        &self,
        key: impl Serialize,
    ) -> impl Future<Output = Result<T, KvError>> + 'static {
        let reply = self.send(KvRequest::Read { key: to_value(key) });
        async move { read_value(reply.await) }
    }

    /// Reads `key`, or gives `default` when it does not exist.
    pub fn read_or<T: DeserializeOwned + 'static>(
        &self,
        key: impl Serialize,
        default: T,
    ) -> impl Future<Output = Result<T, KvError>> + 'static {
        let read = self.read(key);
        async move {
            match read.await {
                Err(KvError::KeyDoesNotExist) => Ok(default),
                other => other,
            }
        }
    }

    /// Sets `key` to `value` unconditionally.
    pub fn write(
        &self,
        key: impl Serialize,
        value: impl Serialize,
    ) -> impl Future<Output = Result<(), KvError>> + 'static {
        let reply = self.send(KvRequest::Write {
            key: to_value(key),
            value: to_value(value),
        });
        async move { ack(reply.await, KvResponse::WriteOk) }
    }

    /// Sets `key` to `to` if it holds `from`; see [`Kv::cas`].
    pub fn cas(
        &self,
        key: impl Serialize,
        from: impl Serialize,
        to: impl Serialize,
        if_missing: IfMissing,
    ) -> impl Future<Output = Result<(), KvError>> + 'static {
        let reply = self.send(cas_request(key, from, to, if_missing));
        async move { ack(reply.await, KvResponse::CasOk) }
    }

    fn send(&self, request: KvRequest) -> crate::handle::Rpc<N> {
        self.handle.rpc(self.kv.service, request, self.kv.timeout)
    }
}

fn cas_request(
    key: impl Serialize,
    from: impl Serialize,
    to: impl Serialize,
    if_missing: IfMissing,
) -> KvRequest {
    KvRequest::Cas {
        key: to_value(key),
        from: to_value(from),
        to: to_value(to),
        create_if_not_exists: match if_missing {
            IfMissing::Create => Value::Bool(true),
            IfMissing::Fail => Value::Null,
        },
    }
}

/// A service reply decoded: errors become [`KvError`]s.
fn response(reply: Result<Reply, RpcError>) -> Result<KvResponse, KvError> {
    reply?.decode::<KvResponse>().map_err(KvError::from)
}

fn read_value<T: DeserializeOwned>(reply: Result<Reply, RpcError>) -> Result<T, KvError> {
    match response(reply)? {
        KvResponse::ReadOk { value } => {
            serde_json::from_value(value).map_err(|e| KvError::Malformed(e.to_string()))
        }
        other => Err(KvError::Malformed(format!(
            "expected read_ok, got {other:?}"
        ))),
    }
}

fn ack(reply: Result<Reply, RpcError>, expected: KvResponse) -> Result<(), KvError> {
    let got = response(reply)?;
    if got == expected {
        Ok(())
    } else {
        Err(KvError::Malformed(format!(
            "expected {expected:?}, got {got:?}"
        )))
    }
}

fn to_value(v: impl Serialize) -> Value {
    // Keys and values are plain data; a type that cannot become JSON is a
    // programming error in the node, reported as null rather than a panic.
    serde_json::to_value(v).unwrap_or(Value::Null)
}
