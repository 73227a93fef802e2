//! A small seeded generator for protocol numbers (status determination numbers, call reference
//! values). The core never seeds itself: the I/O layer passes entropy in, so tests replay exactly.
//! SplitMix64 (Steele, Lea, Flood 2014) is enough here: these numbers need to differ between
//! peers, not to resist an attacker.

/// SplitMix64.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// 16 random bytes (a GUID for conferenceID / callIdentifier).
    pub fn guid(&mut self) -> [u8; 16] {
        let mut g = [0u8; 16];
        g[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        g[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        g
    }
}
