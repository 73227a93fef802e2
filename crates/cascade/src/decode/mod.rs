//! `cascade decode FILE`: reads a pcap/pcapng capture (gzip too), reassembles TCP, finds
//! H.225.0 call signalling, RAS and H.245 (tunnelled or on its own connection) on any port, and
//! prints a call ladder, or one JSON object per message with `--json` (format in [`output`]).
//!
//! Layers, each in its own module: [`capture`] (file → frames) → [`packet`] (frame → TCP/UDP)
//! → [`tcp`] (segments → byte stream) → [`dissect`] (streams and datagrams → messages, using
//! the protocol views in [`h225`] and [`h245`]) → [`output`].

pub mod capture;
pub mod dissect;
pub mod h225;
pub mod h245;
pub mod model;
pub mod names;
pub mod output;
pub mod packet;
pub mod tcp;

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;

use capture::CaptureError;
use dissect::Dissector;
use output::Totals;

/// Arguments of `cascade decode`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Capture file: pcap or pcapng, optionally gzip-compressed.
    pub file: PathBuf,
    /// Print one JSON object per line and per message instead of the ladder. Keys: time
    /// (seconds since the first frame), utc, frame, src, dst (ip:port, IPv6 as [addr]:port),
    /// transport, protocol (h225/ras/h245, or q931/tpkt), message (the ASN.1 choice name, or
    /// malformed/unknown with error), tunnelled, q931, called, calling, cause, then key fields.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand, printing to stdout.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut dissector = Dissector::new();
    let mut totals = Totals::default();
    let mut t0: Option<i64> = None;
    let read = capture::read_capture(&args.file, |f| {
        t0.get_or_insert(f.time_ns);
        totals.frames = f.number;
        match packet::parse(f.linktype, f.data) {
            Ok(p) => dissector.packet(f.number, f.time_ns, &p),
            Err(skip) => *totals.skipped.entry(skip.to_string()).or_default() += 1,
        }
    });
    // A capture damaged part-way still yields the messages before the damage: print them, then
    // fail. A file that is not a capture at all fails at once.
    let damage = match read {
        Ok(summary) => {
            if summary.truncated {
                eprintln!(
                    "warning: {} was cut short in the middle of a packet; decoded what was there",
                    args.file.display()
                );
            }
            None
        }
        Err(e @ CaptureError::Corrupt { frames, .. }) if frames > 0 => Some(e),
        Err(e) => return Err(e.into()),
    };
    let (msgs, convs) = dissector.finish();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let t0 = t0.unwrap_or(0);
    let written = if args.json {
        output::json(&mut out, &msgs, t0)
    } else {
        let name = args.file.file_name().map_or_else(
            || args.file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        output::ladder(&mut out, &name, &msgs, &convs, t0, &totals)
    }
    .and_then(|()| out.flush());
    match written {
        // `cascade decode x.pcap | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("writing the ladder")?,
    }
    match damage {
        Some(e) => Err(e).context("the messages before the damage were printed"),
        None => Ok(()),
    }
}
