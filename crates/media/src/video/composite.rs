//! Continuous-presence compositing: several participants' pictures scaled into one frame in a
//! layout chosen by how many there are (or forced by the operator).
//!
//! Layouts: 1 (full frame), 1+1 (two half-size pictures side by side, vertically centred, so
//! aspect ratio is kept), 2×2 and 3×3 grids. Tile edges fall on even pixels so chroma lines up;
//! grid tiles differ by at most two pixels when the size does not divide evenly.

use super::{scale_into, I420Frame, Rect, VideoError, Yuv};

/// A continuous-presence layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// One picture, full frame.
    Single,
    /// Two pictures side by side.
    OnePlusOne,
    /// Four tiles.
    Grid2x2,
    /// Nine tiles.
    Grid3x3,
}

fn split(total: usize, parts: usize, i: usize) -> usize {
    (total * i / parts) & !1
}

impl Layout {
    /// The smallest layout that shows `n` participants (more than nine: the first nine).
    pub fn for_participants(n: usize) -> Self {
        match n {
            0 | 1 => Self::Single,
            2 => Self::OnePlusOne,
            3 | 4 => Self::Grid2x2,
            _ => Self::Grid3x3,
        }
    }

    /// How many pictures the layout shows.
    pub fn capacity(self) -> usize {
        match self {
            Self::Single => 1,
            Self::OnePlusOne => 2,
            Self::Grid2x2 => 4,
            Self::Grid3x3 => 9,
        }
    }

    /// Tile rectangles, in participant order (row by row).
    pub fn regions(self, width: usize, height: usize) -> Vec<Rect> {
        match self {
            Self::Single => vec![Rect::new(0, 0, width & !1, height & !1)],
            Self::OnePlusOne => {
                let (w2, h2, top) = ((width / 2) & !1, (height / 2) & !1, (height / 4) & !1);
                vec![Rect::new(0, top, w2, h2), Rect::new(w2, top, w2, h2)]
            }
            Self::Grid2x2 | Self::Grid3x3 => {
                let n = if self == Self::Grid2x2 { 2 } else { 3 };
                let mut tiles = Vec::with_capacity(n * n);
                for row in 0..n {
                    for col in 0..n {
                        let (x0, x1) = (split(width, n, col), split(width, n, col + 1));
                        let (y0, y1) = (split(height, n, row), split(height, n, row + 1));
                        tiles.push(Rect::new(x0, y0, x1 - x0, y1 - y0));
                    }
                }
                tiles
            }
        }
    }

    /// Whether the tiles cover the whole frame.
    fn covers_frame(self) -> bool {
        self != Self::OnePlusOne
    }
}

/// Composes frames into one output picture, reusing its buffer from call to call.
#[derive(Debug, Clone)]
pub struct Compositor {
    frame: I420Frame,
    background: Yuv,
    forced: Option<Layout>,
}

impl Compositor {
    /// A compositor producing `width`×`height` pictures on a `background` colour.
    pub fn new(width: usize, height: usize, background: Yuv) -> Result<Self, VideoError> {
        Ok(Self {
            frame: I420Frame::filled(width, height, background)?,
            background,
            forced: None,
        })
    }

    /// Forces a layout regardless of the participant count (`None`: choose by count again).
    pub fn force_layout(&mut self, layout: Option<Layout>) {
        self.forced = layout;
    }

    /// The layout used for `n` participants.
    pub fn layout_for(&self, n: usize) -> Layout {
        self.forced.unwrap_or_else(|| Layout::for_participants(n))
    }

    /// Composes one output picture. `inputs[i]` goes to tile `i`; `None` (no picture yet, or
    /// video muted) shows the background. Inputs beyond the layout's capacity are not shown.
    pub fn compose(&mut self, inputs: &[Option<&I420Frame>]) -> &I420Frame {
        let layout = self.layout_for(inputs.len());
        let (w, h) = (self.frame.width(), self.frame.height());
        if !layout.covers_frame() {
            self.frame.fill_rect(Rect::new(0, 0, w, h), self.background);
        }
        for (i, rect) in layout.regions(w, h).into_iter().enumerate() {
            match inputs.get(i).copied().flatten() {
                Some(src) => scale_into(src, &mut self.frame, rect),
                None => self.frame.fill_rect(rect, self.background),
            }
        }
        &self.frame
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Rgb, CIF};
    use super::*;

    const NAMES: [&str; 9] = [
        "red", "green", "blue", "yellow", "cyan", "magenta", "white", "orange", "purple",
    ];

    fn colour(i: usize) -> Yuv {
        Yuv::from_rgb(Rgb::parse(NAMES[i]).unwrap())
    }

    #[test]
    fn regions_tile_the_frame() {
        for layout in [Layout::Single, Layout::Grid2x2, Layout::Grid3x3] {
            for (w, h) in [CIF, (1280, 720), (176, 144)] {
                let rs = layout.regions(w, h);
                assert_eq!(rs.len(), layout.capacity());
                let area: usize = rs.iter().map(|r| r.w * r.h).sum();
                assert_eq!(area, w * h, "{layout:?} {w}x{h}");
                assert!(rs
                    .iter()
                    .all(|r| r.x % 2 == 0 && r.y % 2 == 0 && r.w % 2 == 0 && r.h % 2 == 0));
            }
        }
        assert_eq!(
            Layout::OnePlusOne.regions(352, 288),
            vec![Rect::new(0, 72, 176, 144), Rect::new(176, 72, 176, 144)]
        );
        use Layout::*;
        let picked: Vec<Layout> = (1..=10).map(Layout::for_participants).collect();
        assert_eq!(
            picked,
            [
                Single, OnePlusOne, Grid2x2, Grid2x2, Grid3x3, Grid3x3, Grid3x3, Grid3x3, Grid3x3,
                Grid3x3
            ]
        );
    }

    #[test]
    fn each_colour_lands_in_its_region() {
        let grey = Yuv::from_rgb(Rgb::new(40, 40, 40));
        let sources: Vec<I420Frame> = (0..9)
            .map(|i| I420Frame::filled(CIF.0, CIF.1, colour(i)).unwrap())
            .collect();
        for n in 1..=9 {
            let mut c = Compositor::new(CIF.0, CIF.1, grey).unwrap();
            // The last participant has no picture yet.
            let inputs: Vec<Option<&I420Frame>> = (0..n)
                .map(|i| {
                    if i + 1 == n && n > 1 {
                        None
                    } else {
                        Some(&sources[i])
                    }
                })
                .collect();
            let layout = c.layout_for(n);
            let out = c.compose(&inputs).clone();
            for (i, r) in layout.regions(CIF.0, CIF.1).iter().enumerate() {
                let want = if i < n && !(i + 1 == n && n > 1) {
                    colour(i)
                } else {
                    grey
                };
                // Look inside the tile, away from the edges.
                let got = out.mean_in(r.inset(4));
                assert!(
                    got.distance(want) <= 1,
                    "n={n} tile {i}: {got:?} vs {want:?}"
                );
            }
            if layout == Layout::OnePlusOne {
                assert_eq!(out.mean_in(Rect::new(0, 0, CIF.0, 72)), grey);
            }
        }
        // Forcing 3x3 with two participants puts them in the first two tiles.
        let mut c = Compositor::new(1280, 720, grey).unwrap();
        c.force_layout(Some(Layout::Grid3x3));
        let out = c.compose(&[Some(&sources[0]), Some(&sources[1])]).clone();
        let rs = Layout::Grid3x3.regions(1280, 720);
        assert!(out.mean_in(rs[1].inset(4)).distance(colour(1)) <= 1);
        assert!(out.mean_in(rs[8].inset(4)).distance(grey) <= 1);
    }
}
