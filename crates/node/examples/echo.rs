//! Challenge 1, echo: answer every `echo` request with its own text.
//!
//! ```text
//! cargo build --example echo
//! glomers test -w echo --bin target/debug/examples/echo --node-count 1 --time-limit 10
//! ```

use glomers_node::workloads::echo::{Request as Echo, Response};
use glomers_node::{Ctx, Error, Node, Request};

struct EchoNode;

impl Node for EchoNode {
    type Msg = Echo;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Echo>) -> Result<(), Error> {
        let Echo::Echo { echo } = &req.body;
        ctx.reply(&req, Response::EchoOk { echo: echo.clone() });
        Ok(())
    }
}

fn main() {
    glomers_node::run(EchoNode);
}
