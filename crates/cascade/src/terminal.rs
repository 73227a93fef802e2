//! `cascade terminal`: a VN terminal. Joins a VN conference with
//! `POST /v1/conferences/{id}/terminals` (announcing where it receives), runs the media peer
//! engine against the addresses vnet answers with (PCMU, H.264 PT 96, RTCP PLI for intra
//! requests), leaves with `DELETE .../terminals/{tid}` after `--duration` or at Ctrl-C, and
//! prints what it sent and received. [`join`] is the same terminal as a library function, which
//! `cascade demo` runs in-process.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, bail, Context};
use h323_tokio::MediaSockets;
use serde_json::{json, Value};

use crate::peer::report::Report;
use crate::peer::{self, Engine, IntraPath, MediaArgs, Remote, Sockets};

/// Flags of `cascade terminal`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The VN server, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    vnet: String,
    /// The VN conference to join.
    #[arg(long, value_name = "ID")]
    conference: String,
    #[command(flatten)]
    media: MediaArgs,
}

/// Runs the terminal.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let base = reqwest::Url::parse(&args.vnet)
        .with_context(|| format!("bad --vnet URL {:?}", args.vnet))?;
    if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
        bail!(
            "bad --vnet URL {:?}: expected http://HOST[:PORT]",
            args.vnet
        );
    }
    if args.conference.is_empty() || args.conference.contains('/') {
        bail!("bad --conference {:?}", args.conference);
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let report = join(
                &args.media,
                base,
                &args.conference,
                peer::duration_or_ctrl_c(&args.media),
            )
            .await?;
            report.print(args.media.json);
            Ok(())
        })
}

/// The local address that routes to the VN server (no packet is sent: connecting a UDP socket
/// only picks the route), so that what we announce is reachable from there.
async fn local_ip_towards(base: &reqwest::Url) -> anyhow::Result<IpAddr> {
    let host = base.host_str().unwrap_or("127.0.0.1");
    let port = base.port_or_known_default().unwrap_or(80);
    let remote = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .with_context(|| format!("cannot resolve {host}"))?
        .next()
        .ok_or_else(|| anyhow!("{host} resolves to no address"))?;
    let any: SocketAddr = if remote.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    let probe = tokio::net::UdpSocket::bind(any).await?;
    probe.connect(remote).await?;
    Ok(probe.local_addr()?.ip())
}

fn addr(v: &Value, what: &str) -> anyhow::Result<SocketAddr> {
    v.as_str()
        .ok_or_else(|| anyhow!("vnet's answer has no {what} address"))?
        .parse()
        .with_context(|| format!("vnet's {what} address {v} is not HOST:PORT"))
}

/// The far end of one session from vnet's `media.audio` / `media.video`.
fn remote(media: &Value, kind: &str, payload_type: u8) -> anyhow::Result<Option<Remote>> {
    let Some(m) = media.get(kind).filter(|m| !m.is_null()) else {
        return Ok(None);
    };
    let rtp = addr(&m["rtp"], &format!("{kind} rtp"))?;
    let rtcp = match m.get("rtcp").filter(|r| !r.is_null()) {
        Some(r) => addr(r, &format!("{kind} rtcp"))?,
        None => peer::rtcp_for(rtp),
    };
    Ok(Some(Remote {
        rtp,
        rtcp,
        payload_type,
    }))
}

fn payload_type(answer: &Value, kind: &str, default: u8) -> u8 {
    answer[kind]["payload_type"]
        .as_u64()
        .and_then(|p| u8::try_from(p).ok())
        .filter(|&p| p < 128)
        .unwrap_or(default)
}

/// Joins VN conference `conference` at `base` as the terminal `media_args` describes, carries
/// media until `leave` completes, leaves, writes the recording and snapshot `media_args` asks
/// for, and returns the report. `cascade demo` runs its VN terminals through this.
pub async fn join(
    media_args: &MediaArgs,
    base: reqwest::Url,
    conference: &str,
    leave: impl std::future::Future<Output = ()>,
) -> anyhow::Result<Report> {
    let ip = local_ip_towards(&base).await?;
    let media = MediaSockets::bind(ip)
        .await
        .context("cannot bind the media sockets")?;
    let pair = |rtp: &tokio::net::UdpSocket,
                rtcp: &tokio::net::UdpSocket|
     -> anyhow::Result<Value> {
        Ok(json!({"rtp": rtp.local_addr()?.to_string(), "rtcp": rtcp.local_addr()?.to_string()}))
    };
    let body = json!({
        "name": media_args.name,
        "media": {
            "audio": pair(&media.audio_rtp, &media.audio_rtcp)?,
            "video": pair(&media.video_rtp, &media.video_rtcp)?,
        }
    });
    let collection = base
        .join(&format!("v1/conferences/{conference}/terminals"))
        .context("terminals URL")?;
    let http = reqwest::Client::new();
    let response = http
        .post(collection.clone())
        .json(&body)
        .send()
        .await
        .with_context(|| format!("cannot reach vnet at {base}"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !status.is_success() {
        let detail = answer["detail"]
            .as_str()
            .or(answer["title"].as_str())
            .map(str::to_owned)
            .unwrap_or(text);
        bail!("vnet refused to join conference {conference}: {status}: {detail}");
    }
    let tid = match &answer["id"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => bail!("vnet's answer has no terminal id: {text}"),
    };
    let audio_remote = remote(&answer["media"], "audio", payload_type(&answer, "audio", 0))?;
    let video_remote = remote(
        &answer["media"],
        "video",
        payload_type(&answer, "video", 96),
    )?;

    let MediaSockets {
        audio_rtp,
        audio_rtcp,
        video_rtp,
        video_rtcp,
    } = media;
    let engine = Engine::start(
        media_args,
        Sockets {
            rtp: Arc::new(audio_rtp),
            rtcp: Arc::new(audio_rtcp),
        },
        Sockets {
            rtp: Arc::new(video_rtp),
            rtcp: Arc::new(video_rtcp),
        },
        IntraPath::Rtcp,
    );
    if let Some(r) = audio_remote {
        engine.set_audio_remote(r);
    }
    if let Some(r) = video_remote {
        engine.set_video_remote(r);
    }
    let started = Instant::now();
    leave.await;
    let seconds = started.elapsed().as_secs_f64();
    let (audio, video) = engine.stop().await;
    let member = collection.join(&format!("terminals/{tid}"))?;
    let left = match http.delete(member).send().await {
        Ok(r) if r.status().is_success() => "deleted".to_owned(),
        Ok(r) => format!("DELETE answered {}", r.status()),
        Err(e) => format!("DELETE failed: {e}"),
    };
    let leg = json!({
        "kind": "vn",
        "vnet": base.as_str(),
        "conference": conference,
        "terminal": tid,
        "leave": left,
    });
    let mut report = Report::new(&media_args.name, leg, seconds, &audio, &video);
    peer::record::save(media_args, &audio, &video, &mut report)?;
    Ok(report)
}
