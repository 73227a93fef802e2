//! Two sans-IO calls wired back to back with a virtual clock (the shape of quinn-proto's
//! `Pair`): `drive` moves bytes between them and advances time to whichever side wakes first.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use h323::call::{Alias, Call, CallConfig, CallTimers, Dial, EndpointKind, Event};
use h323::h245::capabilities::MediaCapabilities;
use h323::h245::msd::terminal_type;
use h323::h245::session::{H245Config, H245Timers, LocalMedia, MediaAddress};

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn config(kind: EndpointKind, media_base: u16) -> CallConfig {
    let ip = if kind == EndpointKind::Mcu {
        "127.0.0.2"
    } else {
        "127.0.0.1"
    };
    let m = |p: u16| addr(&format!("{ip}:{p}"));
    CallConfig {
        kind,
        aliases: vec![Alias::H323Id(format!("{kind:?}"))],
        display: Some(format!("{kind:?} display")),
        signalling_address: None,
        h245: H245Config {
            terminal_type: match kind {
                EndpointKind::Mcu => terminal_type::MCU,
                EndpointKind::Gateway => terminal_type::GATEWAY,
                _ => terminal_type::TERMINAL,
            },
            capabilities: MediaCapabilities::cascade_default(),
            media: LocalMedia {
                audio: Some(MediaAddress {
                    rtp: m(media_base),
                    rtcp: m(media_base + 1),
                }),
                video: Some(MediaAddress {
                    rtp: m(media_base + 2),
                    rtcp: m(media_base + 3),
                }),
            },
            timers: H245Timers::default(),
            open_channels: true,
        },
        fast_start: true,
        tunnelling: true,
        h245_listener: None,
        timers: CallTimers::default(),
    }
}

pub struct Pair {
    pub now: Instant,
    pub caller: Call,
    pub callee: Call,
    pub caller_events: Vec<Event>,
    pub callee_events: Vec<Event>,
    /// Whether the separate H.245 connection exists.
    h245_link: bool,
    /// Stop delivering anything to the callee (a peer that accepts TCP and stays silent).
    pub callee_deaf: bool,
}

impl Pair {
    pub fn new(caller_cfg: CallConfig, callee_cfg: CallConfig) -> Pair {
        Pair::with_seeds(caller_cfg, callee_cfg, (0xC0FFEE, 0xBEEF))
    }

    /// A pair whose calls draw their identifiers and MSD numbers from `seeds`.
    pub fn with_seeds(caller_cfg: CallConfig, callee_cfg: CallConfig, seeds: (u64, u64)) -> Pair {
        let now = Instant::now();
        let dial = Dial {
            destination: vec![Alias::DialedDigits("1234".into())],
            called_number: Some("1234".into()),
            address: addr("127.0.0.2:1720"),
        };
        Pair {
            now,
            caller: Call::outgoing(now, caller_cfg, dial, seeds.0),
            callee: Call::incoming(now, callee_cfg, seeds.1),
            caller_events: Vec::new(),
            callee_events: Vec::new(),
            h245_link: false,
            callee_deaf: false,
        }
    }

    /// Moves bytes and events until both sides are quiet; returns true if anything happened.
    pub fn step(&mut self) -> bool {
        let mut moved = false;
        while let Some(t) = self.caller.poll_transmit() {
            moved = true;
            if !self.callee_deaf {
                self.callee.handle_input(self.now, t.channel, &t.bytes);
            }
        }
        while let Some(t) = self.callee.poll_transmit() {
            moved = true;
            self.caller.handle_input(self.now, t.channel, &t.bytes);
        }
        while let Some(e) = self.caller.poll_event() {
            moved = true;
            if let Event::ConnectH245(_) = e {
                self.link_h245();
            }
            self.caller_events.push(e);
        }
        while let Some(e) = self.callee.poll_event() {
            moved = true;
            if let Event::ConnectH245(_) = e {
                self.link_h245();
            }
            self.callee_events.push(e);
        }
        moved
    }

    fn link_h245(&mut self) {
        if !self.h245_link {
            self.h245_link = true;
            self.caller.h245_connected(self.now);
            self.callee.h245_connected(self.now);
        }
    }

    /// Runs until quiet, without moving time.
    pub fn settle(&mut self) {
        for _ in 0..1000 {
            if !self.step() {
                return;
            }
        }
        panic!("pair did not settle in 1000 steps");
    }

    /// Advances the clock to the earliest timeout (at most `limit` ahead) and fires it.
    pub fn advance(&mut self, limit: Duration) -> bool {
        let deadline = [self.caller.poll_timeout(), self.callee.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        match deadline {
            Some(d) if d <= self.now + limit => {
                self.now = self.now.max(d);
                self.caller.handle_timeout(self.now);
                self.callee.handle_timeout(self.now);
                self.settle();
                true
            }
            _ => false,
        }
    }

    pub fn callee_incoming(&self) -> Option<&h323::call::IncomingCall> {
        self.callee_events.iter().find_map(|e| match e {
            Event::Incoming(i) => Some(i),
            _ => None,
        })
    }
}

pub fn released(events: &[Event]) -> Option<&h323::call::Release> {
    events.iter().find_map(|e| match e {
        Event::Released(r) => Some(r),
        _ => None,
    })
}

pub fn opened(events: &[Event]) -> Vec<h323::h245::session::MediaChannel> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::H245(h323::h245::session::H245Event::ChannelOpened(c)) => Some(c.clone()),
            _ => None,
        })
        .collect()
}
