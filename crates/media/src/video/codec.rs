//! H.264 encoding and decoding through OpenH264 (the `openh264` crate, built from its bundled
//! C++ source, so nothing is downloaded at build time).
//!
//! The wrapper only adapts types: our [`I420Frame`] in, NAL units (no start codes) out, IDR on
//! request; Annex B in, [`I420Frame`] out. OpenH264 produces Constrained Baseline, which is what
//! H.323 video endpoints and RFC 6184 packetization-mode 1 expect.

use openh264::decoder::Decoder;
use openh264::encoder::{
    BitRate, Encoder, EncoderConfig, FrameRate, FrameType, RateControlMode, UsageType,
};
use openh264::formats::YUVSource;
use openh264::OpenH264API;

use super::{I420Frame, VideoError, CIF};
use crate::h264::split_annex_b;

/// Encoder parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EncoderSettings {
    /// Picture width (even).
    pub width: usize,
    /// Picture height (even).
    pub height: usize,
    /// Target bitrate in bits per second.
    pub bitrate_bps: u32,
    /// Frame rate the rate control plans for.
    pub fps: f32,
}

impl Default for EncoderSettings {
    /// CIF at 30 fps and 384 kbit/s, a common H.323 video call.
    fn default() -> Self {
        Self {
            width: CIF.0,
            height: CIF.1,
            bitrate_bps: 384_000,
            fps: 30.0,
        }
    }
}

/// One encoded picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    /// NAL units without start codes (SPS and PPS precede every IDR); empty when rate control
    /// skipped the picture.
    pub nals: Vec<Vec<u8>>,
    /// Whether this is an IDR picture.
    pub keyframe: bool,
}

impl YUVSource for I420Frame {
    fn dimensions(&self) -> (usize, usize) {
        (self.width(), self.height())
    }

    fn strides(&self) -> (usize, usize, usize) {
        (self.width(), self.width() / 2, self.width() / 2)
    }

    fn y(&self) -> &[u8] {
        I420Frame::y(self)
    }

    fn u(&self) -> &[u8] {
        I420Frame::u(self)
    }

    fn v(&self) -> &[u8] {
        I420Frame::v(self)
    }
}

/// An H.264 encoder.
pub struct H264Encoder {
    inner: Encoder,
    settings: EncoderSettings,
}

impl std::fmt::Debug for H264Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H264Encoder")
            .field("settings", &self.settings)
            .finish()
    }
}

impl H264Encoder {
    /// An encoder with these settings. Rate control may skip a picture to hold the bitrate
    /// (OpenH264 cannot control bitrate otherwise); a skipped picture has no NAL units.
    pub fn new(settings: EncoderSettings) -> Result<Self, VideoError> {
        // Validate the size the same way frames are validated.
        I420Frame::new(settings.width, settings.height)?;
        let config = EncoderConfig::new()
            .bitrate(BitRate::from_bps(settings.bitrate_bps))
            .max_frame_rate(FrameRate::from_hz(settings.fps))
            .rate_control_mode(RateControlMode::Bitrate)
            .usage_type(UsageType::CameraVideoRealTime)
            .skip_frames(true);
        let inner = Encoder::with_api_config(OpenH264API::from_source(), config)?;
        Ok(Self { inner, settings })
    }

    /// The settings.
    pub fn settings(&self) -> EncoderSettings {
        self.settings
    }

    /// Makes the next picture an IDR (answer to a fast-update request, PLI or FIR).
    pub fn request_idr(&mut self) {
        self.inner.force_intra_frame();
    }

    /// Encodes one picture of the configured size.
    pub fn encode(&mut self, frame: &I420Frame) -> Result<EncodedFrame, VideoError> {
        let want = (self.settings.width, self.settings.height);
        let got = (frame.width(), frame.height());
        if got != want {
            return Err(VideoError::SizeMismatch { got, want });
        }
        let bitstream = self.inner.encode(frame)?;
        let keyframe = bitstream.frame_type() == FrameType::IDR;
        let annex_b = bitstream.to_vec();
        let nals = split_annex_b(&annex_b)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        Ok(EncodedFrame { nals, keyframe })
    }
}

/// An H.264 decoder.
pub struct H264Decoder {
    inner: Decoder,
}

impl std::fmt::Debug for H264Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("H264Decoder")
    }
}

impl H264Decoder {
    /// A decoder.
    pub fn new() -> Result<Self, VideoError> {
        Ok(Self {
            inner: Decoder::new()?,
        })
    }

    /// Decodes one access unit in Annex B form; `None` when it completes no picture.
    pub fn decode(&mut self, annex_b: &[u8]) -> Result<Option<I420Frame>, VideoError> {
        let Some(pic) = self.inner.decode(annex_b)? else {
            return Ok(None);
        };
        let (w, h) = pic.dimensions();
        let (sy, su, sv) = pic.strides();
        let mut data = Vec::with_capacity(w * h * 3 / 2);
        for row in 0..h {
            data.extend_from_slice(&pic.y()[row * sy..row * sy + w]);
        }
        for (plane, stride) in [(pic.u(), su), (pic.v(), sv)] {
            for row in 0..h / 2 {
                data.extend_from_slice(&plane[row * stride..row * stride + w / 2]);
            }
        }
        Ok(Some(I420Frame::from_bytes(w, h, data)?))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{test_pattern, Rect, Rgb, Yuv};
    use super::*;
    use crate::h264::{nal_type, NAL_IDR, NAL_PPS, NAL_SPS};

    #[test]
    fn encode_decode_keeps_the_colour_and_idr_on_request() {
        let green = Rgb::parse("green").unwrap();
        let frame = test_pattern(352, 288, green, "BOB").unwrap();
        let mut enc = H264Encoder::new(EncoderSettings::default()).unwrap();
        let mut dec = H264Decoder::new().unwrap();
        let mut decoded = None;
        let mut kinds = Vec::new();
        for i in 0..5 {
            if i == 3 {
                enc.request_idr();
            }
            let e = enc.encode(&frame).unwrap();
            kinds.push(e.keyframe);
            if e.keyframe {
                let types: Vec<u8> = e.nals.iter().map(|n| nal_type(n)).collect();
                assert_eq!(&types[..2], &[NAL_SPS, NAL_PPS]);
                assert!(types.contains(&NAL_IDR));
            }
            if let Some(pic) = dec.decode(&crate::h264::join_annex_b(&e.nals)).unwrap() {
                decoded = Some(pic);
            }
        }
        assert_eq!(kinds, [true, false, false, true, false]);
        let pic = decoded.unwrap();
        assert_eq!((pic.width(), pic.height()), (352, 288));
        let corner = pic.mean_in(Rect::new(8, 8, 64, 64));
        assert!(corner.distance(Yuv::from_rgb(green)) <= 3, "{corner:?}");
        assert!(matches!(
            enc.encode(&I420Frame::new(176, 144).unwrap()),
            Err(VideoError::SizeMismatch { .. })
        ));
    }

    #[test]
    fn encodes_720p_with_configured_rate() {
        let settings = EncoderSettings {
            width: 1280,
            height: 720,
            bitrate_bps: 1_500_000,
            fps: 15.0,
        };
        let mut enc = H264Encoder::new(settings).unwrap();
        assert_eq!(enc.settings(), settings);
        let frame = test_pattern(1280, 720, Rgb::parse("#336699").unwrap(), "HD").unwrap();
        let e = enc.encode(&frame).unwrap();
        assert!(e.keyframe);
        let mut dec = H264Decoder::new().unwrap();
        let pic = dec
            .decode(&crate::h264::join_annex_b(&e.nals))
            .unwrap()
            .unwrap();
        assert_eq!((pic.width(), pic.height()), (1280, 720));
        let want = Yuv::from_rgb(Rgb::parse("#336699").unwrap());
        assert!(pic.mean_in(Rect::new(16, 16, 128, 64)).distance(want) <= 3);
        assert!(H264Encoder::new(EncoderSettings {
            width: 353,
            ..settings
        })
        .is_err());
    }
}
