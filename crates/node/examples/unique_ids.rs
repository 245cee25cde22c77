//! Challenge 2, unique ids: a node id is unique in the cluster and a
//! counter is unique on the node, so together they are unique everywhere,
//! with no messages between nodes (and so through any partition).
//!
//! ```text
//! cargo build --example unique_ids
//! glomers test -w unique-ids --bin target/debug/examples/unique_ids --node-count 3 \
//!     --time-limit 30 --rate 1000 --availability total --nemesis partition
//! ```

use glomers_node::workloads::unique_ids::{Request as Generate, Response};
use glomers_node::{Ctx, Error, Node, Request};

#[derive(Default)]
struct Ids {
    issued: u64,
}

impl Node for Ids {
    type Msg = Generate;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Generate>) -> Result<(), Error> {
        self.issued += 1;
        let id = format!("{}-{}", ctx.id(), self.issued);
        ctx.reply(&req, Response::GenerateOk { id: id.into() });
        Ok(())
    }
}

fn main() {
    glomers_node::run(Ids::default());
}
