//! Whom to answer: [`Origin`], what [`crate::Ctx::reply`] takes (a
//! [`crate::Request`], or the owned [`ReplyTo`] kept to answer later from a
//! callback or a task).

/// An owned handle for answering a request later (from a callback, a timer
/// or an async task): who sent it and the `msg_id` to answer. Take it with
/// [`Origin::reply_to`]; [`crate::Ctx::reply`] accepts it like the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReplyTo {
    pub src: String,
    pub msg_id: Option<u64>,
}

/// Something that can be answered: a [`crate::Request`] or a [`ReplyTo`].
pub trait Origin {
    /// The sender and the `msg_id` a reply's `in_reply_to` names.
    fn origin(&self) -> (&str, Option<u64>);

    /// An owned copy, to answer later.
    fn reply_to(&self) -> ReplyTo {
        let (src, msg_id) = self.origin();
        ReplyTo {
            src: src.to_string(),
            msg_id,
        }
    }
}

impl Origin for ReplyTo {
    fn origin(&self) -> (&str, Option<u64>) {
        (&self.src, self.msg_id)
    }
}
