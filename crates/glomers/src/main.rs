//! The `glomers` binary: everything is in the library (`glomers::main`).

fn main() {
    std::process::exit(glomers::main());
}
