//! Waiting on several futures at once: all of them ([`join_all`], [`join`]
//! for two of different types), the
//! first `k` successes ([`quorum`]), the first to finish ([`race`],
//! [`select`]). Futures are polled in the order given, so the RPCs they
//! send go out in that order and a seeded run replays exactly. Whatever is
//! still pending when a combinator resolves is dropped, which cancels its
//! RPCs and timers.

use crate::error::{Error, ErrorCode};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

type Boxed<F> = Pin<Box<F>>;

/// Polls each future still pending; returns `(index, output)` for every
/// one that finished during this poll, in index order.
fn poll_each<F: Future>(
    futures: &mut [Option<Boxed<F>>],
    cx: &mut Context<'_>,
) -> Vec<(usize, F::Output)> {
    let mut done = Vec::new();
    for (i, slot) in futures.iter_mut().enumerate() {
        if let Some(future) = slot {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                *slot = None;
                done.push((i, output));
            }
        }
    }
    done
}

fn boxed<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<Option<Boxed<F>>> {
    futures.into_iter().map(|f| Some(Box::pin(f))).collect()
}

/// Resolves to every output, in the order of `futures`, once all are done.
pub fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> JoinAll<F> {
    let futures = boxed(futures);
    let outputs = futures.iter().map(|_| None).collect();
    JoinAll { futures, outputs }
}

/// [`join_all`]'s future.
pub struct JoinAll<F: Future> {
    futures: Vec<Option<Boxed<F>>>,
    outputs: Vec<Option<F::Output>>,
}

// The futures are boxed and outputs are never pinned: moving the combinator
// moves no future, whatever the types.
impl<F: Future> Unpin for JoinAll<F> {}
impl<F, T, E> Unpin for Quorum<F, T, E> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let this = self.get_mut();
        for (i, output) in poll_each(&mut this.futures, cx) {
            this.outputs[i] = Some(output);
        }
        if this.futures.iter().any(Option::is_some) {
            return Poll::Pending;
        }
        Poll::Ready(this.outputs.drain(..).flatten().collect())
    }
}

/// Resolves to both outputs once `a` and `b` are done (`a` polled first).
pub fn join<A: Future, B: Future>(a: A, b: B) -> Join<A, B> {
    Join {
        a: Box::pin(a),
        b: Box::pin(b),
        a_out: None,
        b_out: None,
    }
}

/// [`join`]'s future.
pub struct Join<A: Future, B: Future> {
    a: Boxed<A>,
    b: Boxed<B>,
    a_out: Option<A::Output>,
    b_out: Option<B::Output>,
}

impl<A: Future, B: Future> Unpin for Join<A, B> {}

impl<A: Future, B: Future> Future for Join<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.a_out.is_none() {
            if let Poll::Ready(a) = this.a.as_mut().poll(cx) {
                this.a_out = Some(a);
            }
        }
        if this.b_out.is_none() {
            if let Poll::Ready(b) = this.b.as_mut().poll(cx) {
                this.b_out = Some(b);
            }
        }
        match (this.a_out.take(), this.b_out.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                (this.a_out, this.b_out) = (a, b);
                Poll::Pending
            }
        }
    }
}

/// Resolves once `k` of `futures` succeeded, with their values in the
/// order they came; or, as soon as `k` successes can no longer happen,
/// with the errors and the successes so far. The rest are dropped. `k = 0`
/// resolves at once; `k` above the number of futures fails at once.
pub fn quorum<T, E, F>(k: usize, futures: impl IntoIterator<Item = F>) -> Quorum<F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    Quorum {
        k,
        futures: boxed(futures),
        ok: Vec::new(),
        errors: Vec::new(),
    }
}

/// [`quorum`]'s future.
pub struct Quorum<F, T, E> {
    k: usize,
    futures: Vec<Option<Boxed<F>>>,
    ok: Vec<T>,
    errors: Vec<E>,
}

/// Too few of a [`quorum`]'s futures succeeded.
#[derive(Debug, Clone, PartialEq)]
pub struct QuorumFailed<T, E> {
    /// How many successes were needed.
    pub needed: usize,
    /// The successes there were, in the order they came.
    pub ok: Vec<T>,
    /// The failures, in the order they came.
    pub errors: Vec<E>,
}

impl<T, E: fmt::Display> fmt::Display for QuorumFailed<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "quorum not reached: {} of {} needed succeeded",
            self.ok.len(),
            self.needed
        )?;
        if let Some(first) = self.errors.first() {
            write!(f, " (first error: {first})")?;
        }
        Ok(())
    }
}

impl<T: fmt::Debug, E: fmt::Debug + fmt::Display> std::error::Error for QuorumFailed<T, E> {}

impl<T, E: fmt::Display> From<QuorumFailed<T, E>> for Error {
    /// Indefinite: the calls that did land may have taken effect.
    fn from(failed: QuorumFailed<T, E>) -> Self {
        Error::new(ErrorCode::Timeout, failed.to_string())
    }
}

impl<F, T, E> Future for Quorum<F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, QuorumFailed<T, E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.ok.len() < this.k {
            for (_, output) in poll_each(&mut this.futures, cx) {
                match output {
                    Ok(value) if this.ok.len() < this.k => this.ok.push(value),
                    Ok(_) => {}
                    Err(e) => this.errors.push(e),
                }
            }
        }
        let pending = this.futures.iter().filter(|f| f.is_some()).count();
        if this.ok.len() >= this.k {
            this.futures.clear();
            return Poll::Ready(Ok(std::mem::take(&mut this.ok)));
        }
        if this.ok.len() + pending < this.k {
            this.futures.clear();
            return Poll::Ready(Err(QuorumFailed {
                needed: this.k,
                ok: std::mem::take(&mut this.ok),
                errors: std::mem::take(&mut this.errors),
            }));
        }
        Poll::Pending
    }
}

/// Resolves with the index and output of the first of `futures` to finish
/// (the lowest index among those finishing in the same poll); the others
/// are dropped.
///
/// # Panics
/// When `futures` is empty: nothing could ever finish.
pub fn race<F: Future>(futures: impl IntoIterator<Item = F>) -> Race<F> {
    let futures = boxed(futures);
    assert!(!futures.is_empty(), "race of no futures would never finish");
    Race { futures }
}

/// [`race`]'s future.
pub struct Race<F> {
    futures: Vec<Option<Boxed<F>>>,
}

impl<F: Future> Future for Race<F> {
    type Output = (usize, F::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match poll_each(&mut this.futures, cx).into_iter().next() {
            Some(first) => {
                this.futures.clear();
                Poll::Ready(first)
            }
            None => Poll::Pending,
        }
    }
}

/// One of two outcomes, from [`select`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Resolves with whichever of `a` and `b` finishes first (`a` on a tie);
/// the other is dropped.
pub fn select<A: Future, B: Future>(a: A, b: B) -> Select<A, B> {
    Select {
        a: Box::pin(a),
        b: Box::pin(b),
    }
}

/// [`select`]'s future.
pub struct Select<A, B> {
    a: Boxed<A>,
    b: Boxed<B>,
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(a) = this.a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(a));
        }
        this.b.as_mut().poll(cx).map(Either::Right)
    }
}
