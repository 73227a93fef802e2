//! Test patterns: a solid colour with a centred text label, what a VN test terminal sends so
//! that a person (or a test) can tell participants apart in a composite.

use super::font::{glyph, GLYPH_H, GLYPH_W};
use super::{I420Frame, Rect, Rgb, VideoError, Yuv};

/// A `width`×`height` picture of `color` with `label` centred on it, in black on light colours
/// and white on dark ones, as large as fits in 80 % of the width and a quarter of the height.
pub fn test_pattern(
    width: usize,
    height: usize,
    color: Rgb,
    label: &str,
) -> Result<I420Frame, VideoError> {
    let bg = Yuv::from_rgb(color);
    let mut f = I420Frame::filled(width, height, bg)?;
    let ink = if bg.y > 125 { Yuv::BLACK } else { Yuv::WHITE };
    if let Some(r) = label_rect(width, height, label) {
        let scale = r.h / GLYPH_H;
        for (i, c) in label.chars().enumerate() {
            draw_glyph(&mut f, c, r.x + i * (GLYPH_W + 1) * scale, r.y, scale, ink);
        }
    }
    Ok(f)
}

/// Where [`test_pattern`] draws `label` (the text box, without spacing after the last glyph).
pub fn label_rect(width: usize, height: usize, label: &str) -> Option<Rect> {
    let n = label.chars().count();
    if n == 0 {
        return None;
    }
    let by_width = width * 8 / 10 / (n * (GLYPH_W + 1));
    let by_height = height / 4 / GLYPH_H;
    // Even scale keeps every glyph pixel on whole chroma samples.
    let scale = (by_width.min(by_height) & !1).max(2);
    let w = (n * (GLYPH_W + 1) - 1) * scale;
    let h = GLYPH_H * scale;
    if w > width || h > height {
        return None;
    }
    Some(Rect::new(
        ((width - w) / 2) & !1,
        ((height - h) / 2) & !1,
        w,
        h,
    ))
}

fn draw_glyph(f: &mut I420Frame, c: char, x: usize, y: usize, scale: usize, ink: Yuv) {
    for (row, bits) in glyph(c).iter().enumerate() {
        for col in 0..GLYPH_W {
            if bits >> (GLYPH_W - 1 - col) & 1 == 1 {
                f.fill_rect(
                    Rect::new(x + col * scale, y + row * scale, scale, scale),
                    ink,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_everywhere_but_the_label() {
        let red = Rgb::parse("red").unwrap();
        let f = test_pattern(352, 288, red, "ALICE 1").unwrap();
        let bg = Yuv::from_rgb(red);
        let r = label_rect(352, 288, "ALICE 1").unwrap();
        assert!(r.w >= 352 / 2, "label too small: {r:?}");
        // Outside the label box: pure background.
        assert_eq!(f.mean_in(Rect::new(0, 0, 352, r.y)), bg);
        assert_eq!(f.mean_in(Rect::new(0, r.y + r.h, 352, 288 - r.y - r.h)), bg);
        // Inside: white ink on red (Y 82), a visible share of the box.
        let ink = f.y()[r.y * 352..(r.y + r.h) * 352]
            .chunks(352)
            .flat_map(|row| &row[r.x..r.x + r.w])
            .filter(|&&p| p == 235)
            .count();
        assert!(ink * 5 > r.w * r.h, "{ink} ink pixels in {r:?}");
        // Light colours get black ink.
        let y = test_pattern(176, 144, Rgb::parse("yellow").unwrap(), "B").unwrap();
        assert!(y.y().contains(&16));
        assert!(label_rect(10, 10, "TOO LONG FOR THIS").is_none());
        assert_eq!(
            test_pattern(16, 16, red, "")
                .unwrap()
                .mean_in(Rect::new(0, 0, 16, 16)),
            bg
        );
    }

    #[test]
    fn the_label_reads_back() {
        // Sample the centre of each glyph cell and match it against the font: the text is there.
        let f = test_pattern(352, 288, Rgb::new(0, 0, 128), "R2D2").unwrap();
        let r = label_rect(352, 288, "R2D2").unwrap();
        let scale = r.h / GLYPH_H;
        for (i, c) in "R2D2".chars().enumerate() {
            let x0 = r.x + i * (GLYPH_W + 1) * scale;
            let mut read = [0u8; GLYPH_H];
            for (row, bits) in read.iter_mut().enumerate() {
                for col in 0..GLYPH_W {
                    let (px, py) = (x0 + col * scale + scale / 2, r.y + row * scale + scale / 2);
                    if f.y()[py * 352 + px] == 235 {
                        *bits |= 1 << (GLYPH_W - 1 - col);
                    }
                }
            }
            assert_eq!(read, glyph(c), "{c}");
        }
    }
}
