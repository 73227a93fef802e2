//! `cascade endpoint`: a synthetic H.323 participant. Dials `NUMBER@HOST[:PORT]` with fast
//! connect and H.245 tunnelling (as `gateway::h323` does, but as a terminal), runs the media peer
//! engine on the logical channels as they open, answers videoFastUpdatePicture with an IDR and
//! asks for one itself when it has no picture, hangs up with cause 16 after `--duration` or at
//! Ctrl-C, and prints what it sent and received. [`call`] is the same participant as a library
//! function, which `cascade demo` runs in-process. A rejected call exits non-zero with the Q.931
//! cause and H.225.0 reason.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use h323::call::{Alias, CallConfig, CallTimers, Dial, EndpointKind, Event, Side};
use h323::h245::capabilities::{Codec, MediaCapabilities};
use h323::h245::msd::terminal_type;
use h323::h245::session::{Direction, H245Config, H245Event, H245Timers, MediaChannel};
use h323::q931::CauseValue;
use h323_tokio::{Command, MediaSockets};
use serde_json::json;
use service::dial::DialString;
use tokio::net::TcpStream;

use crate::peer::report::Report;
use crate::peer::{self, Engine, IntraPath, MediaArgs, Notice, Remote, Sockets};

/// How long the TCP connection to the MCU may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for the MCU's ReleaseComplete after our Release Complete.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(3);

/// Flags of `cascade endpoint`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to dial: the room number at the MCU, e.g. 1234@127.0.0.1:1720 (port 1720 by default).
    #[arg(long, value_name = "NUMBER@HOST[:PORT]")]
    dial: String,
    #[command(flatten)]
    media: MediaArgs,
}

/// Runs the endpoint.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let dial: DialString = args
        .dial
        .parse()
        .with_context(|| format!("bad dial string {:?}", args.dial))?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let report = call(&args.media, dial, peer::duration_or_ctrl_c(&args.media)).await?;
            report.print(args.media.json);
            Ok(())
        })
}

fn remote_of(ch: &MediaChannel) -> Option<Remote> {
    let rtp = ch.rtp?;
    Some(Remote {
        rtp,
        rtcp: ch.remote_rtcp.unwrap_or_else(|| peer::rtcp_for(rtp)),
        payload_type: ch.payload_type,
    })
}

/// Sockets of one session, shared between the send and receive paths.
fn shared(rtp: tokio::net::UdpSocket, rtcp: tokio::net::UdpSocket) -> Sockets {
    Sockets {
        rtp: Arc::new(rtp),
        rtcp: Arc::new(rtcp),
    }
}

/// What the call did with a channel event; the video receive channel is where fast updates go.
fn on_channel(engine: &Engine, ch: &MediaChannel, video_rx: &mut Option<u16>) {
    match (ch.direction, ch.codec) {
        (Direction::Transmit, Codec::Audio(_)) => {
            if let Some(r) = remote_of(ch) {
                engine.set_audio_remote(r);
            }
        }
        (Direction::Transmit, Codec::Video(_)) => {
            if let Some(r) = remote_of(ch) {
                engine.set_video_remote(r);
            }
        }
        (Direction::Receive, Codec::Video(_)) => *video_rx = Some(ch.number),
        (Direction::Receive, Codec::Audio(_)) => {}
    }
}

/// Dials `dial` as the participant `media` describes, carries media until `hang_up` completes
/// (polled once the call is connected), hangs up, writes the recording and snapshot `media`
/// asks for, and returns the report. `cascade demo` runs its room participants through this.
pub async fn call(
    media_args: &MediaArgs,
    dial: DialString,
    hang_up: impl std::future::Future<Output = ()>,
) -> anyhow::Result<Report> {
    let target = dial.mcu.with_port();
    let address: SocketAddr = tokio::net::lookup_host(&target)
        .await
        .with_context(|| format!("cannot resolve the MCU address {target}"))?
        .next()
        .with_context(|| format!("{target} resolves to no address"))?;
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
        .await
        .map_err(|_| anyhow::anyhow!("cannot reach the MCU at {address}: no answer in 5 s"))?
        .with_context(|| format!("cannot reach the MCU at {address}"))?;
    let local = stream.local_addr()?;
    let media = MediaSockets::bind(local.ip())
        .await
        .context("cannot bind the media sockets")?;
    let name = media_args.name.clone();
    let config = CallConfig {
        kind: EndpointKind::Terminal,
        aliases: vec![Alias::H323Id(name.clone())],
        display: Some(name.clone()),
        signalling_address: Some(local),
        h245: H245Config {
            terminal_type: terminal_type::TERMINAL,
            capabilities: MediaCapabilities::cascade_default(),
            media: media.local_media()?,
            timers: H245Timers::default(),
            open_channels: true,
        },
        fast_start: true,
        tunnelling: true,
        h245_listener: None,
        timers: CallTimers {
            t303: Duration::from_secs(8),
            ..CallTimers::default()
        },
    };
    let number = dial.number.clone();
    let digits = number
        .chars()
        .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
    let h323_dial = Dial {
        destination: vec![Alias::DialedDigits(number.clone())],
        called_number: digits.then(|| number.clone()),
        address,
    };
    let seed = u64::from(local.port()) << 32 ^ u64::from(std::process::id());
    let mut task = h323_tokio::call(stream, config, h323_dial, seed);

    // Until Connect: channels opened by fast connect are kept for the engine.
    let mut early = Vec::new();
    loop {
        match task.events.recv().await {
            Some(Event::Connected) => break,
            Some(Event::Released(r)) => {
                let reason = r
                    .reason
                    .map(|n| format!(", H.225.0 reason {n}"))
                    .unwrap_or_default();
                let by = if r.by == Side::Remote {
                    "the MCU"
                } else {
                    "us"
                };
                bail!(
                    "call to {number}@{address} rejected by {by}: Q.931 cause {}{reason}",
                    r.cause
                );
            }
            Some(Event::H245(H245Event::ChannelOpened(ch))) => early.push(ch),
            Some(_) => {}
            None => bail!("the call task ended without a release"),
        }
    }
    let MediaSockets {
        audio_rtp,
        audio_rtcp,
        video_rtp,
        video_rtcp,
    } = media;
    let (notice_tx, mut notices) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::start(
        media_args,
        shared(audio_rtp, audio_rtcp),
        shared(video_rtp, video_rtcp),
        IntraPath::Signalled(notice_tx),
    );
    let mut video_rx = None;
    for ch in &early {
        on_channel(&engine, ch, &mut video_rx);
    }
    let started = Instant::now();
    let mut hung_up = false;
    let mut release = None;
    let deadline = hang_up;
    tokio::pin!(deadline);
    let hangup_deadline = tokio::time::sleep(Duration::from_secs(86_400 * 365));
    tokio::pin!(hangup_deadline);
    loop {
        tokio::select! {
            () = &mut deadline, if !hung_up => {
                hung_up = true;
                let _ = task.commands.send(Command::Hangup(CauseValue::NormalCallClearing));
                hangup_deadline.as_mut().reset(tokio::time::Instant::now() + RELEASE_TIMEOUT);
            }
            () = &mut hangup_deadline => break,
            Some(Notice::NeedIntra) = notices.recv() => {
                if let Some(ch) = video_rx {
                    let _ = task.commands.send(Command::FastUpdate(ch));
                }
            }
            e = task.events.recv() => match e {
                Some(Event::H245(H245Event::ChannelOpened(ch))) => on_channel(&engine, &ch, &mut video_rx),
                Some(Event::H245(H245Event::FastUpdateRequested { .. })) => engine.request_idr(),
                Some(Event::Released(r)) => { release = Some(r); break; }
                Some(_) => {}
                None => break,
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let (audio, video) = engine.stop().await;
    let leg = json!({
        "kind": "h323",
        "dial": format!("{number}@{address}"),
        "released_by": release.as_ref().map(|r| if r.by == Side::Local { "us" } else { "mcu" }),
        "q931_cause": release.as_ref().map(|r| r.cause.code()),
    });
    let mut report = Report::new(&name, leg, seconds, &audio, &video);
    peer::record::save(media_args, &audio, &video, &mut report)?;
    Ok(report)
}
