//! Terms, votes and roles. A follower that hears no leader for a randomized
//! election timeout stands as candidate in the next term; a candidate with
//! a majority of votes leads that term. At most one leader per term follows
//! from one vote per node per term; the leader holding every committed
//! entry follows from voting only for candidates whose log is at least as
//! up to date as the voter's (last term first, then length).
//!
//! Timeouts are drawn from the seeded [`Ctx::random_u64`], so a simulated
//! run replays exactly, and nodes rarely time out together (a split vote
//! just costs another timeout).

use super::log::Entry;
use super::{Msg, Raft};
use glomers_node::Ctx;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    Follower,
    Candidate {
        votes: BTreeSet<String>,
    },
    Leader {
        /// Per follower: the next index to send, and the highest index
        /// known to be replicated there.
        next: BTreeMap<String, u64>,
        matched: BTreeMap<String, u64>,
        /// When each follower last answered in this term (check-quorum).
        heard: BTreeMap<String, Duration>,
    },
}

impl Raft {
    /// Pushes the election deadline a fresh random timeout into the future
    /// (on hearing from the leader, granting a vote, standing).
    pub(super) fn reset_election_timer(&mut self, ctx: &mut Ctx<Self>) {
        let base = self.config.election.as_micros().max(1) as u64;
        let jitter = ctx.random_u64() % base;
        self.election_deadline = ctx.now() + Duration::from_micros(base + jitter);
    }

    /// One timer chases the deadline, rather than a cancel and re-arm on
    /// every heartbeat: when it fires early (the deadline moved) it just
    /// sleeps until the new deadline.
    pub(super) fn election_timer(&mut self, ctx: &mut Ctx<Self>) {
        if self.is_leader() {
            self.reset_election_timer(ctx);
        } else if ctx.now() >= self.election_deadline {
            self.start_election(ctx);
        }
        let wait = self.election_deadline.saturating_sub(ctx.now());
        ctx.after(wait, |node: &mut Self, ctx| node.election_timer(ctx));
    }

    fn start_election(&mut self, ctx: &mut Ctx<Self>) {
        self.term += 1;
        self.voted_for = Some(ctx.id().to_string());
        self.leader = None;
        self.role = Role::Candidate {
            votes: BTreeSet::from([ctx.id().to_string()]),
        };
        self.reset_election_timer(ctx);
        ctx.log(format!("term {}: standing for election", self.term));
        let request = Msg::RequestVote {
            term: self.term,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        let peers: Vec<String> = ctx.peers().cloned().collect();
        for peer in &peers {
            ctx.send(peer, &request);
        }
        if Self::majority(ctx) == 1 {
            self.become_leader(ctx);
        }
    }

    /// Adopts a newer term (forgetting the vote and leader of the old one)
    /// and becomes a follower. Clients waiting on entries keep waiting: see
    /// the module docs.
    pub(super) fn step_down(&mut self, ctx: &mut Ctx<Self>, term: u64) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.leader = None;
        }
        if !matches!(self.role, Role::Follower) {
            ctx.log(format!("term {}: following", self.term));
            self.role = Role::Follower;
        }
    }

    /// Check-quorum: has a majority (this leader included) answered within
    /// the last election timeout? A leader cut off from its majority cannot
    /// commit anything, so it stops taking requests (answering 11, definite,
    /// instead of an indefinite timeout later) and steps down.
    pub(super) fn has_quorum(&self, ctx: &Ctx<Self>) -> bool {
        let Role::Leader { heard, .. } = &self.role else {
            return false;
        };
        let since = ctx.now().saturating_sub(self.config.election);
        let recent = heard.values().filter(|at| **at >= since).count();
        1 + recent >= Self::majority(ctx)
    }

    pub(super) fn on_request_vote(
        &mut self,
        ctx: &mut Ctx<Self>,
        candidate: &str,
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
    ) {
        if term > self.term {
            self.step_down(ctx, term);
        }
        let granted = term == self.term
            && self.voted_for.as_deref().is_none_or(|v| v == candidate)
            && self.log.candidate_up_to_date(last_log_index, last_log_term);
        if granted {
            self.voted_for = Some(candidate.to_string());
            self.reset_election_timer(ctx);
        }
        let term = self.term;
        ctx.send(candidate, Msg::Vote { term, granted });
    }

    pub(super) fn on_vote(&mut self, ctx: &mut Ctx<Self>, voter: &str, term: u64, granted: bool) {
        if term > self.term {
            return self.step_down(ctx, term);
        }
        let majority = Self::majority(ctx);
        let Role::Candidate { votes } = &mut self.role else {
            return;
        };
        if term == self.term && granted {
            votes.insert(voter.to_string());
            if votes.len() >= majority {
                self.become_leader(ctx);
            }
        }
    }

    /// Leads the current term: appends a no-op so that entries of earlier
    /// terms commit with it (the leader may only count replicas of its own
    /// term's entries), and replicates at once rather than at the next
    /// heartbeat, which also tells the other candidates the election is over.
    fn become_leader(&mut self, ctx: &mut Ctx<Self>) {
        ctx.log(format!("term {}: leading", self.term));
        let next_index = self.log.last_index() + 1;
        let peers: Vec<String> = ctx.peers().cloned().collect();
        self.role = Role::Leader {
            next: peers.iter().map(|p| (p.clone(), next_index)).collect(),
            matched: peers.iter().map(|p| (p.clone(), 0)).collect(),
            // A majority just voted: count that as hearing from everyone.
            heard: peers.iter().map(|p| (p.clone(), ctx.now())).collect(),
        };
        self.leader = Some(ctx.id().to_string());
        if !self.config.flaws.commit_old_terms {
            self.log.push(Entry {
                term: self.term,
                op: None,
            });
        }
        self.broadcast_append(ctx);
        self.advance_commit(ctx);
    }
}
