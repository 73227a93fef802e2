//! `cascade`: the operator's binary. One module per subcommand; this file only dispatches.

use clap::{Parser, Subcommand};

// Every call allocates many small, short-lived buffers (PER encoders, HTTP bodies, records)
// across the tokio workers; glibc's malloc was ~14 % of a gateway call's CPU in `cascade bench`.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod decode;
mod demo;
mod endpoint;
mod peer;
mod servers;
mod stack;
mod terminal;

/// cascade: cascade VN conferences into the conferences of H.323 MCUs, and the tools around it.
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
    /// Run the H.323 MCU: many conferences (rooms), admin API.
    Mcu(mcu::Args),
    /// Run the protocol-conversion server: HTTP first call requests in, H.323 calls out.
    Gateway(gateway::Args),
    /// Run the VN conference server: conferences, cascades, operator page.
    Vnet(vnet::Args),
    /// Start all three servers on loopback, cascade two VN conferences into two MCU rooms, and
    /// show what happened.
    Demo(demo::Args),
    /// Dial an MCU room as a synthetic H.323 participant: send a tone and a test pattern,
    /// record and measure what comes back.
    Endpoint(endpoint::Args),
    /// Join a VN conference as a terminal: send a tone and a test pattern, record and measure
    /// what comes back.
    Terminal(terminal::Args),
    /// Measure cascade setup latency and gateway setups+releases per second on loopback
    /// (bounded load; in-process servers unless told otherwise).
    Bench(bench::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Decode(args) => decode::run(&args),
        Command::Mcu(args) => servers::mcu(&args),
        Command::Gateway(args) => servers::gateway(&args),
        Command::Vnet(args) => servers::vnet(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Endpoint(args) => endpoint::run(&args),
        Command::Terminal(args) => terminal::run(&args),
        Command::Bench(args) => bench::run(&args),
    }
}
