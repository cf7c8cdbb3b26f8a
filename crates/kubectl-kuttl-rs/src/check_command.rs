//! `kubectl kuttl-rs assert` and `errors`: KUTTL's one-shot checks of files' objects against the
//! kubeconfig's cluster, with a step's failure message.

use std::process::ExitCode;
use std::time::Duration;

use kuttl::Expectation;

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Files, folders of *.yaml files, or URLs.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<String>,
    /// The namespace of objects that name none.
    #[arg(short = 'n', long, value_name = "NAMESPACE", default_value = "default")]
    namespace: String,
    /// Seconds the checks may take to hold.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    timeout: u64,
}

/// Runs the check and prints KUTTL's verdict line.
pub(crate) fn run(expectation: Expectation, args: CheckArgs) -> ExitCode {
    let (valid, not_valid) = match expectation {
        Expectation::Present => ("assert is valid", "asserts not valid"),
        Expectation::Absent => ("error assert is valid", "error asserts not valid"),
    };
    match kuttl::check_files(
        expectation,
        &args.paths,
        &args.namespace,
        Duration::from_secs(args.timeout),
    ) {
        Ok(()) => {
            println!("{valid}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            eprintln!("{not_valid}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Check {
        #[command(flatten)]
        args: CheckArgs,
    }

    fn parse(args: &[&str]) -> Result<CheckArgs, String> {
        let argv = std::iter::once("assert").chain(args.iter().copied());
        Check::try_parse_from(argv)
            .map(|check| check.args)
            .map_err(|err| err.to_string())
    }

    #[test]
    fn defaults_are_kuttls_namespace_default_and_five_seconds() {
        let args = parse(&["a.yaml", "dir"]).unwrap();
        assert_eq!(args.paths, ["a.yaml", "dir"]);
        assert_eq!((args.namespace.as_str(), args.timeout), ("default", 5));
        let args = parse(&["-n", "apps", "--timeout", "9", "a.yaml"]).unwrap();
        assert_eq!((args.namespace.as_str(), args.timeout), ("apps", 9));
    }

    #[test]
    fn a_path_is_required() {
        assert!(parse(&[]).unwrap_err().contains("required"));
    }
}
