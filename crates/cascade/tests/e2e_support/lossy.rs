//! A seeded lossy path between vnet and one VN terminal, for the loss tests.
//!
//! The terminal announces where it receives in its join request and learns where vnet receives
//! from the answer, so the path is put in by a small HTTP front for vnet's terminals API
//! (`POST/DELETE /v1/conferences/{id}/terminals`): it binds a relay for each of the four media
//! sockets (audio/video RTP/RTCP), tells vnet the relay is the terminal and the terminal that
//! the relay is vnet, and passes everything else on unchanged. Each relay carries both
//! directions (symmetric RTP and RTCP keep working: vnet sees the terminal's packets come from
//! the address it sends to) and, once [`LossyPath::impair`] is called, rolls dice for every
//! datagram: drop, hold back behind the next one (reorder), or send twice. The dice are
//! xorshift64* from a fixed seed per socket and direction, so the same packet stream gets the
//! same fate on every run; the counters say what was done.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::{Json, Router};
use media::rtcp::{self, RtcpPacket};
use serde_json::Value;
use tokio::net::UdpSocket;

/// What the dice may do to a datagram, in percent.
#[derive(Debug, Clone, Copy)]
pub struct Impairment {
    pub drop: u64,
    pub reorder: u64,
    pub duplicate: u64,
}

/// The media sockets of a terminal, in the order the relays are kept.
pub const STREAMS: [(&str, &str); 4] = [
    ("audio", "rtp"),
    ("audio", "rtcp"),
    ("video", "rtp"),
    ("video", "rtcp"),
];

/// What one direction of one relay did.
#[derive(Debug, Default)]
pub struct Counters {
    pub forwarded: AtomicU64,
    pub dropped: AtomicU64,
    pub reordered: AtomicU64,
    pub duplicated: AtomicU64,
    /// The longest run of consecutive drops.
    pub longest_drop_run: AtomicU64,
    /// RTCP PLI/FIR packets carried while impairing.
    pub intra_requests: AtomicU64,
    /// When the first datagram was dropped.
    pub first_drop: Mutex<Option<Instant>>,
}

/// One socket's relay, both directions.
#[derive(Debug, Default)]
pub struct Relay {
    /// vnet → terminal.
    pub down: Counters,
    /// terminal → vnet.
    pub up: Counters,
}

/// The front and its relays.
#[derive(Clone)]
pub struct LossyPath {
    vnet: String,
    http: reqwest::Client,
    seed: u64,
    rtp: Impairment,
    rtcp: Impairment,
    on: Arc<AtomicBool>,
    /// In [`STREAMS`] order, once the terminal joined.
    pub relays: Arc<Mutex<Vec<Arc<Relay>>>>,
    /// When vnet's answer went back to the terminal (its engine starts right after).
    pub joined: Arc<Mutex<Option<Instant>>>,
}

impl LossyPath {
    /// Serves the front for vnet at `vnet`; returns the URL to give the terminal as `--vnet`.
    /// RTP gets `rtp`; RTCP gets `rtcp` (without reordering: a held report would wait
    /// seconds for the next one).
    pub async fn start(
        vnet: &str,
        seed: u64,
        rtp: Impairment,
        rtcp: Impairment,
    ) -> (String, LossyPath) {
        let path = LossyPath {
            vnet: vnet.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            seed,
            rtp,
            rtcp: Impairment { reorder: 0, ..rtcp },
            on: Arc::default(),
            relays: Arc::default(),
            joined: Arc::default(),
        };
        let app = Router::new()
            .route("/v1/conferences/{id}/terminals", post(join))
            .route("/v1/conferences/{id}/terminals/{tid}", delete(leave))
            .with_state(path.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (url, path)
    }

    /// Starts rolling the dice (until then the path is clean).
    pub fn impair(&self) {
        self.on.store(true, Ordering::SeqCst);
    }

    /// The relay of `kind` ("audio"/"video") `socket` ("rtp"/"rtcp").
    pub fn relay(&self, kind: &str, socket: &str) -> Arc<Relay> {
        let i = STREAMS
            .iter()
            .position(|&s| s == (kind, socket))
            .expect("a media socket");
        self.relays.lock().unwrap()[i].clone()
    }
}

fn addr(v: &Value) -> Option<SocketAddr> {
    v.as_str()?.parse().ok()
}

async fn join(
    State(path): State<LossyPath>,
    Path(conference): Path<String>,
    Json(mut body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    // vnet sends to the relays' vnet-facing sockets, believing them the terminal's.
    let mut pairs = Vec::new();
    for (kind, socket) in STREAMS {
        let terminal = addr(&body["media"][kind][socket]).expect("the terminal's address");
        let facing_vnet = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let facing_terminal = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        body["media"][kind][socket] = facing_vnet.local_addr().unwrap().to_string().into();
        pairs.push((terminal, facing_vnet, facing_terminal));
    }
    let r = path
        .http
        .post(format!(
            "{}/v1/conferences/{conference}/terminals",
            path.vnet
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = StatusCode::from_u16(r.status().as_u16()).unwrap();
    let mut answer: Value = r.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return (status, Json(answer));
    }
    let mut relays = Vec::new();
    for (i, ((kind, socket), (terminal, facing_vnet, facing_terminal))) in
        STREAMS.into_iter().zip(pairs).enumerate()
    {
        let vnet = match addr(&answer["media"][kind][socket]) {
            Some(a) => a,
            // The contract: RTCP on the RTP port + 1 when left out.
            None => {
                let rtp = addr(&answer["media"][kind]["rtp"]).expect("vnet's RTP address");
                SocketAddr::new(rtp.ip(), rtp.port() + 1)
            }
        };
        answer["media"][kind][socket] = facing_terminal.local_addr().unwrap().to_string().into();
        let impairment = if socket == "rtp" { path.rtp } else { path.rtcp };
        let relay = Arc::new(Relay::default());
        let seed = path.seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let facing_vnet = Arc::new(facing_vnet);
        let facing_terminal = Arc::new(facing_terminal);
        tokio::spawn(carry(
            facing_vnet.clone(),
            facing_terminal.clone(),
            terminal,
            Dice::new(seed),
            impairment,
            path.on.clone(),
            relay.clone(),
            false,
        ));
        tokio::spawn(carry(
            facing_terminal,
            facing_vnet,
            vnet,
            Dice::new(seed.rotate_left(17) | 1),
            impairment,
            path.on.clone(),
            relay.clone(),
            true,
        ));
        relays.push(relay);
    }
    *path.relays.lock().unwrap() = relays;
    *path.joined.lock().unwrap() = Some(Instant::now());
    (status, Json(answer))
}

async fn leave(
    State(path): State<LossyPath>,
    Path((conference, tid)): Path<(String, String)>,
) -> StatusCode {
    let r = path
        .http
        .delete(format!(
            "{}/v1/conferences/{conference}/terminals/{tid}",
            path.vnet
        ))
        .send()
        .await
        .unwrap();
    StatusCode::from_u16(r.status().as_u16()).unwrap()
}

/// xorshift64*: enough for a test's dice, and the same on every run.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed.max(1))
    }

    /// 0..100.
    pub fn roll(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) % 100
    }
}

/// What the dice say for one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Drop,
    Hold,
    Twice,
    Pass,
}

impl Impairment {
    pub fn fate(&self, roll: u64) -> Fate {
        if roll < self.drop {
            Fate::Drop
        } else if roll < self.drop + self.reorder {
            Fate::Hold
        } else if roll >= 100 - self.duplicate {
            Fate::Twice
        } else {
            Fate::Pass
        }
    }
}

/// One direction: what arrives on `from` goes out of `out` to `to`, as the dice say.
#[allow(clippy::too_many_arguments)]
async fn carry(
    from: Arc<UdpSocket>,
    out: Arc<UdpSocket>,
    to: SocketAddr,
    mut dice: Dice,
    impairment: Impairment,
    on: Arc<AtomicBool>,
    relay: Arc<Relay>,
    up: bool,
) {
    let c = if up { &relay.up } else { &relay.down };
    let mut held: Option<Vec<u8>> = None;
    let mut run = 0;
    let mut buf = vec![0u8; 2048];
    while let Ok((n, _)) = from.recv_from(&mut buf).await {
        let packet = &buf[..n];
        let impairing = on.load(Ordering::SeqCst);
        if impairing
            && rtcp::parse_compound(packet).is_ok_and(|ps| {
                ps.iter()
                    .any(|p| matches!(p, RtcpPacket::Pli(_) | RtcpPacket::Fir(_)))
            })
        {
            c.intra_requests.fetch_add(1, Ordering::SeqCst);
        }
        let fate = if impairing {
            impairment.fate(dice.roll())
        } else {
            Fate::Pass
        };
        if fate == Fate::Drop {
            c.dropped.fetch_add(1, Ordering::SeqCst);
            c.first_drop
                .lock()
                .unwrap()
                .get_or_insert_with(Instant::now);
            run += 1;
            c.longest_drop_run.fetch_max(run, Ordering::SeqCst);
            continue;
        }
        run = 0;
        if fate == Fate::Hold && held.is_none() {
            c.reordered.fetch_add(1, Ordering::SeqCst);
            held = Some(packet.to_vec());
            continue;
        }
        let _ = out.send_to(packet, to).await;
        c.forwarded.fetch_add(1, Ordering::SeqCst);
        if let Some(h) = held.take() {
            let _ = out.send_to(&h, to).await;
        }
        if fate == Fate::Twice {
            c.duplicated.fetch_add(1, Ordering::SeqCst);
            let _ = out.send_to(packet, to).await;
        }
    }
}
