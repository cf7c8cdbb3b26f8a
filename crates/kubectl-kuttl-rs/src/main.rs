//! `kubectl kuttl-rs`: KUTTL's command line (`kubectl kuttl test …`) on the kuttl-rs harness, for
//! teams that run KUTTL suites without a Rust project. As a kubectl plugin on `PATH` it runs as
//! `kubectl kuttl-rs test`.

mod chainsaw_command;
mod check_command;
mod test_command;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Runs KUTTL test suites with kuttl-rs.
#[derive(Debug, Parser)]
#[command(name = "kubectl-kuttl-rs", bin_name = "kubectl kuttl-rs", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the tests of a KUTTL configuration or of test folders against a cluster.
    Test(Box<test_command::TestArgs>),
    /// Chainsaw's command line: `chainsaw test` with its common flags.
    #[command(subcommand)]
    Chainsaw(chainsaw_command::ChainsawCommand),
    /// Checks that the objects of files exist and match in the kubeconfig's cluster.
    Assert(check_command::CheckArgs),
    /// Checks that no object of the files exists (or matches) in the kubeconfig's cluster.
    Errors(check_command::CheckArgs),
}

/// The exit code of a command line that cannot be run (KUTTL's is 255; 2 is the convention of
/// command-line tools, and clap's).
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(EXIT_USAGE));
        }
    };
    match cli.command {
        Command::Test(args) => test_command::run(*args),
        Command::Chainsaw(chainsaw_command::ChainsawCommand::Test(args)) => {
            chainsaw_command::run(*args)
        }
        Command::Assert(args) => check_command::run(kuttl::Expectation::Present, args),
        Command::Errors(args) => check_command::run(kuttl::Expectation::Absent, args),
    }
}
