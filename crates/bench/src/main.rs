//! The `glomers` binary: parses the command line and hands over to the bench.

use clap::Parser;
use glomers_bench::cli::{Cli, Command, EXIT_BAD_ARGS};
use glomers_bench::{challenge, perf, run};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_BAD_ARGS } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match cli.command {
        Command::Test(args) => match (*args).into_options() {
            Err(e) => {
                eprintln!("{e}");
                EXIT_BAD_ARGS
            }
            Ok(opts) => run_tests(opts),
        },
        Command::Challenge(args) => challenge::main(args),
        Command::Bench(args) => perf::main(args),
    };
    std::process::exit(code);
}

fn run_tests(opts: glomers_bench::opts::TestOptions) -> i32 {
    let runs = opts.test_count.max(1);
    let mut code = 0;
    for i in 0..runs {
        let mut this = opts.clone();
        if i > 0 {
            this.seed = opts.seed.wrapping_add(i);
        }
        match run::run_test(&this) {
            Ok(outcome) => {
                code = outcome.exit_code();
                if code != 0 {
                    break;
                }
            }
            Err(e) => {
                eprintln!("{e}");
                return run::EXIT_CRASH;
            }
        }
    }
    code
}
