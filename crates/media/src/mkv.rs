//! A Matroska (RFC 9559) writer for recordings: H.264 video (`V_MPEG4/ISO/AVC` with an `avcC`
//! CodecPrivate) and 16-bit PCM audio (`A_PCM/INT/LIT`), one SimpleBlock per frame.
//!
//! Written by hand because no maintained crate fits: `webm` wraps libwebm and only knows the
//! WebM codecs (no H.264), `mkv` is an abandoned 0.0.x, and the Matroska muxers that do take
//! H.264 (`oxideav-mkv`, `media-format-matroska`) are young 0.0/0.1 releases that bring a whole
//! media framework with them. What a recording needs is small: the EBML header, one Segment of
//! unknown size (so the file can be written front to back as media arrives), Info, Tracks and
//! Clusters of SimpleBlocks. Sans-IO like the rest of this crate: [`Muxer`] turns frames into
//! bytes, and the caller writes them wherever it likes.
//!
//! ```
//! use media::mkv::{Frame, Muxer, Track};
//! let mut m = Muxer::new(vec![Track::pcm(1, 8000, 1)]).unwrap();
//! let mut file = m.header();
//! m.push(&Frame { track: 1, timestamp_ms: 0, keyframe: true, data: vec![0; 320] }, &mut file).unwrap();
//! m.finish(&mut file);
//! ```

use thiserror::Error;

/// Element IDs (RFC 9559 §5.1), with their marker bits, as they appear on the wire.
mod id {
    pub const EBML: u32 = 0x1A45_DFA3;
    pub const EBML_VERSION: u32 = 0x4286;
    pub const EBML_READ_VERSION: u32 = 0x42F7;
    pub const EBML_MAX_ID_LENGTH: u32 = 0x42F2;
    pub const EBML_MAX_SIZE_LENGTH: u32 = 0x42F3;
    pub const DOC_TYPE: u32 = 0x4282;
    pub const DOC_TYPE_VERSION: u32 = 0x4287;
    pub const DOC_TYPE_READ_VERSION: u32 = 0x4285;
    pub const SEGMENT: u32 = 0x1853_8067;
    pub const INFO: u32 = 0x1549_A966;
    pub const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
    pub const MUXING_APP: u32 = 0x4D80;
    pub const WRITING_APP: u32 = 0x5741;
    pub const TRACKS: u32 = 0x1654_AE6B;
    pub const TRACK_ENTRY: u32 = 0xAE;
    pub const TRACK_NUMBER: u32 = 0xD7;
    pub const TRACK_UID: u32 = 0x73C5;
    pub const TRACK_TYPE: u32 = 0x83;
    pub const FLAG_LACING: u32 = 0x9C;
    pub const CODEC_ID: u32 = 0x86;
    pub const CODEC_PRIVATE: u32 = 0x63A2;
    pub const LANGUAGE: u32 = 0x22_B59C;
    pub const VIDEO: u32 = 0xE0;
    pub const PIXEL_WIDTH: u32 = 0xB0;
    pub const PIXEL_HEIGHT: u32 = 0xBA;
    pub const AUDIO: u32 = 0xE1;
    pub const SAMPLING_FREQUENCY: u32 = 0xB5;
    pub const CHANNELS: u32 = 0x9F;
    pub const BIT_DEPTH: u32 = 0x6264;
    pub const CLUSTER: u32 = 0x1F43_B675;
    pub const TIMESTAMP: u32 = 0xE7;
    pub const SIMPLE_BLOCK: u32 = 0xA3;
}

/// Nanoseconds per timestamp tick: 1 ms, the Matroska default.
const TIMESTAMP_SCALE_NS: u64 = 1_000_000;
/// A cluster spans at most this long, well inside the SimpleBlock's signed 16-bit offset.
const MAX_CLUSTER_MS: u64 = 5_000;
/// The reserved all-ones size of one byte short of eight: "unknown size" (RFC 9559 §6.2).
const UNKNOWN_SIZE: [u8; 8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
/// Largest value an EBML variable-size integer can carry (8 bytes, all-ones reserved).
pub const MAX_VINT: u64 = (1 << 56) - 2;

/// Why frames cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MkvError {
    /// A frame names a track that was not declared.
    #[error("frame for undeclared track {0}")]
    UnknownTrack(u64),
    /// Frames must come in non-decreasing time order.
    #[error("frame at {got} ms after one at {last} ms: frames must be in time order")]
    OutOfOrder {
        /// The frame's time.
        got: u64,
        /// The previous frame's time.
        last: u64,
    },
    /// Track numbers start at 1 and fit a one-byte vint here (1..=126), and are unique.
    #[error("track number {0} is 0, above 126 or repeated")]
    BadTrackNumber(u64),
    /// An SPS shorter than 4 bytes or an empty PPS cannot make an avcC record.
    #[error("SPS/PPS too short for an avcC record")]
    BadParameterSets,
}

/// What a track carries.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TrackKind {
    /// H.264 in AVC form: frames are NAL units with 4-byte big-endian length prefixes.
    Avc {
        /// Picture width.
        width: u32,
        /// Picture height.
        height: u32,
        /// The `AVCDecoderConfigurationRecord` (see [`avc_decoder_config`]).
        avcc: Vec<u8>,
    },
    /// Signed 16-bit little-endian PCM.
    Pcm {
        /// Samples per second.
        sample_rate: u32,
        /// Interleaved channels.
        channels: u8,
    },
}

/// A track declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// Track number used by frames, 1..=126.
    pub number: u64,
    /// What it carries.
    pub kind: TrackKind,
}

impl Track {
    /// A 16-bit PCM track.
    pub fn pcm(number: u64, sample_rate: u32, channels: u8) -> Self {
        Self {
            number,
            kind: TrackKind::Pcm {
                sample_rate,
                channels,
            },
        }
    }

    /// An H.264 track from its SPS and PPS (NAL units without start codes).
    pub fn avc(
        number: u64,
        width: u32,
        height: u32,
        sps: &[u8],
        pps: &[u8],
    ) -> Result<Self, MkvError> {
        Ok(Self {
            number,
            kind: TrackKind::Avc {
                width,
                height,
                avcc: avc_decoder_config(sps, pps)?,
            },
        })
    }
}

/// One frame: an access unit (AVC form) or a run of PCM samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Its track.
    pub track: u64,
    /// Presentation time in milliseconds from the start of the recording.
    pub timestamp_ms: u64,
    /// Whether decoding can start here (IDR for video; every audio frame).
    pub keyframe: bool,
    /// The bytes.
    pub data: Vec<u8>,
}

/// ISO/IEC 14496-15 §5.3.3.1 `AVCDecoderConfigurationRecord` for one SPS and one PPS, with
/// 4-byte NAL lengths.
pub fn avc_decoder_config(sps: &[u8], pps: &[u8]) -> Result<Vec<u8>, MkvError> {
    let (Ok(sps_len), Ok(pps_len)) = (u16::try_from(sps.len()), u16::try_from(pps.len())) else {
        return Err(MkvError::BadParameterSets);
    };
    if sps.len() < 4 || pps.is_empty() {
        return Err(MkvError::BadParameterSets);
    }
    let mut out = Vec::with_capacity(11 + sps.len() + pps.len());
    // version 1, then profile_idc, constraint flags and level_idc copied from the SPS.
    out.extend_from_slice(&[1, sps[1], sps[2], sps[3]]);
    // 6 reserved bits, lengthSizeMinusOne = 3; 3 reserved bits, one SPS.
    out.extend_from_slice(&[0xFC | 3, 0xE0 | 1]);
    out.extend_from_slice(&sps_len.to_be_bytes());
    out.extend_from_slice(sps);
    out.push(1);
    out.extend_from_slice(&pps_len.to_be_bytes());
    out.extend_from_slice(pps);
    Ok(out)
}

/// NAL units (without start codes) in AVC sample form: each behind a 4-byte big-endian length.
pub fn avc_sample<N: AsRef<[u8]>>(nals: &[N]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nals.iter().map(|n| n.as_ref().len() + 4).sum());
    for n in nals {
        let n = n.as_ref();
        // A NAL unit in memory is far below 4 GiB; the depacketizer bounds access units.
        out.extend_from_slice(&(n.len() as u32).to_be_bytes());
        out.extend_from_slice(n);
    }
    out
}

/// Bytes an EBML variable-size integer needs for `value` (1..=8), the shortest form whose
/// all-ones pattern (reserved for "unknown") is not `value`; `None` above [`MAX_VINT`].
pub fn vint_len(value: u64) -> Option<usize> {
    (1..=8).find(|&n| value < (1u64 << (7 * n)) - 1)
}

/// Appends `value` as an EBML variable-size integer in its shortest form.
///
/// # Panics
/// Never for values up to [`MAX_VINT`]; larger values are clamped to it (no element we write
/// comes near 2^56 bytes).
pub fn write_vint(out: &mut Vec<u8>, value: u64) {
    let value = value.min(MAX_VINT);
    let len = vint_len(value).unwrap_or(8);
    let marked = value | 1u64 << (7 * len);
    out.extend_from_slice(&marked.to_be_bytes()[8 - len..]);
}

fn write_id(out: &mut Vec<u8>, id: u32) {
    let bytes = id.to_be_bytes();
    let skip = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    out.extend_from_slice(&bytes[skip..]);
}

fn element(out: &mut Vec<u8>, id: u32, body: &[u8]) {
    write_id(out, id);
    write_vint(out, body.len() as u64);
    out.extend_from_slice(body);
}

fn uint(out: &mut Vec<u8>, id: u32, value: u64) {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().position(|&b| b != 0).unwrap_or(7);
    element(out, id, &bytes[skip..]);
}

fn float(out: &mut Vec<u8>, id: u32, value: f64) {
    element(out, id, &value.to_be_bytes());
}

fn master(out: &mut Vec<u8>, id: u32, build: impl FnOnce(&mut Vec<u8>)) {
    let mut body = Vec::new();
    build(&mut body);
    element(out, id, &body);
}

/// Writes a Matroska stream frame by frame. See the module doc.
#[derive(Debug)]
pub struct Muxer {
    tracks: Vec<Track>,
    cluster: Option<(u64, Vec<u8>)>,
    last_ms: u64,
}

impl Muxer {
    /// A muxer for these tracks.
    pub fn new(tracks: Vec<Track>) -> Result<Self, MkvError> {
        for (i, t) in tracks.iter().enumerate() {
            let repeated = tracks[..i].iter().any(|o| o.number == t.number);
            if t.number == 0 || t.number > 126 || repeated {
                return Err(MkvError::BadTrackNumber(t.number));
            }
        }
        Ok(Self {
            tracks,
            cluster: None,
            last_ms: 0,
        })
    }

    /// The EBML header, the start of a Segment of unknown size, Info and Tracks.
    pub fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        master(&mut out, id::EBML, |b| {
            uint(b, id::EBML_VERSION, 1);
            uint(b, id::EBML_READ_VERSION, 1);
            uint(b, id::EBML_MAX_ID_LENGTH, 4);
            uint(b, id::EBML_MAX_SIZE_LENGTH, 8);
            element(b, id::DOC_TYPE, b"matroska");
            uint(b, id::DOC_TYPE_VERSION, 4);
            uint(b, id::DOC_TYPE_READ_VERSION, 2);
        });
        write_id(&mut out, id::SEGMENT);
        out.extend_from_slice(&UNKNOWN_SIZE);
        master(&mut out, id::INFO, |b| {
            uint(b, id::TIMESTAMP_SCALE, TIMESTAMP_SCALE_NS);
            element(b, id::MUXING_APP, b"cascade media::mkv");
            element(b, id::WRITING_APP, b"cascade");
        });
        master(&mut out, id::TRACKS, |b| {
            for t in &self.tracks {
                master(b, id::TRACK_ENTRY, |e| track_entry(e, t));
            }
        });
        out
    }

    /// Adds a frame; when it starts a new cluster, the finished one is appended to `out`.
    pub fn push(&mut self, frame: &Frame, out: &mut Vec<u8>) -> Result<(), MkvError> {
        let track = self
            .tracks
            .iter()
            .find(|t| t.number == frame.track)
            .ok_or(MkvError::UnknownTrack(frame.track))?;
        if frame.timestamp_ms < self.last_ms {
            return Err(MkvError::OutOfOrder {
                got: frame.timestamp_ms,
                last: self.last_ms,
            });
        }
        self.last_ms = frame.timestamp_ms;
        let video_key = frame.keyframe && matches!(track.kind, TrackKind::Avc { .. });
        let start_new = match &self.cluster {
            None => true,
            Some((start, body)) => {
                frame.timestamp_ms - start > MAX_CLUSTER_MS || (video_key && !body.is_empty())
            }
        };
        if start_new {
            self.flush(out);
            let mut body = Vec::new();
            uint(&mut body, id::TIMESTAMP, frame.timestamp_ms);
            self.cluster = Some((frame.timestamp_ms, body));
        }
        if let Some((start, body)) = &mut self.cluster {
            // At most MAX_CLUSTER_MS after the cluster start: fits the signed 16-bit offset.
            let relative = (frame.timestamp_ms - *start) as i16;
            let mut block = Vec::with_capacity(4 + frame.data.len());
            write_vint(&mut block, frame.track);
            block.extend_from_slice(&relative.to_be_bytes());
            block.push(if frame.keyframe { 0x80 } else { 0 });
            block.extend_from_slice(&frame.data);
            element(body, id::SIMPLE_BLOCK, &block);
        }
        Ok(())
    }

    /// Appends the last cluster. The file is complete after this.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.flush(out);
    }

    fn flush(&mut self, out: &mut Vec<u8>) {
        if let Some((_, body)) = self.cluster.take() {
            element(out, id::CLUSTER, &body);
        }
    }
}

fn track_entry(e: &mut Vec<u8>, t: &Track) {
    uint(e, id::TRACK_NUMBER, t.number);
    uint(e, id::TRACK_UID, t.number);
    uint(e, id::FLAG_LACING, 0);
    element(e, id::LANGUAGE, b"und");
    match &t.kind {
        TrackKind::Avc {
            width,
            height,
            avcc,
        } => {
            uint(e, id::TRACK_TYPE, 1);
            element(e, id::CODEC_ID, b"V_MPEG4/ISO/AVC");
            element(e, id::CODEC_PRIVATE, avcc);
            master(e, id::VIDEO, |v| {
                uint(v, id::PIXEL_WIDTH, u64::from(*width));
                uint(v, id::PIXEL_HEIGHT, u64::from(*height));
            });
        }
        TrackKind::Pcm {
            sample_rate,
            channels,
        } => {
            uint(e, id::TRACK_TYPE, 2);
            element(e, id::CODEC_ID, b"A_PCM/INT/LIT");
            master(e, id::AUDIO, |a| {
                float(a, id::SAMPLING_FREQUENCY, f64::from(*sample_rate));
                uint(a, id::CHANNELS, u64::from(*channels));
                uint(a, id::BIT_DEPTH, 16);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads a vint back (the inverse of `write_vint`), for the property tests.
    fn read_vint(b: &[u8]) -> (u64, usize) {
        let len = b[0].leading_zeros() as usize + 1;
        let mut v = u64::from(b[0]) & ((1 << (8 - len)) - 1);
        for &x in &b[1..len] {
            v = v << 8 | u64::from(x);
        }
        (v, len)
    }

    #[test]
    fn vint_boundaries_follow_rfc_9559() {
        let enc = |v| {
            let mut o = Vec::new();
            write_vint(&mut o, v);
            o
        };
        assert_eq!(enc(0), [0x80]);
        assert_eq!(enc(126), [0xFE]);
        // 127 in one byte would be 0xFF, the reserved "unknown size".
        assert_eq!(enc(127), [0x40, 0x7F]);
        assert_eq!(enc(16_382), [0x7F, 0xFE]);
        assert_eq!(enc(16_383), [0x20, 0x3F, 0xFF]);
        assert_eq!(enc(MAX_VINT).len(), 8);
        assert_eq!(vint_len(MAX_VINT + 1), None);
    }

    #[test]
    fn ids_keep_their_marker_bytes() {
        let mut o = Vec::new();
        write_id(&mut o, id::SEGMENT);
        write_id(&mut o, id::SIMPLE_BLOCK);
        write_id(&mut o, id::TIMESTAMP_SCALE);
        assert_eq!(o, [0x18, 0x53, 0x80, 0x67, 0xA3, 0x2A, 0xD7, 0xB1]);
    }

    #[test]
    fn avcc_copies_profile_and_level() {
        let sps = [0x67, 0x42, 0xC0, 0x1E, 0xAA];
        let pps = [0x68, 0xCE];
        let c = avc_decoder_config(&sps, &pps).unwrap();
        assert_eq!(&c[..6], &[1, 0x42, 0xC0, 0x1E, 0xFF, 0xE1]);
        assert_eq!(&c[6..8], &[0, 5]);
        assert_eq!(&c[13..], &[1, 0, 2, 0x68, 0xCE]);
        assert_eq!(
            avc_decoder_config(&[0x67], &pps),
            Err(MkvError::BadParameterSets)
        );
    }

    #[test]
    fn clusters_split_on_keyframes_and_time_and_reject_disorder() {
        let mut m = Muxer::new(vec![Track::pcm(2, 8000, 1)]).unwrap();
        let frame = |t| Frame {
            track: 2,
            timestamp_ms: t,
            keyframe: true,
            data: vec![1, 2],
        };
        let mut out = Vec::new();
        m.push(&frame(0), &mut out).unwrap();
        m.push(&frame(20), &mut out).unwrap();
        // Audio keyframes do not cut clusters; nothing is flushed yet.
        assert!(out.is_empty());
        m.push(&frame(MAX_CLUSTER_MS + 21), &mut out).unwrap();
        assert_eq!(&out[..4], &[0x1F, 0x43, 0xB6, 0x75]);
        assert_eq!(
            m.push(&frame(5), &mut out),
            Err(MkvError::OutOfOrder {
                got: 5,
                last: MAX_CLUSTER_MS + 21
            })
        );
        assert_eq!(
            m.push(
                &Frame {
                    track: 9,
                    ..frame(9000)
                },
                &mut out
            ),
            Err(MkvError::UnknownTrack(9))
        );
        assert!(Muxer::new(vec![Track::pcm(1, 8000, 1), Track::pcm(1, 8000, 1)]).is_err());
    }

    proptest! {
        #[test]
        fn vint_round_trips_in_shortest_form(v in 0u64..=MAX_VINT) {
            let mut o = Vec::new();
            write_vint(&mut o, v);
            let (back, len) = read_vint(&o);
            prop_assert_eq!(back, v);
            prop_assert_eq!(len, o.len());
            prop_assert_eq!(Some(len), vint_len(v));
            // Shortest: one byte less could not hold it (or would be the reserved pattern).
            if len > 1 {
                prop_assert!(v >= (1u64 << (7 * (len - 1))) - 1);
            }
        }

        #[test]
        fn element_sizes_match_their_bodies(body in proptest::collection::vec(any::<u8>(), 0..20_000)) {
            let mut o = Vec::new();
            element(&mut o, id::SIMPLE_BLOCK, &body);
            prop_assert_eq!(o[0], 0xA3);
            let (size, len) = read_vint(&o[1..]);
            prop_assert_eq!(size as usize, body.len());
            prop_assert_eq!(o.len(), 1 + len + body.len());
        }
    }
}
