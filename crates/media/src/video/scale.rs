//! Bilinear resampling of I420 frames into a rectangle of another frame.
//!
//! Sample positions are pixel-centre aligned (`src = (dst + 0.5)·scale − 0.5`), weights are
//! 8-bit fixed point, and each source row is filtered horizontally once and cached, so the cost
//! is about two multiply-adds per output sample. An exact 2:1 reduction (CIF into a 2×2 tile)
//! has every weight at ½, i.e. the 2×2 box average, and takes a vectorisable fast path; equal
//! sizes are a plain copy.

use super::{I420Frame, Rect};

struct Axis {
    i0: Vec<usize>,
    i1: Vec<usize>,
    /// Weight of `i1`, out of 256.
    f: Vec<u32>,
}

fn axis(src_len: usize, dst_len: usize) -> Axis {
    let mut a = Axis {
        i0: Vec::with_capacity(dst_len),
        i1: Vec::with_capacity(dst_len),
        f: Vec::with_capacity(dst_len),
    };
    let last = (src_len.max(1) - 1) as u64;
    for d in 0..dst_len as u64 {
        // Position in 1/256 source pixels: ((2d + 1)·src / (2·dst) − ½)·256, clamped to the edges.
        let pos = ((2 * d + 1) * src_len as u64 * 256 / (2 * dst_len as u64)).saturating_sub(128);
        let pos = pos.min(last * 256);
        let i0 = (pos >> 8) as usize;
        a.i0.push(i0);
        a.i1.push((i0 + 1).min(last as usize));
        a.f.push((pos & 0xff) as u32);
    }
    a
}

fn filter_row(src: &[u8], xs: &Axis, out: &mut [u32]) {
    for (((o, &i0), &i1), &f) in out.iter_mut().zip(&xs.i0).zip(&xs.i1).zip(&xs.f) {
        *o = u32::from(src[i0]) * (256 - f) + u32::from(src[i1]) * f;
    }
}

fn scale_plane(src: &[u8], sw: usize, sh: usize, dst: &mut [u8], dstride: usize, r: Rect) {
    if r.w == 0 || r.h == 0 || sw == 0 || sh == 0 {
        return;
    }
    if (sw, sh) == (r.w, r.h) {
        for row in 0..sh {
            dst[(r.y + row) * dstride + r.x..][..sw].copy_from_slice(&src[row * sw..][..sw]);
        }
        return;
    }
    if (sw, sh) == (2 * r.w, 2 * r.h) {
        halve_plane(src, sw, dst, dstride, r);
        return;
    }
    bilinear_plane(src, sw, sh, dst, dstride, r);
}

fn bilinear_plane(src: &[u8], sw: usize, sh: usize, dst: &mut [u8], dstride: usize, r: Rect) {
    let xs = axis(sw, r.w);
    let ys = axis(sh, r.h);
    let mut top = vec![0u32; r.w];
    let mut bottom = vec![0u32; r.w];
    let (mut top_row, mut bottom_row) = (usize::MAX, usize::MAX);
    for oy in 0..r.h {
        let (y0, y1, fy) = (ys.i0[oy], ys.i1[oy], ys.f[oy]);
        if top_row != y0 {
            if bottom_row == y0 {
                std::mem::swap(&mut top, &mut bottom);
                bottom_row = usize::MAX;
            } else {
                filter_row(&src[y0 * sw..(y0 + 1) * sw], &xs, &mut top);
            }
            top_row = y0;
        }
        if bottom_row != y1 {
            filter_row(&src[y1 * sw..(y1 + 1) * sw], &xs, &mut bottom);
            bottom_row = y1;
        }
        let line = &mut dst[(r.y + oy) * dstride + r.x..][..r.w];
        for ((o, &t), &b) in line.iter_mut().zip(&top).zip(&bottom) {
            *o = ((t * (256 - fy) + b * fy + 32_768) >> 16) as u8;
        }
    }
}

/// Exact 2:1 reduction, the continuous-presence common case: the bilinear weights are all ½,
/// so this is the 2×2 box average. It runs four outputs at a time in a `u64` (SWAR): pair sums
/// of 16-bit lanes never exceed 4·255 + 2, so lanes cannot carry into each other, and the bits
/// that the final shift moves across lanes are masked off. About twice the speed of the
/// byte-at-a-time loop, which the compiler does not vectorise (it cannot de-interleave pairs).
fn halve_plane(src: &[u8], sw: usize, dst: &mut [u8], dstride: usize, r: Rect) {
    const LOW: u64 = 0x00ff_00ff_00ff_00ff;
    for oy in 0..r.h {
        let a = &src[2 * oy * sw..][..2 * r.w];
        let b = &src[(2 * oy + 1) * sw..][..2 * r.w];
        let line = &mut dst[(r.y + oy) * dstride + r.x..][..r.w];
        let (a8, a_tail) = a.as_chunks::<8>();
        let (b8, b_tail) = b.as_chunks::<8>();
        let (o4, o_tail) = line.as_chunks_mut::<4>();
        for ((o, pa), pb) in o4.iter_mut().zip(a8).zip(b8) {
            let (wa, wb) = (u64::from_le_bytes(*pa), u64::from_le_bytes(*pb));
            let sum = (wa & LOW) + ((wa >> 8) & LOW) + (wb & LOW) + ((wb >> 8) & LOW);
            let avg = ((sum + 0x0002_0002_0002_0002) >> 2) & LOW;
            *o = [
                avg as u8,
                (avg >> 16) as u8,
                (avg >> 32) as u8,
                (avg >> 48) as u8,
            ];
        }
        for ((o, pa), pb) in o_tail
            .iter_mut()
            .zip(a_tail.chunks_exact(2))
            .zip(b_tail.chunks_exact(2))
        {
            let sum = u16::from(pa[0]) + u16::from(pa[1]) + u16::from(pb[0]) + u16::from(pb[1]);
            *o = ((sum + 2) >> 2) as u8;
        }
    }
}

/// Scales all of `src` into `rect` of `dst` (clipped to `dst`, and rounded down to even
/// coordinates and sizes so the chroma planes line up).
pub fn scale_into(src: &I420Frame, dst: &mut I420Frame, rect: Rect) {
    let r = rect.clip(dst.width(), dst.height());
    let r = Rect::new(r.x & !1, r.y & !1, r.w & !1, r.h & !1);
    let (sw, sh) = (src.width(), src.height());
    let dw = dst.width();
    let (dy, du, dv) = dst.planes_mut();
    scale_plane(src.y(), sw, sh, dy, dw, r);
    let c = Rect::new(r.x / 2, r.y / 2, r.w / 2, r.h / 2);
    scale_plane(src.u(), sw / 2, sh / 2, du, dw / 2, c);
    scale_plane(src.v(), sw / 2, sh / 2, dv, dw / 2, c);
}

#[cfg(test)]
mod tests {
    use super::super::Yuv;
    use super::*;

    #[test]
    fn two_to_one_is_a_box_average() {
        let mut src = I420Frame::new(4, 4).unwrap();
        src.planes_mut().0.copy_from_slice(&[
            10, 20, 30, 40, //
            30, 40, 50, 60, //
            0, 0, 100, 100, //
            0, 0, 100, 200,
        ]);
        let mut dst = I420Frame::new(2, 2).unwrap();
        scale_into(&src, &mut dst, Rect::new(0, 0, 2, 2));
        assert_eq!(dst.y(), &[25, 45, 0, 125]);
    }

    #[test]
    fn fast_paths_equal_the_general_filter() {
        let src: Vec<u8> = (0..64u32 * 48)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let mut fast = vec![0u8; 32 * 24];
        let mut general = vec![0u8; 32 * 24];
        let r = Rect::new(0, 0, 32, 24);
        scale_plane(&src, 64, 48, &mut fast, 32, r);
        bilinear_plane(&src, 64, 48, &mut general, 32, r);
        assert_eq!(fast, general);
        // A width that is not a multiple of four exercises the scalar tail.
        let mut fast = vec![0u8; 30 * 24];
        let mut general = vec![0u8; 30 * 24];
        let r = Rect::new(0, 0, 30, 24);
        scale_plane(&src[..60 * 48], 60, 48, &mut fast, 30, r);
        bilinear_plane(&src[..60 * 48], 60, 48, &mut general, 30, r);
        assert_eq!(fast, general);
        let mut copy = vec![0u8; 64 * 48];
        scale_plane(&src, 64, 48, &mut copy, 64, Rect::new(0, 0, 64, 48));
        let mut general = vec![0u8; 64 * 48];
        bilinear_plane(&src, 64, 48, &mut general, 64, Rect::new(0, 0, 64, 48));
        assert_eq!(copy, src);
        assert_eq!(general, src);
        // Saturated input cannot carry between SWAR lanes.
        let white = vec![255u8; 16 * 4];
        let mut out = vec![0u8; 8 * 2];
        halve_plane(&white, 16, &mut out, 8, Rect::new(0, 0, 8, 2));
        assert!(out.iter().all(|&p| p == 255));
    }

    #[test]
    fn solid_colour_stays_solid_and_only_the_rect_changes() {
        let c = Yuv {
            y: 81,
            u: 90,
            v: 240,
        };
        let src = I420Frame::filled(352, 288, c).unwrap();
        let mut dst = I420Frame::new(352, 288).unwrap();
        let r = Rect::new(118, 96, 116, 96);
        scale_into(&src, &mut dst, r);
        assert_eq!(dst.mean_in(r), c);
        assert_eq!(dst.mean_in(Rect::new(0, 0, 118, 288)), Yuv::BLACK);
        assert_eq!(dst.mean_in(Rect::new(234, 0, 118, 288)), Yuv::BLACK);
        // Upscaling too.
        let small = I420Frame::filled(16, 16, c).unwrap();
        let mut big = I420Frame::new(64, 48).unwrap();
        scale_into(&small, &mut big, Rect::new(0, 0, 64, 48));
        assert_eq!(big.mean_in(Rect::new(0, 0, 64, 48)), c);
    }

    #[test]
    fn gradient_is_preserved() {
        let mut src = I420Frame::new(256, 2).unwrap();
        for (i, p) in src.planes_mut().0.iter_mut().enumerate() {
            *p = (i % 256) as u8;
        }
        let mut dst = I420Frame::new(128, 2).unwrap();
        scale_into(&src, &mut dst, Rect::new(0, 0, 128, 2));
        for (i, &p) in dst.y()[..128].iter().enumerate() {
            // Averages of (2i, 2i+1), rounded.
            assert_eq!(i32::from(p), (4 * i as i32 + 1 + 1) / 2, "{i}");
        }
    }
}
