//! Capture files: opens a pcap or pcapng file (optionally gzip-compressed) and hands every packet
//! record to a callback, numbered from 1 like Wireshark's `frame.number`, with its link type and an
//! absolute timestamp.
//!
//! Reading streams through `pcap-parser` so a capture larger than memory still decodes; gzip is
//! recognised by its magic bytes, not by the file name.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{Linktype, PcapBlockOwned, PcapError};

/// Why a capture could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The file could not be opened or read.
    #[error("cannot read {path}")]
    Io {
        /// The capture file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("{path} is empty")]
    Empty {
        /// The capture file.
        path: PathBuf,
    },
    /// The file starts with neither a pcap nor a pcapng header.
    #[error("{path} is not a pcap or pcapng capture (first bytes {magic})")]
    NotACapture {
        /// The capture file.
        path: PathBuf,
        /// The first bytes, in hex, after gzip decompression if any.
        magic: String,
    },
    /// A record inside the file is damaged; packets before it were delivered.
    #[error("{path}: damaged record at byte {offset} after {frames} packets: {reason}")]
    Corrupt {
        /// The capture file.
        path: PathBuf,
        /// Offset in the (decompressed) stream where the damaged record starts.
        offset: usize,
        /// Packets delivered before the damage.
        frames: u64,
        /// What the parser said.
        reason: String,
    },
}

/// One packet record.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 1-based position in the file, as Wireshark numbers frames.
    pub number: u64,
    /// Capture time in nanoseconds since the Unix epoch.
    pub time_ns: i64,
    /// How `data` starts (Ethernet, raw IP, Linux cooked, ...).
    pub linktype: Linktype,
    /// The captured bytes (may be shorter than on the wire if the capture was truncated).
    pub data: &'a [u8],
}

/// What was read, for the caller's summary line.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaptureSummary {
    /// Packet records delivered.
    pub frames: u64,
    /// True when the file ended in the middle of a record (a capture cut short); the records
    /// before it were delivered.
    pub truncated: bool,
}

/// Initial read buffer: the parser needs a whole block in it.
const READ_BUFFER: usize = 1 << 16;

/// Largest single record we accept; pcapng blocks bigger than this are treated as damage.
const MAX_BUFFER: usize = 64 << 20;

/// Interface parameters a pcapng enhanced packet block needs to be understood.
#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: Linktype,
    /// Timestamp units per second.
    resolution: u64,
    /// Seconds added to every timestamp (`if_tsoffset`).
    offset_s: i64,
}

/// Reads every packet of the capture at `path`, calling `on_frame` in file order.
pub fn read_capture(
    path: &Path,
    mut on_frame: impl FnMut(Frame<'_>),
) -> Result<CaptureSummary, CaptureError> {
    let io_err = |source| CaptureError::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let mut buffered = BufReader::new(file);
    let head = buffered.fill_buf().map_err(io_err)?;
    if head.is_empty() {
        return Err(CaptureError::Empty {
            path: path.to_owned(),
        });
    }
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let mut source: Box<dyn Read + Send> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    // Read the head ourselves: to name what a non-capture starts with, and because
    // `create_reader` parses the file header from a single `read`, which a gzip stream may
    // answer with only a few bytes.
    let mut head = vec![0u8; READ_BUFFER];
    let got = read_up_to(&mut source, &mut head).map_err(io_err)?;
    head.truncate(got);
    if got == 0 {
        return Err(CaptureError::Empty {
            path: path.to_owned(),
        });
    }
    let known = [
        [0xd4, 0xc3, 0xb2, 0xa1],
        [0xa1, 0xb2, 0xc3, 0xd4],
        [0x4d, 0x3c, 0xb2, 0xa1],
        [0xa1, 0xb2, 0x3c, 0x4d],
        [0x0a, 0x0d, 0x0d, 0x0a],
    ];
    if !known.iter().any(|k| head.starts_with(k)) {
        return Err(CaptureError::NotACapture {
            path: path.to_owned(),
            magic: head.iter().take(4).map(|b| format!("{b:02x}")).collect(),
        });
    }
    let chained = std::io::Cursor::new(head).chain(source);
    let mut reader = match pcap_parser::create_reader(READ_BUFFER, chained) {
        Ok(r) => r,
        Err(e) => {
            return Err(CaptureError::Corrupt {
                path: path.to_owned(),
                offset: 0,
                frames: 0,
                reason: describe(&e),
            })
        }
    };
    walk(path, reader.as_mut(), &mut on_frame)
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn describe<I>(e: &PcapError<I>) -> String {
    match e {
        PcapError::Eof => "end of file".into(),
        PcapError::BufferTooSmall => "record too large".into(),
        PcapError::UnexpectedEof => "file ends inside a record".into(),
        PcapError::ReadError => "read error (or damaged gzip stream)".into(),
        PcapError::Incomplete(_) => "incomplete record".into(),
        PcapError::HeaderNotRecognized => "header not recognised".into(),
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            format!("invalid record ({kind:?})")
        }
    }
}

fn walk(
    path: &Path,
    reader: &mut (dyn PcapReaderIterator + Send),
    on_frame: &mut dyn FnMut(Frame<'_>),
) -> Result<CaptureSummary, CaptureError> {
    let mut summary = CaptureSummary::default();
    let mut legacy_link = Linktype::ETHERNET;
    let mut legacy_nanos = false;
    let mut interfaces: Vec<Interface> = Vec::new();
    let mut capacity = READ_BUFFER;
    // Each `refill` that adds no byte while the parser still wants more means the file ended.
    let mut stalled = 0u32;
    loop {
        let consumed = reader.consumed();
        match reader.next() {
            Ok((offset, block)) => {
                stalled = 0;
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy_link = h.network;
                        legacy_nanos = h.is_nanosecond_precision();
                    }
                    PcapBlockOwned::Legacy(b) => {
                        summary.frames += 1;
                        let frac = i64::from(b.ts_usec) * if legacy_nanos { 1 } else { 1000 };
                        on_frame(Frame {
                            number: summary.frames,
                            time_ns: i64::from(b.ts_sec)
                                .saturating_mul(1_000_000_000)
                                .saturating_add(frac),
                            linktype: legacy_link,
                            data: b.data,
                        });
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => interfaces.clear(),
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        interfaces.push(Interface {
                            linktype: idb.linktype,
                            resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                            offset_s: idb.ts_offset(),
                        });
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        summary.frames += 1;
                        let iface =
                            interfaces
                                .get(epb.if_id as usize)
                                .copied()
                                .unwrap_or(Interface {
                                    linktype: Linktype::ETHERNET,
                                    resolution: 1_000_000,
                                    offset_s: 0,
                                });
                        let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                        let secs = (ticks / iface.resolution) as i64;
                        let frac = ticks % iface.resolution;
                        let frac_ns = (u128::from(frac) * 1_000_000_000
                            / u128::from(iface.resolution))
                            as i64;
                        let data = &epb.data[..(epb.caplen as usize).min(epb.data.len())];
                        on_frame(Frame {
                            number: summary.frames,
                            time_ns: secs
                                .saturating_add(iface.offset_s)
                                .saturating_mul(1_000_000_000)
                                .saturating_add(frac_ns),
                            linktype: iface.linktype,
                            data,
                        });
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        summary.frames += 1;
                        let linktype = interfaces
                            .first()
                            .map_or(Linktype::ETHERNET, |i| i.linktype);
                        on_frame(Frame {
                            number: summary.frames,
                            time_ns: 0,
                            linktype,
                            data: spb.data,
                        });
                    }
                    // Statistics, name resolution, comments, ...: nothing to decode.
                    PcapBlockOwned::NG(_) => {}
                }
                reader.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                let before = reader.data().len();
                reader
                    .refill()
                    .map_err(|e| corrupt(path, consumed, summary.frames, &e))?;
                if reader.data().len() == before {
                    stalled += 1;
                    if stalled > 2 {
                        summary.truncated = true;
                        break;
                    }
                }
            }
            Err(PcapError::UnexpectedEof) => {
                summary.truncated = true;
                break;
            }
            Err(PcapError::BufferTooSmall) if capacity < MAX_BUFFER => {
                capacity *= 4;
                reader.grow(capacity);
                reader
                    .refill()
                    .map_err(|e| corrupt(path, consumed, summary.frames, &e))?;
            }
            Err(e) => return Err(corrupt(path, consumed, summary.frames, &e)),
        }
    }
    Ok(summary)
}

fn corrupt<I>(path: &Path, offset: usize, frames: u64, e: &PcapError<I>) -> CaptureError {
    CaptureError::Corrupt {
        path: path.to_owned(),
        offset,
        frames,
        reason: describe(e),
    }
}
