//! Log replication. The leader sends each follower, once per heartbeat, one
//! AppendEntries with every entry from that follower's next index on (up to
//! `max_batch`): the heartbeat and the batch are the same message, so the
//! cost is two messages per follower per heartbeat whatever the load.
//!
//! A follower accepts only after the consistency check (it holds the
//! leader's entry at `prev_log_index` with `prev_log_term`), merges without
//! cutting entries that match, and commits up to the leader's commit index
//! but never past what this message proved it shares with the leader. The
//! leader commits an index once a majority holds it and its entry is of
//! the current term (Figure 8 rule); everything before it commits with it.

use super::log::Entry;
use super::{Msg, Raft, Role};
use glomers_node::Ctx;

impl Raft {
    pub(super) fn broadcast_append(&mut self, ctx: &mut Ctx<Self>) {
        let peers: Vec<String> = ctx.peers().cloned().collect();
        for peer in &peers {
            self.send_append(ctx, peer);
        }
    }

    pub(super) fn send_append(&mut self, ctx: &mut Ctx<Self>, peer: &str) {
        let Role::Leader { next, .. } = &self.role else {
            return;
        };
        let next_index = next.get(peer).copied().unwrap_or(1).max(1);
        let prev_log_index = next_index - 1;
        let msg = Msg::AppendEntries {
            term: self.term,
            prev_log_index,
            prev_log_term: self.log.term_at(prev_log_index).unwrap_or(0),
            entries: self.log.slice(next_index, self.config.max_batch).to_vec(),
            leader_commit: self.commit_index,
        };
        ctx.send(peer, msg);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_append(
        &mut self,
        ctx: &mut Ctx<Self>,
        leader: &str,
        term: u64,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: &[Entry],
        leader_commit: u64,
    ) {
        if term < self.term {
            // A deposed leader: our term tells it to step down.
            let term = self.term;
            let reply = Msg::Appended {
                term,
                success: false,
                index: 0,
            };
            return ctx.send(leader, reply);
        }
        // The term's leader exists: candidates and (impossible) leaders of
        // this term follow it.
        self.step_down(ctx, term);
        self.leader = Some(leader.to_string());
        self.leader_heard = ctx.now();
        self.reset_election_timer(ctx);
        let reply = if self.log.matches(prev_log_index, prev_log_term) {
            let shared = self.log.merge(prev_log_index, entries);
            let commit = leader_commit.min(shared);
            if commit > self.commit_index {
                self.commit_index = commit;
                self.apply_committed(ctx);
            }
            Msg::Appended {
                term,
                success: true,
                index: shared,
            }
        } else {
            Msg::Appended {
                term,
                success: false,
                index: self.log.retry_hint(prev_log_index),
            }
        };
        ctx.send(leader, reply);
    }

    pub(super) fn on_appended(
        &mut self,
        ctx: &mut Ctx<Self>,
        follower: &str,
        term: u64,
        success: bool,
        index: u64,
    ) {
        if term > self.term {
            return self.step_down(ctx, term);
        }
        if term < self.term {
            return; // an answer to an older term's leader
        }
        let now = ctx.now();
        let Role::Leader {
            next,
            matched,
            heard,
        } = &mut self.role
        else {
            return;
        };
        heard.insert(follower.to_string(), now);
        let (Some(next), Some(matched)) = (next.get_mut(follower), matched.get_mut(follower))
        else {
            return;
        };
        if success {
            // Answers may arrive out of order: only ever move forward.
            *matched = (*matched).max(index);
            *next = (*next).max(index + 1);
            self.advance_commit(ctx);
        } else {
            // Back off, but never below what the follower is known to hold,
            // and retry at once: catching up should not wait a heartbeat
            // per term skipped.
            let retry = (*next).min(index).max(*matched + 1);
            if retry < *next {
                *next = retry;
                self.send_append(ctx, follower);
            }
        }
    }

    /// Commits the highest index a majority holds whose entry is of the
    /// current term (any term with the `commit_old_terms` flaw), then
    /// applies.
    pub(super) fn advance_commit(&mut self, ctx: &mut Ctx<Self>) {
        let Role::Leader { matched, .. } = &self.role else {
            return;
        };
        let majority = Self::majority(ctx);
        let mut index = self.log.last_index();
        while index > self.commit_index {
            let own_term = self.log.term_at(index) == Some(self.term);
            if !own_term && !self.config.flaws.commit_old_terms {
                // Everything below is of earlier terms too: nothing to count.
                return;
            }
            let holders = 1 + matched.values().filter(|m| **m >= index).count();
            if holders >= majority {
                break;
            }
            index -= 1;
        }
        if index > self.commit_index {
            self.commit_index = index;
            self.apply_committed(ctx);
        }
    }
}
