//! Challenge 1, echo: answer every `echo` with `echo_ok` carrying the same payload.

use glomers_node::workloads::echo::{Request as EchoRequest, Response};
use glomers_node::{Ctx, Error, Node, Request};

#[derive(Debug, Default)]
pub struct Echo;

impl Node for Echo {
    type Msg = EchoRequest;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<EchoRequest>) -> Result<(), Error> {
        let EchoRequest::Echo { echo } = &req.body;
        ctx.reply(&req, Response::EchoOk { echo: echo.clone() });
        Ok(())
    }
}
