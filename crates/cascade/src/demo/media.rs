//! The media part of `cascade demo`: once the cascades are up, two synthetic H.323 participants
//! join MCU room 1234 (440 Hz red "A", 660 Hz blue "B") and one VN terminal joins each VN
//! conference (880 Hz, 1000 Hz), all in this process through [`endpoint::call`] and
//! [`terminal::join`], the same code as `cascade endpoint` and `cascade terminal`.
//!
//! The terminals join once both endpoints are in the room, and leave before the endpoints hang
//! up, so that what a terminal heard and the last composite it decoded hold both endpoints.
//! Then each peer's report is printed, the first terminal's last decoded picture is written as a
//! PNG, and the result is judged against what the set-up must give (the summary's media lines).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;
use tokio::sync::watch;

use crate::peer::report::Report;
use crate::peer::MediaArgs;
use crate::{endpoint, terminal};

/// The room the endpoints join; the first VN conference cascades into it.
pub const ROOM: &str = "1234";
/// How long the endpoints may take to be admitted to the room.
const JOIN_TIMEOUT: Duration = Duration::from_secs(15);
/// The picture size the MCU composes (its default `[video]`, CIF).
const CIF: [usize; 2] = [352, 288];

/// A synthetic participant of the demo.
struct Peer {
    name: &'static str,
    tone: f64,
    colour: &'static str,
}

const ENDPOINTS: [Peer; 2] = [
    Peer {
        name: "A",
        tone: 440.0,
        colour: "red",
    },
    Peer {
        name: "B",
        tone: 660.0,
        colour: "blue",
    },
];

/// The tone of the terminal in the `i`th VN conference.
const TERMINAL_TONES: [f64; 2] = [880.0, 1000.0];

/// What the media part needs to know.
pub struct Plan {
    pub seconds: f64,
    /// Where the first terminal's snapshot goes.
    pub snapshot: PathBuf,
    pub mcu_h323: SocketAddr,
    pub mcu_http: SocketAddr,
    pub vnet_http: SocketAddr,
    /// The VN conferences and the room each cascades into.
    pub conferences: Vec<(String, &'static str)>,
}

/// One line of the summary: what was found, and whether it is what the set-up must give.
pub struct Verdict {
    pub text: String,
    pub ok: bool,
}

fn media_args(name: String, tone: f64, colour: Option<&str>, seconds: Option<f64>) -> MediaArgs {
    MediaArgs {
        name,
        tone: Some(tone),
        color: colour.and_then(|c| ::media::video::Rgb::parse(c).ok()),
        record: None,
        snapshot: None,
        duration: seconds,
        json: false,
    }
}

/// Tones further below the strongest than this are not counted as heard: mixing and G.711
/// leave products around -40 dBFS beside tones at -6 dBFS (for one, 2×660−440 = 880 Hz, the
/// terminal's own tone), which the report lists but nobody hears.
const DOMINANT_WITHIN_DB: f64 = 20.0;

/// The tones within [`DOMINANT_WITHIN_DB`] of the strongest, strongest first.
fn dominant(report: &Report) -> Vec<u32> {
    let tones = &report.audio.tones;
    let loudest = tones.iter().map(|t| t.dbfs).fold(f64::MIN, f64::max);
    tones
        .iter()
        .filter(|t| t.dbfs >= loudest - DOMINANT_WITHIN_DB)
        .map(|t| t.hz)
        .collect()
}

fn hears(report: &Report, hz: f64) -> bool {
    dominant(report)
        .iter()
        .any(|&t| (f64::from(t) - hz).abs() < 10.0)
}

fn print_report(title: &str, report: &anyhow::Result<Report>) {
    println!("   {title}");
    match report {
        Ok(r) => r.to_string().lines().for_each(|l| println!("     {l}")),
        Err(e) => println!("     failed: {e:#}"),
    }
}

/// Waits until room `ROOM` has `count` participants, or the endpoints have given up.
async fn room_filled(
    http: &reqwest::Client,
    plan: &Plan,
    count: usize,
    endpoints: &[tokio::task::JoinHandle<anyhow::Result<Report>>],
) -> anyhow::Result<()> {
    let deadline = Instant::now() + JOIN_TIMEOUT;
    loop {
        let room: Value = http
            .get(format!("http://{}/v1/rooms/{ROOM}", plan.mcu_http))
            .send()
            .await?
            .json()
            .await?;
        let n = room["participants"].as_array().map_or(0, Vec::len);
        if n >= count || endpoints.iter().any(|e| e.is_finished()) {
            return Ok(());
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "room {ROOM} has {n} participants after {JOIN_TIMEOUT:?}, expected {count}"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs the peers, prints their reports and the snapshot, and returns the summary's verdicts.
pub async fn run(plan: &Plan, http: &reqwest::Client) -> anyhow::Result<Vec<Verdict>> {
    let (hang_up, hang_up_rx) = watch::channel(false);
    let dial: service::dial::DialString = format!("{ROOM}@{}", plan.mcu_h323)
        .parse()
        .context("the room's dial string")?;
    let endpoints: Vec<_> = ENDPOINTS
        .iter()
        .map(|p| {
            let args = media_args(p.name.to_owned(), p.tone, Some(p.colour), None);
            let (dial, mut rx) = (dial.clone(), hang_up_rx.clone());
            tokio::spawn(async move {
                endpoint::call(&args, dial, async move {
                    let _ = rx.wait_for(|&h| h).await;
                })
                .await
            })
        })
        .collect();
    // The cascade is already a participant.
    let filled = room_filled(http, plan, ENDPOINTS.len() + 1, &endpoints).await;

    let base = reqwest::Url::parse(&format!("http://{}/", plan.vnet_http))?;
    let terminals: Vec<_> = plan
        .conferences
        .iter()
        .zip(TERMINAL_TONES)
        .enumerate()
        .map(|(i, ((conference, _), tone))| {
            let mut args = media_args(
                format!("vn-terminal-{conference}"),
                tone,
                None,
                Some(plan.seconds),
            );
            if i == 0 {
                args.snapshot = Some(plan.snapshot.clone());
            }
            let (base, conference) = (base.clone(), conference.clone());
            tokio::spawn(async move {
                let leave = crate::peer::duration_elapsed(&args);
                terminal::join(&args, base, &conference, leave).await
            })
        })
        .collect();
    let mut terminal_reports = Vec::new();
    for t in terminals {
        terminal_reports.push(t.await.context("a VN terminal task")?);
    }
    let _ = hang_up.send(true);
    let mut endpoint_reports = Vec::new();
    for e in endpoints {
        endpoint_reports.push(e.await.context("an endpoint task")?);
    }
    filled?;

    println!("\n   What each VN terminal received (the MCU room's composite and mix, via the gateway and vnet):");
    for (((conference, room), tone), r) in plan
        .conferences
        .iter()
        .zip(TERMINAL_TONES)
        .zip(&terminal_reports)
    {
        print_report(
            &format!("VN terminal in conference {conference} (cascaded into room {room}), sending {tone} Hz:"),
            r,
        );
    }
    println!(
        "\n   What each endpoint in room {ROOM} received (the others and the VN conference, N−1):"
    );
    for (p, r) in ENDPOINTS.iter().zip(&endpoint_reports) {
        print_report(
            &format!("endpoint {} ({} Hz, {}):", p.name, p.tone, p.colour),
            r,
        );
    }

    Ok(verdicts(plan, &terminal_reports, &endpoint_reports))
}

/// Judges the reports: the terminal on room 1234's conference must see the CIF composite and
/// hear both endpoints; each endpoint must hear the other and the VN conference, not itself.
fn verdicts(
    plan: &Plan,
    terminals: &[anyhow::Result<Report>],
    endpoints: &[anyhow::Result<Report>],
) -> Vec<Verdict> {
    let mut out = Vec::new();
    let tones = |r: &Report| {
        dominant(r)
            .iter()
            .map(|hz| format!("{hz} Hz"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let (Some((conference, room)), Some(first)) = (plan.conferences.first(), terminals.first()) {
        let who = format!("VN terminal, conference {conference} → room {room}");
        out.push(match first {
            Ok(r) => {
                let v = &r.video;
                let size = v
                    .last_resolution
                    .map_or("no picture".to_owned(), |[w, h]| format!("{w}x{h}"));
                let snapshot_written = r.snapshot.as_deref()
                    == Some(plan.snapshot.display().to_string().as_str());
                Verdict {
                    text: format!(
                        "{who}: {} pictures {size}, heard [{}] (expected CIF {}x{} and 440, 660 Hz)",
                        v.frames_decoded,
                        tones(r),
                        CIF[0],
                        CIF[1]
                    ),
                    ok: v.frames_decoded > 0
                        && v.last_resolution == Some(CIF)
                        && hears(r, 440.0)
                        && hears(r, 660.0)
                        && !hears(r, TERMINAL_TONES[0])
                        && snapshot_written,
                }
            }
            Err(e) => Verdict {
                text: format!("{who}: failed: {e:#}"),
                ok: false,
            },
        });
    }
    for (i, (p, r)) in ENDPOINTS.iter().zip(endpoints).enumerate() {
        let other = &ENDPOINTS[1 - i];
        let who = format!("endpoint {} in room {ROOM}", p.name);
        out.push(match r {
            Ok(r) => Verdict {
                text: format!(
                    "{who}: heard [{}] (expected {} and {} Hz, not its own {} Hz)",
                    tones(r),
                    other.tone,
                    TERMINAL_TONES[0],
                    p.tone
                ),
                ok: hears(r, other.tone) && hears(r, TERMINAL_TONES[0]) && !hears(r, p.tone),
            },
            Err(e) => Verdict {
                text: format!("{who}: failed: {e:#}"),
                ok: false,
            },
        });
    }
    out
}
