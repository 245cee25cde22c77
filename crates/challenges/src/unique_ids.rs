//! Challenge 2, unique ids: every node mints ids as
//! `<node id>-<boot>-<counter>`.
//!
//! Node ids are unique in the cluster and a node's counter never repeats, so
//! ids cannot collide without any coordination: generation stays totally
//! available under partitions and costs zero inter-node messages. Ids are all
//! strings, so the checker can order them.
//!
//! The counter lives in memory, so a node killed and started again (the
//! `kill` nemesis) would count from 1 again and mint ids it already gave
//! out. `boot`, 32 random bits drawn when the process starts, tells its
//! lives apart (two lives share it with odds of 1 in 4 billion).

use glomers_node::workloads::unique_ids::{Request as IdRequest, Response};
use glomers_node::{Ctx, Error, Node, Request};

#[derive(Debug, Default)]
pub struct UniqueIds {
    next: u64,
    /// This process's life, drawn at its first request.
    boot: Option<u32>,
}

impl Node for UniqueIds {
    type Msg = IdRequest;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<IdRequest>) -> Result<(), Error> {
        let IdRequest::Generate = req.body;
        self.next += 1;
        let boot = *self.boot.get_or_insert_with(|| ctx.random_u64() as u32);
        let id = format!("{}-{boot:08x}-{}", ctx.id(), self.next);
        ctx.reply(&req, Response::GenerateOk { id: id.into() });
        Ok(())
    }
}
