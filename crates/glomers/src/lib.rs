//! # glomers
//!
//! The `glomers` command over the bench library: [`cli`] parses the
//! command line (Maelstrom's flags and defaults), [`commands`] holds one
//! module per subcommand, and [`registry`] registers our solutions and the
//! faulty fixtures so `--sim` can run them in-process by binary name.

pub mod alloc;
pub mod cli;
pub mod commands;
pub mod registry;

use clap::Parser;
use cli::{Cli, Command, EXIT_BAD_ARGS};

/// Runs the command line; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_BAD_ARGS } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Test(args) => commands::test::main(*args),
        Command::Challenge(args) => commands::challenge::main(args),
        Command::Bench(args) => commands::bench::main(args),
        Command::Explain(args) => commands::explain::main(args),
        Command::Serve(args) => commands::serve::main(args),
        Command::Check(args) => commands::check::main(args),
        Command::Merge(args) => commands::merge::main(args),
        Command::Doc(args) => commands::doc::main(args),
    }
}
