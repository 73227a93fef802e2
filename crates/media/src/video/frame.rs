//! I420 (planar YUV 4:2:0) frames, rectangles on them, and colours: RGB from names or
//! `#RRGGBB`, converted to limited-range BT.601 YUV (what H.264 at SD sizes assumes).

use super::VideoError;

/// A colour in limited-range BT.601 YUV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Yuv {
    /// Luma, 16..=235.
    pub y: u8,
    /// Blue-difference chroma, 16..=240.
    pub u: u8,
    /// Red-difference chroma, 16..=240.
    pub v: u8,
}

impl Yuv {
    /// Black.
    pub const BLACK: Self = Self {
        y: 16,
        u: 128,
        v: 128,
    };
    /// White.
    pub const WHITE: Self = Self {
        y: 235,
        u: 128,
        v: 128,
    };

    /// BT.601 limited-range conversion in 8-bit fixed point (the usual integer approximation of
    /// Y = 16 + 219·(0.299R + 0.587G + 0.114B)/255, etc.).
    pub fn from_rgb(c: Rgb) -> Self {
        let (r, g, b) = (i32::from(c.r), i32::from(c.g), i32::from(c.b));
        let y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
        let u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
        let v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
        // Each result lies in 16..=240 by construction of the coefficients.
        Self {
            y: y as u8,
            u: u as u8,
            v: v as u8,
        }
    }

    /// Back to sRGB (BT.601 limited range, the inverse of [`Yuv::from_rgb`] in fixed point with
    /// 8 fractional bits), clamped to 0..=255.
    pub fn to_rgb(self) -> Rgb {
        let c = i32::from(self.y) - 16;
        let d = i32::from(self.u) - 128;
        let e = i32::from(self.v) - 128;
        let clamp = |x: i32| ((x + 128) >> 8).clamp(0, 255) as u8;
        Rgb {
            r: clamp(298 * c + 409 * e),
            g: clamp(298 * c - 100 * d - 208 * e),
            b: clamp(298 * c + 516 * d),
        }
    }

    /// Largest per-component difference, for "is this the colour" checks after lossy coding.
    pub fn distance(self, other: Self) -> u8 {
        self.y
            .abs_diff(other.y)
            .max(self.u.abs_diff(other.u))
            .max(self.v.abs_diff(other.v))
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

impl Rgb {
    /// A colour from its components.
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// Parses `#RRGGBB` (or `RRGGBB`) or a CSS basic colour name, case-insensitively.
    pub fn parse(s: &str) -> Result<Self, VideoError> {
        let t = s.trim();
        let hex = t.strip_prefix('#').unwrap_or(t);
        if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            if let Ok(n) = u32::from_str_radix(hex, 16) {
                return Ok(Self::new((n >> 16) as u8, (n >> 8) as u8, n as u8));
            }
        }
        let c = match t.to_ascii_lowercase().as_str() {
            "black" => Self::new(0, 0, 0),
            "white" => Self::new(255, 255, 255),
            "red" => Self::new(255, 0, 0),
            "green" | "lime" => Self::new(0, 255, 0),
            "blue" => Self::new(0, 0, 255),
            "yellow" => Self::new(255, 255, 0),
            "cyan" | "aqua" => Self::new(0, 255, 255),
            "magenta" | "fuchsia" => Self::new(255, 0, 255),
            "gray" | "grey" => Self::new(128, 128, 128),
            "orange" => Self::new(255, 165, 0),
            "purple" => Self::new(128, 0, 128),
            "navy" => Self::new(0, 0, 128),
            "maroon" => Self::new(128, 0, 0),
            "olive" => Self::new(128, 128, 0),
            "teal" => Self::new(0, 128, 128),
            _ => return Err(VideoError::UnknownColor { name: s.to_owned() }),
        };
        Ok(c)
    }
}

/// A rectangle in luma pixels. Compositing keeps x, y, w and h even so chroma lines up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge.
    pub x: usize,
    /// Top edge.
    pub y: usize,
    /// Width.
    pub w: usize,
    /// Height.
    pub h: usize,
}

impl Rect {
    /// A rectangle.
    pub const fn new(x: usize, y: usize, w: usize, h: usize) -> Self {
        Self { x, y, w, h }
    }

    /// The part of this rectangle inside a `width`×`height` picture.
    pub fn clip(self, width: usize, height: usize) -> Self {
        let x = self.x.min(width);
        let y = self.y.min(height);
        Self::new(x, y, self.w.min(width - x), self.h.min(height - y))
    }

    /// The rectangle shrunk by `margin` on every side.
    pub fn inset(self, margin: usize) -> Self {
        let m = margin.min(self.w / 2).min(self.h / 2);
        Self::new(self.x + m, self.y + m, self.w - 2 * m, self.h - 2 * m)
    }
}

/// A planar YUV 4:2:0 picture: Y (w×h), then U and V (w/2×h/2), tightly packed.
#[derive(Clone, PartialEq, Eq)]
pub struct I420Frame {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

impl std::fmt::Debug for I420Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "I420Frame({}x{})", self.width, self.height)
    }
}

fn check_size(width: usize, height: usize) -> Result<(), VideoError> {
    let ok = |d: usize| (2..=4096).contains(&d) && d.is_multiple_of(2);
    if ok(width) && ok(height) {
        Ok(())
    } else {
        Err(VideoError::BadSize { width, height })
    }
}

impl I420Frame {
    /// A frame of one colour.
    pub fn filled(width: usize, height: usize, color: Yuv) -> Result<Self, VideoError> {
        check_size(width, height)?;
        let luma = width * height;
        let mut data = vec![color.y; luma + luma / 2];
        data[luma..luma + luma / 4].fill(color.u);
        data[luma + luma / 4..].fill(color.v);
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// A black frame.
    pub fn new(width: usize, height: usize) -> Result<Self, VideoError> {
        Self::filled(width, height, Yuv::BLACK)
    }

    /// Wraps packed I420 bytes.
    pub fn from_bytes(width: usize, height: usize, data: Vec<u8>) -> Result<Self, VideoError> {
        check_size(width, height)?;
        let expected = width * height * 3 / 2;
        if data.len() != expected {
            return Err(VideoError::BadLength {
                expected,
                actual: data.len(),
            });
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The packed bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Luma plane.
    pub fn y(&self) -> &[u8] {
        &self.data[..self.width * self.height]
    }

    /// U plane.
    pub fn u(&self) -> &[u8] {
        let l = self.width * self.height;
        &self.data[l..l + l / 4]
    }

    /// V plane.
    pub fn v(&self) -> &[u8] {
        let l = self.width * self.height;
        &self.data[l + l / 4..]
    }

    /// All three planes, mutably.
    pub fn planes_mut(&mut self) -> (&mut [u8], &mut [u8], &mut [u8]) {
        let l = self.width * self.height;
        let (y, uv) = self.data.split_at_mut(l);
        let (u, v) = uv.split_at_mut(l / 4);
        (y, u, v)
    }

    /// The picture as packed 8-bit RGB (`width * height * 3` bytes, row by row), what PNG
    /// writers and `ffmpeg -pix_fmt rgb24` use. Each chroma sample covers a 2×2 block.
    pub fn to_rgb24(&self) -> Vec<u8> {
        let (w, h) = (self.width, self.height);
        let (y, u, v) = (self.y(), self.u(), self.v());
        let mut out = Vec::with_capacity(w * h * 3);
        for row in 0..h {
            for col in 0..w {
                let c = (row / 2) * (w / 2) + col / 2;
                let rgb = Yuv {
                    y: y[row * w + col],
                    u: u[c],
                    v: v[c],
                }
                .to_rgb();
                out.extend_from_slice(&[rgb.r, rgb.g, rgb.b]);
            }
        }
        out
    }

    /// Fills a rectangle (clipped to the frame; chroma covers the luma rectangle rounded out).
    pub fn fill_rect(&mut self, rect: Rect, color: Yuv) {
        let r = rect.clip(self.width, self.height);
        let w = self.width;
        let (y, u, v) = self.planes_mut();
        for row in r.y..r.y + r.h {
            y[row * w + r.x..row * w + r.x + r.w].fill(color.y);
        }
        let (cx0, cy0) = (r.x / 2, r.y / 2);
        let (cx1, cy1) = ((r.x + r.w).div_ceil(2), (r.y + r.h).div_ceil(2));
        for row in cy0..cy1 {
            let line = row * (w / 2);
            u[line + cx0..line + cx1].fill(color.u);
            v[line + cx0..line + cx1].fill(color.v);
        }
    }

    /// Mean colour over a rectangle (clipped); black for an empty one.
    pub fn mean_in(&self, rect: Rect) -> Yuv {
        let r = rect.clip(self.width, self.height);
        let cr = Rect::new(r.x / 2, r.y / 2, r.w / 2, r.h / 2);
        let mean = |plane: &[u8], stride: usize, r: Rect| -> u8 {
            let mut sum = 0u64;
            for row in r.y..r.y + r.h {
                sum += plane[row * stride + r.x..row * stride + r.x + r.w]
                    .iter()
                    .map(|&p| u64::from(p))
                    .sum::<u64>();
            }
            let n = (r.w * r.h) as u64;
            sum.checked_div(n).unwrap_or(0) as u8
        };
        if r.w == 0 || r.h == 0 {
            return Yuv::BLACK;
        }
        Yuv {
            y: mean(self.y(), self.width, r),
            u: mean(self.u(), self.width / 2, cr),
            v: mean(self.v(), self.width / 2, cr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_round_trip_stays_within_rounding() {
        for c in [
            Rgb::new(255, 0, 0),
            Rgb::new(0, 255, 0),
            Rgb::new(0, 0, 255),
            Rgb::new(255, 165, 0),
            Rgb::new(18, 52, 86),
            Rgb::new(255, 255, 255),
            Rgb::new(0, 0, 0),
        ] {
            let back = Yuv::from_rgb(c).to_rgb();
            for (a, b) in [(c.r, back.r), (c.g, back.g), (c.b, back.b)] {
                assert!(a.abs_diff(b) <= 3, "{c:?} came back as {back:?}");
            }
        }
        let mut f = I420Frame::filled(4, 2, Yuv::from_rgb(Rgb::new(0, 0, 255))).unwrap();
        f.fill_rect(Rect::new(2, 0, 2, 2), Yuv::WHITE);
        let rgb = f.to_rgb24();
        assert_eq!(rgb.len(), 4 * 2 * 3);
        assert!(
            rgb[2] > 250 && rgb[0] < 5,
            "left pixel is blue: {:?}",
            &rgb[..3]
        );
        assert!(rgb[6..9].iter().all(|&x| x > 250), "right half is white");
    }

    #[test]
    fn bt601_reference_colours() {
        // Exact values everybody quotes for the 100% bars...
        let exact = [
            ("white", (235, 128, 128)),
            ("black", (16, 128, 128)),
            ("red", (82, 90, 240)),
        ];
        for (name, (y, u, v)) in exact {
            let c = Yuv::from_rgb(Rgb::parse(name).unwrap());
            assert_eq!((c.y, c.u, c.v), (y, u, v), "{name}");
        }
        // ...and within one code value of the real-valued BT.601 matrix for the rest.
        for name in [
            "green", "blue", "#FFFF00", "cyan", "magenta", "grey", "orange", "#123456",
        ] {
            let rgb = Rgb::parse(name).unwrap();
            let (r, g, b) = (f64::from(rgb.r), f64::from(rgb.g), f64::from(rgb.b));
            let y = 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
            let u = 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
            let v = 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
            let c = Yuv::from_rgb(rgb);
            for (got, want) in [(c.y, y), (c.u, u), (c.v, v)] {
                assert!(
                    (f64::from(got) - want).abs() <= 1.0,
                    "{name}: {got} vs {want}"
                );
            }
        }
        assert!(Rgb::parse("#12345").is_err());
        assert!(Rgb::parse("chartreuse-ish").is_err());
        assert_eq!(Rgb::parse("00ff00").unwrap(), Rgb::new(0, 255, 0));
    }

    #[test]
    fn frames_and_rects() {
        assert!(I420Frame::new(3, 2).is_err());
        assert!(I420Frame::new(0, 2).is_err());
        assert!(I420Frame::from_bytes(4, 2, vec![0; 11]).is_err());
        let red = Yuv::from_rgb(Rgb::new(255, 0, 0));
        let mut f = I420Frame::new(16, 16).unwrap();
        f.fill_rect(Rect::new(8, 8, 100, 100), red);
        assert_eq!(f.mean_in(Rect::new(8, 8, 8, 8)), red);
        assert_eq!(f.mean_in(Rect::new(0, 0, 8, 8)), Yuv::BLACK);
        assert_eq!(f.y().len() + f.u().len() + f.v().len(), f.as_bytes().len());
        assert_eq!(Rect::new(0, 0, 10, 10).inset(2), Rect::new(2, 2, 6, 6));
    }
}
