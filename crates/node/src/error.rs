//! Maelstrom's error codes and the `error` reply body.
//!
//! Codes 0–999 are Maelstrom's; each is either *definite* (the operation did
//! not and never will happen) or *indefinite* (it may have). Checkers rely on
//! that distinction, so a node must never answer a definite error for work
//! that might have taken effect.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The full table of Maelstrom error codes, plus application codes (≥ 1000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Timeout,
    NodeNotFound,
    NotSupported,
    TemporarilyUnavailable,
    MalformedRequest,
    Crash,
    Abort,
    KeyDoesNotExist,
    KeyAlreadyExists,
    PreconditionFailed,
    TxnConflict,
    /// Any other code; Maelstrom treats these as indefinite.
    Other(i64),
}

impl ErrorCode {
    pub fn code(self) -> i64 {
        match self {
            Self::Timeout => 0,
            Self::NodeNotFound => 1,
            Self::NotSupported => 10,
            Self::TemporarilyUnavailable => 11,
            Self::MalformedRequest => 12,
            Self::Crash => 13,
            Self::Abort => 14,
            Self::KeyDoesNotExist => 20,
            Self::KeyAlreadyExists => 21,
            Self::PreconditionFailed => 22,
            Self::TxnConflict => 30,
            Self::Other(code) => code,
        }
    }

    pub fn from_code(code: i64) -> Self {
        match code {
            0 => Self::Timeout,
            1 => Self::NodeNotFound,
            10 => Self::NotSupported,
            11 => Self::TemporarilyUnavailable,
            12 => Self::MalformedRequest,
            13 => Self::Crash,
            14 => Self::Abort,
            20 => Self::KeyDoesNotExist,
            21 => Self::KeyAlreadyExists,
            22 => Self::PreconditionFailed,
            30 => Self::TxnConflict,
            other => Self::Other(other),
        }
    }

    /// Maelstrom's name for the code, as it appears in histories.
    pub fn name(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::NodeNotFound => "node-not-found",
            Self::NotSupported => "not-supported",
            Self::TemporarilyUnavailable => "temporarily-unavailable",
            Self::MalformedRequest => "malformed-request",
            Self::Crash => "crash",
            Self::Abort => "abort",
            Self::KeyDoesNotExist => "key-does-not-exist",
            Self::KeyAlreadyExists => "key-already-exists",
            Self::PreconditionFailed => "precondition-failed",
            Self::TxnConflict => "txn-conflict",
            Self::Other(_) => "unknown",
        }
    }

    /// True when the error guarantees the operation did not take effect.
    pub fn is_definite(self) -> bool {
        !matches!(self, Self::Timeout | Self::Crash | Self::Other(_))
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.code())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        i64::deserialize(d).map(Self::from_code)
    }
}

/// An `error` body: `{"type": "error", "code": 22, "text": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "error")]
pub struct Error {
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl Error {
    pub fn new(code: ErrorCode, text: impl Into<String>) -> Self {
        Self {
            code,
            text: text.into(),
        }
    }
    pub fn not_supported(text: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotSupported, text)
    }
    pub fn malformed(text: impl Into<String>) -> Self {
        Self::new(ErrorCode::MalformedRequest, text)
    }
    pub fn unavailable(text: impl Into<String>) -> Self {
        Self::new(ErrorCode::TemporarilyUnavailable, text)
    }
    pub fn crash(text: impl Into<String>) -> Self {
        Self::new(ErrorCode::Crash, text)
    }
    pub fn abort(text: impl Into<String>) -> Self {
        Self::new(ErrorCode::Abort, text)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error {} ({}): {}",
            self.code.code(),
            self.code.name(),
            self.text
        )
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_definiteness_matches_maelstrom() {
        for code in [0, 1, 10, 11, 12, 13, 14, 20, 21, 22, 30, 1000] {
            assert_eq!(ErrorCode::from_code(code).code(), code);
        }
        let indefinite: Vec<i64> = [0, 1, 10, 11, 12, 13, 14, 20, 21, 22, 30, 1000]
            .into_iter()
            .filter(|c| !ErrorCode::from_code(*c).is_definite())
            .collect();
        assert_eq!(indefinite, vec![0, 13, 1000]);
    }

    #[test]
    fn error_body_shape() {
        let body = serde_json::to_value(Error::new(ErrorCode::PreconditionFailed, "no"))
            .expect("serializes");
        assert_eq!(
            body,
            serde_json::json!({"type": "error", "code": 22, "text": "no"})
        );
    }
}
