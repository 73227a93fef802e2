//! A jitter buffer: packets go in as they arrive (lost, reordered, duplicated), come out in
//! sequence order at their playout time, with gaps reported as [`Playout::Conceal`].
//!
//! Playout time of a packet with (extended) timestamp `ts` is
//! `anchor_instant + (ts - anchor_ts) / clock_rate + delay`: the anchor maps the sender's media
//! clock onto our arrival clock and `delay` is the adaptive playout delay. The delay
//! - starts at `initial_delay`;
//! - grows at once by however late a packet arrived (a late packet means the delay was too
//!   small; the cost is one gap the caller conceals);
//! - shrinks by one step per second toward `min_delay + 3·J` (J: RFC 3550 A.8 interarrival
//!   jitter) after two seconds without late packets;
//! - is re-applied by re-anchoring at a talkspurt start (marker bit into an empty buffer) and
//!   after a resync.
//!
//! Audio mode expects the caller to pop once per frame interval. It plays a frame up to half a
//! frame early and, when the caller has fallen 1.5 frames behind, skips the oldest frame (that is
//! how a smaller delay takes effect), so a ticking consumer gets one frame per tick. Video mode
//! releases every packet whose time has come (call `pop` until it returns `None`) and never
//! skips, since the depacketizer needs every packet of a frame.
//!
//! Memory is bounded: only sequence numbers in `[next, next + capacity)` are held; a packet
//! further ahead means the stream restarted (or lost more than the buffer holds) and the buffer
//! starts over from it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::rtp::{ClockRate, SeqExtender, TimestampExtender};

/// How long the delay must go without a late packet before it may shrink.
const DECREASE_HOLD: Duration = Duration::from_secs(2);
/// At most one decrease step per this interval.
const DECREASE_INTERVAL: Duration = Duration::from_secs(1);
/// Decrease step for video, where there is no frame duration to go by.
const VIDEO_STEP: Duration = Duration::from_millis(10);

/// What the buffer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One packet per frame of `frame_ticks` media ticks (160 for 20 ms at 8 kHz).
    Audio {
        /// Ticks per packet.
        frame_ticks: u32,
    },
    /// Several packets per frame, in sequence order, all released when due.
    Video,
}

/// Jitter buffer settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Media clock rate of the stream.
    pub clock_rate: ClockRate,
    /// Lower bound of the playout delay.
    pub min_delay: Duration,
    /// Upper bound of the playout delay.
    pub max_delay: Duration,
    /// Delay before anything has been measured.
    pub initial_delay: Duration,
    /// Most packets held at once (also the widest sequence window accepted).
    pub capacity: usize,
    /// Audio or video behaviour.
    pub mode: Mode,
}

impl JitterConfig {
    /// G.711 at 8 kHz in 20 ms packets: 20–300 ms delay, starting at 60 ms, 64 packets held.
    pub fn audio_8k_20ms() -> Self {
        Self {
            clock_rate: ClockRate::AUDIO_8K,
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(300),
            initial_delay: Duration::from_millis(60),
            capacity: 64,
            mode: Mode::Audio { frame_ticks: 160 },
        }
    }

    /// Video at 90 kHz: 20–500 ms delay, starting at 100 ms, 1024 packets held.
    pub fn video_90k() -> Self {
        Self {
            clock_rate: ClockRate::VIDEO_90K,
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(500),
            initial_delay: Duration::from_millis(100),
            capacity: 1024,
            mode: Mode::Video,
        }
    }
}

/// An RTP packet as far as the jitter buffer cares; the payload type is the caller's choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<P> {
    /// RTP sequence number.
    pub sequence: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// RTP marker bit.
    pub marker: bool,
    /// Payload (bytes, decoded samples, ...).
    pub payload: P,
}

/// What to play next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout<P> {
    /// The packet for this slot.
    Frame(Packet<P>),
    /// The packet for this slot never came: the caller conceals (or the depacketizer notes loss).
    Conceal {
        /// Sequence number of the missing packet.
        sequence: u16,
        /// Its timestamp, estimated.
        timestamp: u32,
    },
}

/// What happened to a pushed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Held for playout.
    Buffered,
    /// Already held, or recently played: dropped.
    Duplicate,
    /// Its slot was already played or concealed: dropped (and the delay grows).
    Late,
    /// Too far ahead of the stream: the buffer was emptied and restarted from this packet.
    Resync,
}

/// Counters since creation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Packets pushed.
    pub received: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Late packets dropped.
    pub late: u64,
    /// Slots reported as [`Playout::Conceal`].
    pub concealed: u64,
    /// Slots skipped to catch up (audio only).
    pub skipped: u64,
    /// Restarts.
    pub resyncs: u64,
}

#[derive(Debug, Clone)]
struct Entry<P> {
    ts: u64,
    packet: Packet<P>,
}

/// The jitter buffer. See the module doc.
#[derive(Debug, Clone)]
pub struct JitterBuffer<P> {
    config: JitterConfig,
    buf: BTreeMap<u64, Entry<P>>,
    seq_ext: SeqExtender,
    ts_ext: TimestampExtender,
    next: Option<u64>,
    started: bool,
    anchor: Option<(Instant, u64)>,
    delay: Duration,
    last_out: Option<(u64, u64)>,
    /// Bit i set: slot `next - 1 - i` was played (or skipped) as a real packet.
    recent: u128,
    epoch: Option<Instant>,
    prev_transit: Option<i64>,
    /// A.8 jitter estimate in ticks.
    jitter: f64,
    last_late: Option<Instant>,
    last_change: Option<Instant>,
    stats: JitterStats,
}

impl<P> JitterBuffer<P> {
    /// An empty buffer.
    pub fn new(config: JitterConfig) -> Self {
        Self {
            config,
            buf: BTreeMap::new(),
            seq_ext: SeqExtender::new(),
            ts_ext: TimestampExtender::new(),
            next: None,
            started: false,
            anchor: None,
            delay: config.initial_delay,
            last_out: None,
            recent: 0,
            epoch: None,
            prev_transit: None,
            jitter: 0.0,
            last_late: None,
            last_change: None,
            stats: JitterStats::default(),
        }
    }

    /// Packets held.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Current playout delay.
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// Interarrival jitter estimate.
    pub fn jitter(&self) -> Duration {
        self.config.clock_rate.duration_of(self.jitter as u64)
    }

    /// Counters.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    fn frame_duration(&self) -> Duration {
        match self.config.mode {
            Mode::Audio { frame_ticks } => {
                self.config.clock_rate.duration_of(u64::from(frame_ticks))
            }
            Mode::Video => VIDEO_STEP,
        }
    }

    fn target_delay(&self) -> Duration {
        let j = self
            .config
            .clock_rate
            .duration_of((3.0 * self.jitter) as u64);
        (self.config.min_delay + j).clamp(self.config.min_delay, self.config.max_delay)
    }

    fn due(&self, ts: u64) -> Option<Instant> {
        let (at, anchor_ts) = self.anchor?;
        let rate = self.config.clock_rate;
        let base = if ts >= anchor_ts {
            at.checked_add(rate.duration_of(ts - anchor_ts))
        } else {
            at.checked_sub(rate.duration_of(anchor_ts - ts))
        };
        base.unwrap_or(at).checked_add(self.delay)
    }

    fn update_jitter(&mut self, now: Instant, ts: u64) {
        let epoch = *self.epoch.get_or_insert(now);
        let arrival = self
            .config
            .clock_rate
            .ticks_in(now.saturating_duration_since(epoch));
        let transit = i64::try_from(arrival)
            .unwrap_or(i64::MAX)
            .wrapping_sub(ts as i64);
        if let Some(prev) = self.prev_transit {
            let d = transit.wrapping_sub(prev).unsigned_abs() as f64;
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.prev_transit = Some(transit);
    }

    fn restart(&mut self, now: Instant, ext: u64, ts: u64, delay: Duration) {
        self.buf.clear();
        self.next = Some(ext);
        self.started = false;
        self.anchor = Some((now, ts));
        self.last_out = None;
        self.recent = 0;
        self.delay = delay;
    }

    fn note_late(&mut self, now: Instant, ts: u64) {
        self.last_late = Some(now);
        if let Some(due) = self.due(ts) {
            let lateness = now.saturating_duration_since(due);
            self.delay = (self.delay + lateness).min(self.config.max_delay);
        }
    }

    /// Takes a packet that arrived at `now`.
    pub fn push(&mut self, now: Instant, packet: Packet<P>) -> PushOutcome {
        self.stats.received += 1;
        let ext = self.seq_ext.extend(packet.sequence);
        let ts = self.ts_ext.extend(packet.timestamp);
        let capacity = self.config.capacity.max(1) as u64;
        let Some(next) = self.next else {
            self.update_jitter(now, ts);
            self.restart(now, ext, ts, self.config.initial_delay);
            self.buf.insert(ext, Entry { ts, packet });
            return PushOutcome::Buffered;
        };
        if self.buf.contains_key(&ext) || self.was_played(ext, next) {
            self.stats.duplicates += 1;
            return PushOutcome::Duplicate;
        }
        self.update_jitter(now, ts);
        if ext < next {
            let highest = self.buf.keys().next_back().copied().unwrap_or(next);
            if self.started || highest - ext >= capacity {
                // Played or concealed already (or a duplicate of something played).
                self.stats.late += 1;
                self.note_late(now, ts);
                return PushOutcome::Late;
            }
            // Reordered before anything was played: start earlier.
            self.next = Some(ext);
        } else if ext - next >= capacity {
            self.stats.resyncs += 1;
            self.restart(now, ext, ts, self.delay.max(self.target_delay()));
            self.buf.insert(ext, Entry { ts, packet });
            return PushOutcome::Resync;
        } else if self.buf.is_empty() && ext == next && packet.marker && self.started {
            // Talkspurt start into an empty buffer: re-anchor here with the delay we want now.
            self.anchor = Some((now, ts));
            self.delay = self.target_delay();
            self.last_change = Some(now);
        } else if self.due(ts).is_some_and(|d| d < now) {
            self.note_late(now, ts);
        }
        self.buf.insert(ext, Entry { ts, packet });
        PushOutcome::Buffered
    }

    fn estimate_ts(&self, slot: u64, first_present: (u64, u64)) -> u64 {
        let (m, ts_m) = first_present;
        match self.config.mode {
            Mode::Video => ts_m,
            Mode::Audio { frame_ticks } => {
                // From the last slot played, unless the stream jumped ahead since (silence
                // suppression): then the lost packets were just before the next one we have.
                let f = u64::from(frame_ticks);
                let from_next = ts_m.saturating_sub((m - slot) * f);
                let from_last = self
                    .last_out
                    .map_or(0, |(s, t)| t + slot.saturating_sub(s) * f);
                from_last.max(from_next).min(ts_m)
            }
        }
    }

    /// When the next slot becomes playable (for the caller's timer), if anything is held.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let next = self.next?;
        let (&m, e) = self.buf.iter().next()?;
        let ts = if m == next {
            e.ts
        } else {
            self.estimate_ts(next, (m, e.ts))
        };
        let due = self.due(ts)?;
        Some(match self.config.mode {
            Mode::Audio { .. } => due.checked_sub(self.frame_duration() / 2).unwrap_or(due),
            Mode::Video => due,
        })
    }

    /// The next slot if its playout time has come at `now`, else `None`.
    pub fn pop(&mut self, now: Instant) -> Option<Playout<P>> {
        loop {
            let slot = self.next?;
            let (&m, first) = self.buf.iter().next()?;
            let present = m == slot;
            let ts = if present {
                first.ts
            } else {
                self.estimate_ts(slot, (m, first.ts))
            };
            let due = self.due(ts)?;
            if let Mode::Audio { .. } = self.config.mode {
                let frame = self.frame_duration();
                if due > now + frame / 2 {
                    return None;
                }
                let behind = now.saturating_duration_since(due);
                let more = !present || self.buf.len() > 1;
                if behind >= frame + frame / 2 && more {
                    // Too far behind: drop this slot so latency comes back down.
                    if present {
                        self.buf.remove(&slot);
                    }
                    self.stats.skipped += 1;
                    self.advance(slot, ts, present);
                    continue;
                }
            } else if due > now {
                return None;
            }
            self.advance(slot, ts, present);
            self.maybe_decrease(now);
            return Some(match self.buf.remove(&slot).filter(|_| present) {
                Some(e) => Playout::Frame(e.packet),
                None => {
                    self.stats.concealed += 1;
                    Playout::Conceal {
                        sequence: slot as u16,
                        timestamp: ts as u32,
                    }
                }
            });
        }
    }

    fn advance(&mut self, slot: u64, ts: u64, had_packet: bool) {
        self.next = Some(slot + 1);
        self.last_out = Some((slot, ts));
        self.started = true;
        self.recent = self.recent << 1 | u128::from(had_packet);
    }

    fn was_played(&self, ext: u64, next: u64) -> bool {
        ext < next && next - 1 - ext < 128 && self.recent >> (next - 1 - ext) & 1 == 1
    }

    fn maybe_decrease(&mut self, now: Instant) {
        let quiet = self
            .last_late
            .is_none_or(|t| now.saturating_duration_since(t) >= DECREASE_HOLD);
        let due = self
            .last_change
            .is_none_or(|t| now.saturating_duration_since(t) >= DECREASE_INTERVAL);
        let step = self.frame_duration();
        if quiet && due && self.delay >= self.target_delay() + step {
            self.delay -= step;
            self.last_change = Some(now);
        }
    }
}

#[cfg(test)]
mod tests;
