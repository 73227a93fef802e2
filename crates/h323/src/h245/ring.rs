//! A bounded list whose entries are replaced in turn once it is full: the per-thread memos of
//! [`super::coding`] and [`super::stencil`]. What they keep recurs within a call or two, so the
//! order of insertion is a good enough proxy for use.

pub(crate) struct Ring<T, const N: usize> {
    pub(crate) entries: Vec<T>,
    next: usize,
}

impl<T, const N: usize> Ring<T, N> {
    pub(crate) const fn new() -> Self {
        Self {
            entries: Vec::new(),
            next: 0,
        }
    }

    /// Adds `t`; once `N` are held, it replaces the entries in turn, the first one first.
    pub(crate) fn insert(&mut self, t: T) {
        if self.entries.len() < N {
            self.entries.push(t);
        } else {
            self.entries[self.next] = t;
            self.next = (self.next + 1) % N;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_n_replacing_in_turn() {
        let mut r: Ring<u32, 3> = Ring::new();
        for i in 0..5 {
            r.insert(i);
        }
        assert_eq!(r.entries, [3, 4, 2]);
        r.insert(5);
        assert_eq!(r.entries, [3, 4, 5]);
    }
}
