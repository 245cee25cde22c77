//! The `glomers` binary: everything is in the library (`glomers::main`).

#[global_allocator]
static ALLOCATOR: glomers::alloc::Allocator = glomers::alloc::Allocator;

fn main() {
    std::process::exit(glomers::main());
}
