//! `cascade demo`: the first thing a new user runs. Starts the MCU, the gateway and the VN
//! server on loopback (free ports, a temporary data directory), creates MCU rooms 1234 and 5678,
//! two VN conferences, cascades them into the two rooms, tries a room that does not exist, and
//! prints each step with the H.323 messages exchanged. Then media (`media`, unless `--no-media`):
//! two synthetic participants in room 1234 and a VN terminal in each VN conference, with what
//! each received and a PNG of the composite the first terminal saw. Then a summary.
//!
//! Everything goes through the servers' public HTTP APIs, as an operator would.

mod media;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::{json, Value};
use tracing_subscriber::EnvFilter;

use crate::stack::LocalStack;

/// Flags of `cascade demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the servers running after the demo, printing their URLs (Ctrl-C stops them).
    #[arg(long)]
    keep_running: bool,
    /// Keep the data here instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// How long the VN terminals carry media, in seconds.
    #[arg(long, value_name = "S", default_value_t = 4.0, value_parser = parse_seconds)]
    media_seconds: f64,
    /// Signalling only: no endpoints, terminals or snapshot.
    #[arg(long)]
    no_media: bool,
    /// Where to write the snapshot of the composite the VN terminal saw (default:
    /// DATA/vn-snapshot.png; the temporary data directory is then kept).
    #[arg(long, value_name = "PNG")]
    snapshot: Option<PathBuf>,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if (0.5..=3600.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "{s:?} is not a duration: give seconds from 0.5 to 3600"
        )),
    }
}

/// Runs the demo.
pub fn run(args: &Args) -> anyhow::Result<()> {
    // The account shows the wire: one line per H.323 message, sent (→) or received (←), by the
    // gateway (the caller) and the MCU (the callee).
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("CASCADE_LOG")
                .unwrap_or_else(|_| EnvFilter::new("h323::wire=info,warn")),
        )
        .with_target(false)
        .without_time()
        .with_level(false)
        .init();
    // The demo's three servers share this process and its open-files limit.
    service::limits::raise_open_files_and_log();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(demo(args))
}

struct Step(u32);

impl Step {
    fn say(&mut self, text: &str) {
        self.0 += 1;
        println!("\n{}. {text}", self.0);
    }
}

async fn demo(args: &Args) -> anyhow::Result<()> {
    let mut tmp = match &args.data {
        Some(_) => None,
        None => Some(tempfile::tempdir()?),
    };
    let data = match (&args.data, &tmp) {
        (Some(d), _) => d.clone(),
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => unreachable!("a temporary directory is made when --data is absent"),
    };
    let mut step = Step(0);

    step.say("Starting the three servers on loopback");
    let stack = LocalStack::start(&data).await?;
    let (mcu_http, mcu_h323) = (stack.mcu_http, stack.mcu_h323);
    let (gw_http, vn_http) = (stack.gateway_http, stack.vnet_http);
    println!("   cascade mcu      H.323 {mcu_h323}   admin http://{mcu_http}/v1/rooms");
    println!("   cascade gateway  http://{gw_http}/v1/calls");
    println!("   cascade vnet     http://{vn_http}/   (operator page)");

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let post = |url: String, body: Value| {
        let http = http.clone();
        async move {
            let r = http
                .post(&url)
                .json(&body)
                .send()
                .await
                .with_context(|| format!("POST {url}"))?;
            let status = r.status();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            anyhow::Ok((status, v))
        }
    };

    step.say("Creating MCU rooms 1234 and 5678 (POST /v1/rooms)");
    for (number, name) in [("1234", "Weekly sync"), ("5678", "Project X")] {
        let (s, _) = post(
            format!("http://{mcu_http}/v1/rooms"),
            json!({"number": number, "name": name, "max_participants": 8}),
        )
        .await?;
        if !s.is_success() {
            bail!("creating room {number} failed: {s}");
        }
        println!("   room {number} \"{name}\" created");
    }

    step.say("Creating two VN conferences (POST /v1/conferences)");
    let mut vn_confs = Vec::new();
    for name in ["VN Beijing", "VN Shanghai"] {
        let (s, v) = post(
            format!("http://{vn_http}/v1/conferences"),
            json!({"name": name}),
        )
        .await?;
        if !s.is_success() {
            bail!("creating VN conference {name} failed: {s} {v}");
        }
        println!("   VN conference {} \"{name}\"", v["id"]);
        vn_confs.push(v["id"].clone());
    }

    let port = mcu_h323.port();
    let mut results = Vec::new();
    for (conf, room) in [
        (&vn_confs[0], "1234"),
        (&vn_confs[1], "5678"),
        (&vn_confs[1], "9999"),
    ] {
        let dial = format!("80{room}@127.0.0.1:{port}");
        step.say(&format!(
            "VN conference {conf} cascades \"{dial}\" (first call request → gateway → H.323)"
        ));
        let (s, v) = post(
            format!("http://{vn_http}/v1/conferences/{conf}/cascades"),
            json!({"dial": dial}),
        )
        .await?;
        // Let the wire log lines of this step come out before the answer.
        tokio::time::sleep(Duration::from_millis(200)).await;
        if s.is_success() {
            println!(
                "   {s}: state {} with conference {} on {}, gateway call {}",
                v["state"], v["conference"], v["mcu"], v["gateway_call_id"]
            );
        } else {
            println!(
                "   {s}: {} (Q.931 cause {}, H.225.0 reason {})",
                v["detail"].as_str().or(v["title"].as_str()).unwrap_or("?"),
                v["q931_cause"],
                v["h225_reason"]
            );
        }
        results.push((dial, s.as_u16()));
    }

    step.say("The MCU's view (GET /v1/rooms/{number})");
    for room in ["1234", "5678"] {
        let v: Value = http
            .get(format!("http://{mcu_http}/v1/rooms/{room}"))
            .send()
            .await?
            .json()
            .await?;
        let who: Vec<String> = v["participants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                format!(
                    "{} from {} [{}] {}",
                    p["alias"].as_str().unwrap_or("?"),
                    p["address"].as_str().unwrap_or("?"),
                    p["codecs"]
                        .as_array()
                        .map(|c| c
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", "))
                        .unwrap_or_default(),
                    p["state"].as_str().unwrap_or("")
                )
            })
            .collect();
        println!(
            "   room {room}: {} participant(s): {}",
            who.len(),
            who.join("; ")
        );
    }

    step.say("The VN server's view (GET /v1/conferences/{id})");
    for conf in &vn_confs {
        let v: Value = http
            .get(format!("http://{vn_http}/v1/conferences/{conf}"))
            .send()
            .await?
            .json()
            .await?;
        let cascades: Vec<String> = v["cascades"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| match c["reason"].as_str() {
                Some(r) => format!(
                    "{} {} ({r})",
                    c["dial"].as_str().unwrap_or("?"),
                    c["state"].as_str().unwrap_or("?")
                ),
                None => format!(
                    "{} {}",
                    c["dial"].as_str().unwrap_or("?"),
                    c["state"].as_str().unwrap_or("?")
                ),
            })
            .collect();
        println!(
            "   {} \"{}\": cascaded={} — {}",
            conf,
            v["name"].as_str().unwrap_or("?"),
            v["cascaded"],
            cascades.join("; ")
        );
    }

    let mut media_verdicts = Vec::new();
    let snapshot = args
        .snapshot
        .clone()
        .unwrap_or_else(|| data.join("vn-snapshot.png"));
    if !args.no_media {
        step.say(&format!(
            "Media for {} s: endpoints A (440 Hz, red) and B (660 Hz, blue) dial room {}, a VN \
             terminal joins each VN conference (POST /v1/conferences/{{id}}/terminals)",
            args.media_seconds,
            media::ROOM
        ));
        let plan = media::Plan {
            seconds: args.media_seconds,
            snapshot: snapshot.clone(),
            mcu_h323,
            mcu_http,
            vnet_http: vn_http,
            conferences: vn_confs
                .iter()
                .map(|c| match c {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .zip([media::ROOM, "5678"])
                .collect(),
        };
        media_verdicts = media::run(&plan, &http).await?;
    }

    println!("\nSummary");
    let expected = [201u16, 201, 404];
    let mut ok = true;
    for ((dial, got), want) in results.iter().zip(expected) {
        let mark = if *got == want { "ok" } else { "UNEXPECTED" };
        ok &= *got == want;
        println!("   {dial:<28} → HTTP {got} (expected {want}) {mark}");
    }
    for v in &media_verdicts {
        let mark = if v.ok { "ok" } else { "UNEXPECTED" };
        ok &= v.ok;
        println!("   {} {mark}", v.text);
    }
    if !args.no_media {
        if snapshot.is_file() {
            println!(
                "   snapshot of the composite the VN terminal saw: {}",
                snapshot.display()
            );
        } else {
            ok = false;
            println!("   no snapshot written ({}) UNEXPECTED", snapshot.display());
        }
        // The default snapshot lives in the temporary data directory: keep it.
        if let Some(t) = tmp.take().filter(|t| snapshot.starts_with(t.path())) {
            println!("   data kept in {}", t.keep().display());
        }
    }

    if args.keep_running {
        println!("\nServers keep running; Ctrl-C stops them.");
        let _ = tokio::signal::ctrl_c().await;
    }
    stack.stop().await;
    if !ok {
        bail!("the demo did not go as expected");
    }
    Ok(())
}
