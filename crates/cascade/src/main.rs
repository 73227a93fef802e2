//! `cascade`: the operator's binary. One module per subcommand; this file only dispatches.

use clap::{Parser, Subcommand};

mod decode;

/// cascade: H.323 tools.
#[derive(Debug, Parser)]
#[command(name = "cascade", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode the H.323 signalling (H.225.0, RAS, H.245) in a pcap/pcapng capture as a call ladder.
    Decode(decode::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Decode(args) => decode::run(&args),
    }
}
