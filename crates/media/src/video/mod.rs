//! Video for the MCU's continuous presence and the VN terminals' test sources: I420 frames,
//! scaling, compositing into layouts, colour test patterns with a text label, and a small
//! wrapper over OpenH264 for encoding and decoding.
//!
//! `frame` owns the picture type and colours, `scale` the bilinear resampler, `composite` the
//! layouts, `pattern` and `font` the test pattern, `codec` the OpenH264 wrapper.

mod codec;
mod composite;
mod font;
mod frame;
mod pattern;
mod scale;

pub use codec::{EncodedFrame, EncoderSettings, H264Decoder, H264Encoder};
pub use composite::{Compositor, Layout};
pub use frame::{I420Frame, Rect, Rgb, Yuv};
pub use pattern::{label_rect, test_pattern};
pub use scale::scale_into;

use thiserror::Error;

/// CIF, the H.323 baseline picture size.
pub const CIF: (usize, usize) = (352, 288);

/// Why a video operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VideoError {
    /// Sizes must be even (4:2:0 chroma), non-zero and at most 4096.
    #[error("bad picture size {width}x{height}: must be even, 2..=4096")]
    BadSize {
        /// Width requested.
        width: usize,
        /// Height requested.
        height: usize,
    },
    /// Plane data of the wrong length.
    #[error("I420 data of {actual} bytes, expected {expected}")]
    BadLength {
        /// Bytes expected for the size.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
    /// Neither a known colour name nor `#RRGGBB`.
    #[error("unknown colour {name:?}: use a name (red, green, ...) or #RRGGBB")]
    UnknownColor {
        /// What was given.
        name: String,
    },
    /// A frame whose size differs from the encoder's.
    #[error("frame is {got:?}, encoder is set up for {want:?}")]
    SizeMismatch {
        /// Frame size.
        got: (usize, usize),
        /// Encoder size.
        want: (usize, usize),
    },
    /// OpenH264 reported an error.
    #[error("OpenH264: {0}")]
    Codec(#[from] openh264::Error),
}
