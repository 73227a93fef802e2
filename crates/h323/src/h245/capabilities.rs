//! Media capabilities: what we declare in a TerminalCapabilitySet, what a peer's set means,
//! and the H.245 `DataType` of a logical channel for each codec.
//!
//! Only the codecs cascade carries are modelled: G.711 (every H.323 device has it, H.323 clause
//! 6.2.2), H.264 as a generic video capability (H.241 clause 8.3) and H.263 (H.245 annex). Anything
//! else in a peer's set is kept out of the view but does not make the set invalid.

use h323_asn1::h245::{
    AlternativeCapabilitySet, AudioCapability, Capability, CapabilityDescriptor,
    CapabilityDescriptorNumber, CapabilityIdentifier, CapabilityTableEntry,
    CapabilityTableEntryNumber, DataType, GenericCapability, GenericParameter, H2250Capability,
    H2250CapabilityMcCapability, H263VideoCapability, MediaPacketizationCapability,
    MultiplexCapability, MultipointCapability, ParameterIdentifier, ParameterValue, SequenceNumber,
    TerminalCapabilitySet, VideoCapability,
};
use rasn::types::{ObjectIdentifier, SetOf};

/// H.245 version we announce: `{itu-t(0) recommendation(0) h(8) 245 version(0) 13}`.
pub const H245_PROTOCOL_ID: &[u32] = &[0, 0, 8, 245, 0, 13];
/// H.241 H.264 capability identifier `{itu-t(0) recommendation(0) h(8) 241 specificCodecs(0) h264(0) generic-capabilities(1)}`.
pub const H264_CAPABILITY_OID: &[u32] = &[0, 0, 8, 241, 0, 0, 1];
/// H.241 RTP packetization descriptor for RFC 6184 non-interleaved mode (packetization-mode 1).
pub const H264_PACKETIZATION_MODE1_OID: &[u32] = &[0, 0, 8, 241, 0, 0, 0, 1];
/// H.241 parameter 41: profile, a boolean array where 64 is Baseline.
const H264_PARAM_PROFILE: u8 = 41;
/// H.241 parameter 42: level, coded as in H.241 table 8-? (level 3.1 = 71).
const H264_PARAM_LEVEL: u8 = 42;
/// H.241 profile bit for Constrained Baseline / Baseline.
pub const H264_PROFILE_BASELINE: u8 = 64;
/// H.241 level code for level 3.1 (720p30), the most we decode.
pub const H264_LEVEL_3_1: u8 = 71;

/// An audio codec on an H.323 logical channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    /// G.711 µ-law, RTP payload type 0.
    Pcmu,
    /// G.711 A-law, RTP payload type 8.
    Pcma,
}

impl AudioCodec {
    /// The static RTP payload type (RFC 3551).
    pub fn payload_type(self) -> u8 {
        match self {
            AudioCodec::Pcmu => 0,
            AudioCodec::Pcma => 8,
        }
    }

    /// The name tools show, e.g. `g711Ulaw64k`.
    pub fn name(self) -> &'static str {
        match self {
            AudioCodec::Pcmu => "g711Ulaw64k",
            AudioCodec::Pcma => "g711Alaw64k",
        }
    }

    fn capability(self, frames: u16) -> AudioCapability {
        match self {
            AudioCodec::Pcmu => AudioCapability::g711Ulaw64k(frames),
            AudioCodec::Pcma => AudioCapability::g711Alaw64k(frames),
        }
    }
}

/// A video codec on an H.323 logical channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// H.264 as an H.241 generic capability.
    H264 {
        /// H.241 profile bits (64 = Baseline).
        profile: u8,
        /// H.241 level code (71 = level 3.1).
        level: u8,
    },
    /// H.263 baseline, QCIF and CIF.
    H263,
}

impl VideoCodec {
    /// H.264 Baseline at level 3.1: what cascade encodes and decodes.
    pub const H264_BASELINE: VideoCodec = VideoCodec::H264 {
        profile: H264_PROFILE_BASELINE,
        level: H264_LEVEL_3_1,
    };

    /// The name tools show.
    pub fn name(self) -> &'static str {
        match self {
            VideoCodec::H264 { .. } => "h264",
            VideoCodec::H263 => "h263",
        }
    }

    /// Dynamic payload type we use for this codec on RTP (H.263 has the static type 34).
    pub fn payload_type(self) -> u8 {
        match self {
            VideoCodec::H264 { .. } => 109,
            VideoCodec::H263 => 34,
        }
    }

    fn capability(self, max_bit_rate_100bps: u32) -> VideoCapability {
        match self {
            VideoCodec::H264 { profile, level } => {
                VideoCapability::genericVideoCapability(GenericCapability::new(
                    CapabilityIdentifier::standard(oid(H264_CAPABILITY_OID)),
                    Some(max_bit_rate_100bps),
                    Some(vec![
                        GenericParameter::new(
                            ParameterIdentifier::standard(H264_PARAM_PROFILE),
                            ParameterValue::booleanArray(profile),
                            None,
                        ),
                        GenericParameter::new(
                            ParameterIdentifier::standard(H264_PARAM_LEVEL),
                            ParameterValue::unsignedMin(u16::from(level)),
                            None,
                        ),
                    ]),
                    None,
                    None,
                    None,
                ))
            }
            VideoCodec::H263 => VideoCapability::h263VideoCapability(H263VideoCapability::new(
                None,
                Some(1),
                Some(1),
                None,
                None,
                max_bit_rate_100bps.clamp(1, 192_400),
                false,
                false,
                false,
                false,
                false,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                false,
                None,
                None,
            )),
        }
    }
}

/// A media format of a logical channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// Audio.
    Audio(AudioCodec),
    /// Video.
    Video(VideoCodec),
}

impl Codec {
    /// RTP session: 1 for audio, 2 for video (H.225.0 clause 8.1.7 / H.245 sessionID).
    pub fn session_id(self) -> u8 {
        match self {
            Codec::Audio(_) => 1,
            Codec::Video(_) => 2,
        }
    }

    /// The name tools show.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Audio(a) => a.name(),
            Codec::Video(v) => v.name(),
        }
    }

    /// RTP payload type used on the channel.
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Audio(a) => a.payload_type(),
            Codec::Video(v) => v.payload_type(),
        }
    }

    /// The H.245 `DataType` for an OpenLogicalChannel carrying this codec.
    pub fn data_type(self) -> DataType {
        match self {
            // 20 G.711 frames of 1 ms: the 20 ms packets everyone sends.
            Codec::Audio(a) => DataType::audioData(a.capability(20)),
            Codec::Video(v) => DataType::videoData(v.capability(VIDEO_MAX_BIT_RATE)),
        }
    }

    /// The codec of a logical channel's `DataType`, if it is one we carry.
    pub fn from_data_type(data_type: &DataType) -> Option<Codec> {
        match data_type {
            DataType::audioData(a) => audio_codec(a).map(Codec::Audio),
            DataType::videoData(v) => video_codec(v).map(Codec::Video),
            _ => None,
        }
    }
}

/// 1920 kbit/s in H.245's units of 100 bit/s.
const VIDEO_MAX_BIT_RATE: u32 = 19_200;

fn audio_codec(cap: &AudioCapability) -> Option<AudioCodec> {
    match cap {
        AudioCapability::g711Ulaw64k(_) => Some(AudioCodec::Pcmu),
        AudioCapability::g711Alaw64k(_) => Some(AudioCodec::Pcma),
        _ => None,
    }
}

fn video_codec(cap: &VideoCapability) -> Option<VideoCodec> {
    match cap {
        VideoCapability::h263VideoCapability(_) => Some(VideoCodec::H263),
        VideoCapability::genericVideoCapability(g) => {
            let CapabilityIdentifier::standard(id) = &g.capability_identifier else {
                return None;
            };
            if &id[..] != H264_CAPABILITY_OID {
                return None;
            }
            let mut profile = H264_PROFILE_BASELINE;
            let mut level = 0u8;
            for p in g.collapsing.iter().flatten() {
                match (&p.parameter_identifier, &p.parameter_value) {
                    (
                        ParameterIdentifier::standard(H264_PARAM_PROFILE),
                        ParameterValue::booleanArray(b),
                    ) => profile = *b,
                    (
                        ParameterIdentifier::standard(H264_PARAM_LEVEL),
                        ParameterValue::unsignedMin(l),
                    ) => level = u8::try_from(*l).unwrap_or(u8::MAX),
                    _ => {}
                }
            }
            Some(VideoCodec::H264 { profile, level })
        }
        _ => None,
    }
}

pub(crate) fn oid(arcs: &'static [u32]) -> ObjectIdentifier {
    // The arcs are our own constants, all valid (first arc 0, second < 40).
    ObjectIdentifier::new(arcs).expect("valid object identifier constant")
}

/// The media a terminal can receive, in order of preference.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MediaCapabilities {
    /// Audio codecs.
    pub audio: Vec<AudioCodec>,
    /// Video codecs.
    pub video: Vec<VideoCodec>,
}

impl MediaCapabilities {
    /// What cascade offers: G.711 µ-law and A-law, H.264 Baseline and H.263.
    pub fn cascade_default() -> Self {
        MediaCapabilities {
            audio: vec![AudioCodec::Pcmu, AudioCodec::Pcma],
            video: vec![VideoCodec::H264_BASELINE, VideoCodec::H263],
        }
    }

    /// Audio only (a test peer, or a gateway leg without video).
    pub fn audio_only() -> Self {
        MediaCapabilities {
            audio: vec![AudioCodec::Pcmu, AudioCodec::Pcma],
            video: Vec::new(),
        }
    }

    /// Our TerminalCapabilitySet: one table entry per codec (receive capabilities), one
    /// descriptor saying "one audio and one video at the same time".
    pub fn to_tcs(&self, sequence_number: u8) -> TerminalCapabilitySet {
        let mut table = Vec::new();
        let mut audio_alts = Vec::new();
        let mut video_alts = Vec::new();
        for a in &self.audio {
            let n = CapabilityTableEntryNumber(table.len() as u16 + 1);
            // G.711 receive capacity: up to 30 ms per packet.
            table.push(CapabilityTableEntry::new(
                n.clone(),
                Some(Capability::receiveAudioCapability(a.capability(30))),
            ));
            audio_alts.push(n);
        }
        for v in &self.video {
            let n = CapabilityTableEntryNumber(table.len() as u16 + 1);
            table.push(CapabilityTableEntry::new(
                n.clone(),
                Some(Capability::receiveVideoCapability(
                    v.capability(VIDEO_MAX_BIT_RATE),
                )),
            ));
            video_alts.push(n);
        }
        let mut simultaneous = Vec::new();
        if !audio_alts.is_empty() {
            simultaneous.push(AlternativeCapabilitySet(audio_alts));
        }
        if !video_alts.is_empty() {
            simultaneous.push(AlternativeCapabilitySet(video_alts));
        }
        let descriptors = (!simultaneous.is_empty()).then(|| {
            SetOf::from_vec(vec![CapabilityDescriptor::new(
                CapabilityDescriptorNumber(0),
                Some(SetOf::from_vec(simultaneous)),
            )])
        });
        TerminalCapabilitySet::new(
            SequenceNumber(sequence_number),
            oid(H245_PROTOCOL_ID),
            Some(multiplex_capability()),
            (!table.is_empty()).then(|| SetOf::from_vec(table)),
            descriptors,
            None,
        )
    }

    /// The receive capabilities a peer declared. An empty set (no table) is H.245's way of
    /// saying "stop sending" (the "third-party pause" of H.323 clause 8.4.6).
    pub fn from_tcs(tcs: &TerminalCapabilitySet) -> Self {
        let mut caps = MediaCapabilities::default();
        for entry in tcs.capability_table.iter().flat_map(|t| t.iter()) {
            match &entry.capability {
                Some(
                    Capability::receiveAudioCapability(a)
                    | Capability::receiveAndTransmitAudioCapability(a),
                ) => {
                    if let Some(c) = audio_codec(a) {
                        if !caps.audio.contains(&c) {
                            caps.audio.push(c);
                        }
                    }
                }
                Some(
                    Capability::receiveVideoCapability(v)
                    | Capability::receiveAndTransmitVideoCapability(v),
                ) => {
                    if let Some(c) = video_codec(v) {
                        if !caps.video.iter().any(|x| x.name() == c.name()) {
                            caps.video.push(c);
                        }
                    }
                }
                _ => {}
            }
        }
        caps
    }

    /// The first of our codecs the peer can receive, audio then video.
    pub fn choose(&self, peer: &MediaCapabilities) -> (Option<AudioCodec>, Option<VideoCodec>) {
        let audio = self.audio.iter().copied().find(|a| peer.audio.contains(a));
        let video = self
            .video
            .iter()
            .copied()
            .find(|v| peer.video.iter().any(|p| p.name() == v.name()));
        (audio, video)
    }
}

fn multiplex_capability() -> MultiplexCapability {
    let multipoint = || MultipointCapability::new(false, false, Vec::new());
    MultiplexCapability::h2250Capability(H2250Capability::new(
        60,
        multipoint(),
        multipoint(),
        multipoint(),
        H2250CapabilityMcCapability::new(false, false),
        false,
        MediaPacketizationCapability::new(false, None),
        None,
        None,
        false,
        false,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcs_round_trips_through_per_and_back_to_the_same_view() {
        let ours = MediaCapabilities::cascade_default();
        let tcs = ours.to_tcs(1);
        let bytes = rasn::aper::encode(&tcs).unwrap();
        let back: TerminalCapabilitySet = rasn::aper::decode(&bytes).unwrap();
        assert_eq!(MediaCapabilities::from_tcs(&back), ours);
    }

    #[test]
    fn codec_data_types_are_recognised() {
        for c in [
            Codec::Audio(AudioCodec::Pcmu),
            Codec::Audio(AudioCodec::Pcma),
            Codec::Video(VideoCodec::H264_BASELINE),
            Codec::Video(VideoCodec::H263),
        ] {
            assert_eq!(Codec::from_data_type(&c.data_type()), Some(c));
        }
    }

    #[test]
    fn empty_tcs_means_nothing_receivable() {
        let tcs = MediaCapabilities::default().to_tcs(3);
        assert!(tcs.capability_table.is_none());
        assert_eq!(
            MediaCapabilities::from_tcs(&tcs),
            MediaCapabilities::default()
        );
    }

    #[test]
    fn choose_prefers_our_order_among_common_codecs() {
        let ours = MediaCapabilities::cascade_default();
        let peer = MediaCapabilities {
            audio: vec![AudioCodec::Pcma],
            video: vec![VideoCodec::H263],
        };
        assert_eq!(
            ours.choose(&peer),
            (Some(AudioCodec::Pcma), Some(VideoCodec::H263))
        );
    }
}
