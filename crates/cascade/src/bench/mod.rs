//! `cascade bench`: a bounded load generator for loopback only. It measures
//!
//! 1. **cascade setup latency**: from sending `POST /v1/conferences/{id}/cascades` to the VN
//!    server until its `201` (VN server → gateway HTTP → H.323 Setup…Connect → MCU admits), each
//!    cascade then ended with `DELETE` (not timed) so rooms do not fill;
//! 2. **gateway setups+releases per second**: `POST /v1/calls` then `DELETE /v1/calls/{id}`
//!    against the gateway by C concurrent workers, and the latency of each pair;
//!
//! and, as the same-run floor for both, `GET /healthz` round trips on the same servers (HTTP plus
//! one SQLite `SELECT 1`).
//!
//! By default the three servers run in this process ([`LocalStack`]), so the load generator and
//! the servers share the machine's cores, as they would on a 2-core box. `--vnet`, `--gateway`,
//! `--mcu` and `--mcu-h323` point it at running servers instead; every target must be in
//! 127.0.0.0/8 or `::1`. `--processes` runs the servers as child processes instead and reports
//! each one's CPU time per call ([`processes`]). Each scenario stops at `--calls` or
//! `--duration`, whichever comes first.
//!
//! Percentiles are exact (nearest rank over the sorted samples): a few thousand samples cost
//! nothing to sort, so no histogram crate is needed.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use reqwest::{Method, StatusCode, Url};
use serde_json::{json, Value};
use tracing_subscriber::EnvFilter;

use crate::stack::LocalStack;

mod affinity;
mod client;
mod processes;

use affinity::Split;
use client::Conn;
use processes::Processes;

/// Calls not counted in the figures, per scenario, to open connections and warm caches.
const WARM_UP: u64 = 5;
/// Error messages kept per scenario.
const ERROR_EXAMPLES: usize = 5;

/// Flags of `cascade bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Calls per scenario (cascades, then gateway setup+release pairs).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    calls: u64,
    /// Concurrent workers for the gateway scenario. A rate is measured with enough calls in
    /// flight to keep the servers busy: with 4, each worker waits out its pair's round trips
    /// and the 2 cores idle part of the time (docs/benchmarks.md has the sweep).
    #[arg(long, default_value_t = 16, value_name = "C")]
    concurrency: u64,
    /// Concurrent workers for the cascade latency scenario (1 measures latency without queueing).
    #[arg(long, default_value_t = 1, value_name = "C")]
    cascade_concurrency: u64,
    /// Time limit per scenario, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "S")]
    duration: f64,
    /// VN server to measure instead of an in-process one (loopback only).
    #[arg(long, value_name = "URL", requires_all = ["gateway", "mcu", "mcu_h323"])]
    vnet: Option<String>,
    /// Gateway of that VN server (loopback only).
    #[arg(long, value_name = "URL", requires_all = ["vnet", "mcu", "mcu_h323"])]
    gateway: Option<String>,
    /// Admin API of the MCU the calls go to; the bench creates its rooms there and deletes them
    /// afterwards (loopback only).
    #[arg(long, value_name = "URL", requires_all = ["vnet", "gateway", "mcu_h323"])]
    mcu: Option<String>,
    /// H.323 signalling address of that MCU (loopback only).
    #[arg(long, value_name = "ADDR", requires_all = ["vnet", "gateway", "mcu"])]
    mcu_h323: Option<String>,
    /// First room number the bench creates (one room per worker).
    #[arg(long, default_value = "7700", value_name = "NUMBER")]
    room_base: u32,
    /// Run the three servers as child processes (`cascade mcu|gateway|vnet`) and report each
    /// one's CPU time per call.
    #[arg(long, conflicts_with_all = ["vnet", "gateway", "mcu", "mcu_h323"])]
    processes: bool,
    /// With --processes: run the gateway on half of the CPUs and the MCU, vnet and the load
    /// generator on the other half, so that the gateway's rate on its own cores is measured
    /// rather than derived from its CPU time (Linux).
    #[arg(long, requires = "processes")]
    pin_gateway: bool,
    /// Which scenarios to run: both, or one of them alone (to profile it).
    #[arg(long, value_enum, default_value_t = Scenario::All)]
    scenario: Scenario,
    /// Print one JSON object with the figures instead of sentences.
    #[arg(long)]
    json: bool,
}

/// The bench's scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// Cascade latency, then the gateway call rate.
    All,
    /// Cascade setup latency through the VN API only.
    Cascade,
    /// Gateway setups+releases per second only.
    Gateway,
}

/// The machine's CPUs: all of them, also when this process was pinned to some.
fn machine_cpus(split: Option<&Split>) -> usize {
    split.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |s| s.gateway.len() + s.rest.len(),
    )
}

/// Runs the bench.
pub fn run(args: &Args) -> anyhow::Result<()> {
    // Quiet unless asked: per-call log lines would cost more than the calls.
    if let Ok(filter) = EnvFilter::try_from_env("CASCADE_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    if args.calls == 0 || args.concurrency == 0 || args.cascade_concurrency == 0 {
        bail!("--calls, --concurrency and --cascade-concurrency must be at least 1");
    }
    if !(args.duration.is_finite() && args.duration > 0.0) {
        bail!("--duration must be a positive number of seconds");
    }
    let targets = match (&args.vnet, &args.gateway, &args.mcu, &args.mcu_h323) {
        (Some(v), Some(g), Some(m), Some(h)) => Some(Targets {
            vnet: loopback_url(v).context("--vnet")?,
            gateway: loopback_url(g).context("--gateway")?,
            mcu: loopback_url(m).context("--mcu")?,
            mcu_h323: loopback_addr(h).context("--mcu-h323")?,
        }),
        _ => None,
    };
    let split = if args.pin_gateway {
        let split = Split::halves().context("--pin-gateway")?;
        // Before the runtime exists, so that all of the load generator's threads inherit it.
        affinity::pin_this_thread(&split.rest).context("--pin-gateway")?;
        Some(split)
    } else {
        None
    };
    // In process, the servers and the load generator share one open-files limit; as processes,
    // each server raises its own.
    service::limits::raise_open_files().context("open-files limit")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut report = rt.block_on(bench(args, targets, split.as_ref()))?;
    if let Some(split) = &split {
        report["settings"]["pinned"] = json!({
            "gateway_cpus": split.gateway,
            "other_cpus": split.rest,
        });
        // How busy the gateway kept its own CPUs: near 100 % means the rate measured is the
        // gateway's on those CPUs; well below means the other side was the bottleneck.
        let cpu_s = report["gateway_server_cpu"]["gateway"]["cpu_s"].as_f64();
        let elapsed = report["gateway_calls"]["elapsed_s"].as_f64();
        if let (Some(cpu_s), Some(elapsed)) = (cpu_s, elapsed.filter(|e| *e > 0.0)) {
            report["gateway_calls"]["gateway_cpu_utilization"] =
                json!(cpu_s / (elapsed * split.gateway.len() as f64));
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_words(&report);
    }
    Ok(())
}

/// Where the servers are.
struct Targets {
    vnet: Url,
    gateway: Url,
    mcu: Url,
    mcu_h323: SocketAddr,
}

async fn bench(
    args: &Args,
    external: Option<Targets>,
    split: Option<&Split>,
) -> anyhow::Result<Value> {
    let tmp = tempfile::tempdir()?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = |a: SocketAddr| Url::parse(&format!("http://{a}/")).expect("an address");
    let (mut stack, mut children) = (None, None);
    let (targets, mode) = match external {
        Some(t) => (t, "external servers on loopback"),
        None if args.processes => {
            let p = Processes::start(tmp.path(), &http, split).await?;
            let t = Targets {
                vnet: url(p.vnet_http),
                gateway: url(p.gateway_http),
                mcu: url(p.mcu_http),
                mcu_h323: p.mcu_h323,
            };
            children = Some(p);
            (t, "child server processes on loopback")
        }
        None => {
            let s = LocalStack::start(tmp.path()).await?;
            let t = Targets {
                vnet: url(s.vnet_http),
                gateway: url(s.gateway_http),
                mcu: url(s.mcu_http),
                mcu_h323: s.mcu_h323,
            };
            stack = Some(s);
            (t, "in-process servers on loopback")
        }
    };
    let result = scenarios(
        args,
        &targets,
        &http,
        children.as_ref(),
        machine_cpus(split),
    )
    .await;
    let cleanup = Fixture::remove(&http, &targets, args).await;
    if let Some(s) = stack {
        s.stop().await;
    }
    if let Some(p) = children {
        p.stop().await;
    }
    let mut report = result?;
    cleanup?;
    report["settings"]["targets"] = json!(mode);
    Ok(report)
}

async fn scenarios(
    args: &Args,
    t: &Targets,
    http: &reqwest::Client,
    children: Option<&Processes>,
    cores: usize,
) -> anyhow::Result<Value> {
    let cpu = || children.map(Processes::cpu).transpose();
    let limit = Duration::from_secs_f64(args.duration);
    let workers = args.concurrency.max(args.cascade_concurrency);
    let info: Value = http
        .get(t.vnet.join("v1/info")?)
        .send()
        .await
        .context("GET /v1/info on the VN server")?
        .error_for_status()?
        .json()
        .await?;
    let prefix = info["cascade_prefix"].as_str().unwrap_or("80").to_owned();
    let fixture = Fixture::create(http, t, args, workers).await?;
    let dial = |worker: u64| {
        format!(
            "{prefix}{}@{}",
            fixture.rooms[worker as usize % fixture.rooms.len()],
            t.mcu_h323
        )
    };

    let mut report = json!({
        "settings": {
            "calls": args.calls,
            "concurrency": args.concurrency,
            "cascade_concurrency": args.cascade_concurrency,
            "duration_s": args.duration,
            "warm_up_calls": WARM_UP,
            "cpus": cores,
            "vnet": t.vnet.as_str(),
            "gateway": t.gateway.as_str(),
            "mcu_h323": t.mcu_h323.to_string(),
        },
    });

    // 1. Cascade setup latency through the VN API.
    if args.scenario != Scenario::Gateway {
        let before = cpu()?;
        let cascade = {
            let paths: Vec<String> = fixture
                .conferences
                .iter()
                .map(|c| path_of(&t.vnet, &format!("v1/conferences/{c}/cascades")))
                .collect::<anyhow::Result<_>>()?;
            let bodies: Vec<Bytes> = (0..args.cascade_concurrency)
                .map(|w| Bytes::from(json!({ "dial": dial(w) }).to_string()))
                .collect();
            run_scenario(
                args.calls,
                args.cascade_concurrency,
                limit,
                addr_of(&t.vnet)?,
                move |worker, conn| {
                    let path = paths[worker as usize].clone();
                    let body = bodies[worker as usize].clone();
                    async move { pair_once(&CASCADE, conn, path, body).await }
                },
            )
            .await
        };
        if let (Some(before), Some(after)) = (before, cpu()?) {
            report["cascade_server_cpu"] =
                processes::report(&before, &after, cascade.samples.len() as u64, cores);
        }
        let vnet_floor = healthz(&t.vnet, args.calls, args.cascade_concurrency, limit).await?;
        report["cascade_setup"] = cascade.report(|s| &s.first, "latency_ms");
        report["cascade_floor_healthz"] = vnet_floor.report(|s| &s.first, "latency_ms");
    }

    // 2. Gateway setups+releases per second.
    if args.scenario != Scenario::Cascade {
        let before = cpu()?;
        let gateway = {
            let path = path_of(&t.gateway, "v1/calls")?;
            let bodies: Vec<Bytes> = (0..args.concurrency)
                .map(|w| {
                    let body = json!({ "dial": dial(w), "display": "cascade bench" });
                    Bytes::from(body.to_string())
                })
                .collect();
            run_scenario(
                args.calls,
                args.concurrency,
                limit,
                addr_of(&t.gateway)?,
                move |worker, conn| {
                    let (path, body) = (path.clone(), bodies[worker as usize].clone());
                    async move { pair_once(&CALL, conn, path, body).await }
                },
            )
            .await
        };
        if let (Some(before), Some(after)) = (before, cpu()?) {
            report["gateway_server_cpu"] =
                processes::report(&before, &after, gateway.samples.len() as u64, cores);
        }
        let gateway_floor = healthz(&t.gateway, args.calls, args.concurrency, limit).await?;
        let mut gateway_report = gateway.report(|s| &s.total, "pair_ms");
        gateway_report["pairs_per_second"] = json!(gateway.rate());
        let setups: Vec<Duration> = gateway.samples.iter().map(|s| s.first).collect();
        gateway_report["setup_ms"] = Stats::of(&setups);
        let mut floor_report = gateway_floor.report(|s| &s.first, "latency_ms");
        floor_report["requests_per_second"] = json!(gateway_floor.rate());
        report["gateway_calls"] = gateway_report;
        report["gateway_floor_healthz"] = floor_report;
    }
    Ok(report)
}

/// One measured operation: the timed part, and the whole (with its release).
#[derive(Debug, Clone, Copy)]
struct Sample {
    first: Duration,
    total: Duration,
}

/// What one scenario measured.
struct Outcome {
    requested: u64,
    attempted: u64,
    errors: u64,
    error_examples: Vec<String>,
    samples: Vec<Sample>,
    elapsed: Duration,
    stopped_by: &'static str,
    workers: u64,
}

impl Outcome {
    fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.samples.len() as f64 / secs
        } else {
            0.0
        }
    }

    fn report(&self, pick: impl Fn(&Sample) -> &Duration, name: &str) -> Value {
        let picked: Vec<Duration> = self.samples.iter().map(|s| *pick(s)).collect();
        let mut v = json!({
            "requested": self.requested,
            "attempted": self.attempted,
            "completed": self.samples.len(),
            "errors": self.errors,
            "error_examples": self.error_examples,
            "workers": self.workers,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "stopped_by": self.stopped_by,
        });
        v[name] = Stats::of(&picked);
        v
    }
}

/// Latency percentiles in milliseconds.
struct Stats;

impl Stats {
    fn of(samples: &[Duration]) -> Value {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let ms = |d: Option<&Duration>| d.map(|d| d.as_secs_f64() * 1e3);
        let mean = if sorted.is_empty() {
            None
        } else {
            Some(sorted.iter().sum::<Duration>().as_secs_f64() * 1e3 / sorted.len() as f64)
        };
        json!({
            "p50": ms(percentile(&sorted, 50.0)),
            "p90": ms(percentile(&sorted, 90.0)),
            "p99": ms(percentile(&sorted, 99.0)),
            "max": ms(sorted.last()),
            "mean": mean,
        })
    }
}

/// Nearest-rank percentile of sorted samples.
fn percentile<T>(sorted: &[T], p: f64) -> Option<&T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1)
}

/// Runs `op` from `workers` tasks, each with its own connection to `addr`, until `calls` were
/// started or `limit` passed, after [`WARM_UP`] unmeasured calls by each worker's first
/// iterations.
async fn run_scenario<F, Fut>(
    calls: u64,
    workers: u64,
    limit: Duration,
    addr: SocketAddr,
    op: F,
) -> Outcome
where
    F: Fn(u64, Conn) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = (Conn, Result<Sample, String>)> + Send,
{
    let op = Arc::new(op);
    let mut warm = Conn::new(addr);
    for i in 0..WARM_UP {
        warm = op(i % workers, warm).await.0;
    }
    drop(warm);
    let next = Arc::new(AtomicU64::new(0));
    let shared = Arc::new(Mutex::new((
        Vec::with_capacity(calls as usize),
        0u64,
        Vec::new(),
    )));
    let start = Instant::now();
    let deadline = start + limit;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (op, next, shared) = (op.clone(), next.clone(), shared.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            while Instant::now() < deadline && next.fetch_add(1, Ordering::Relaxed) < calls {
                let (c, r) = op(w, conn).await;
                conn = c;
                let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
                match r {
                    Ok(sample) => s.0.push(sample),
                    Err(e) => {
                        s.1 += 1;
                        if s.2.len() < ERROR_EXAMPLES {
                            s.2.push(e);
                        }
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed();
    let attempted = next.load(Ordering::Relaxed).min(calls);
    let (samples, errors, error_examples) =
        std::mem::take(&mut *shared.lock().unwrap_or_else(|e| e.into_inner()));
    let done = samples.len() as u64 + errors;
    Outcome {
        requested: calls,
        attempted: done,
        errors,
        error_examples,
        samples,
        elapsed,
        stopped_by: if attempted >= calls && done >= calls {
            "count"
        } else {
            "duration"
        },
        workers,
    }
}

/// What one measured pair creates and ends, and the states that say it worked.
struct PairKind {
    /// What is created, in error messages.
    noun: &'static str,
    /// The state of a `201` answer.
    created: &'static str,
    /// The state of the answer to the `DELETE`.
    ended: &'static str,
}

/// A cascade through the VN server.
const CASCADE: PairKind = PairKind {
    noun: "cascade",
    created: "cascaded",
    ended: "ended",
};
/// A call through the gateway.
const CALL: PairKind = PairKind {
    noun: "call",
    created: "connected",
    ended: "released",
};

/// One pair: `POST path` (timed: the setup), then `DELETE path/{id}` (the release).
async fn pair_once(
    kind: &PairKind,
    mut conn: Conn,
    path: String,
    body: Bytes,
) -> (Conn, Result<Sample, String>) {
    let r = async {
        let t0 = Instant::now();
        let (status, v) = read(conn.send(Method::POST, &path, Some(body)).await)?;
        let first = t0.elapsed();
        if status != StatusCode::CREATED || v.state() != kind.created {
            return Err(format!("{}: {status} {}", kind.noun, v.brief()));
        }
        let id = match v.id {
            Some(Id::Number(n)) => n.to_string(),
            Some(Id::Text(t)) => t,
            None => return Err(format!("{} answer without an id", kind.noun)),
        };
        let end = format!("{path}/{id}");
        let (status, v) = read(conn.send(Method::DELETE, &end, None).await)?;
        if status != StatusCode::OK || v.state() != kind.ended {
            return Err(format!("ending {} {id}: {status} {}", kind.noun, v.brief()));
        }
        Ok(Sample {
            first,
            total: t0.elapsed(),
        })
    }
    .await;
    (conn, r)
}

/// `GET /healthz` round trips on `base`: the same-run floor of a scenario.
async fn healthz(base: &Url, calls: u64, workers: u64, limit: Duration) -> anyhow::Result<Outcome> {
    let path = path_of(base, "healthz")?;
    Ok(
        run_scenario(calls, workers, limit, addr_of(base)?, move |_, mut conn| {
            let path = path.clone();
            async move {
                let t0 = Instant::now();
                let r = read(conn.send(Method::GET, &path, None).await).and_then(|(status, v)| {
                    let first = t0.elapsed();
                    if status != StatusCode::OK {
                        return Err(format!("healthz: {status} {}", v.brief()));
                    }
                    Ok(Sample {
                        first,
                        total: first,
                    })
                });
                (conn, r)
            }
        })
        .await,
    )
}

/// The path of `relative` under the server's base URL.
fn path_of(base: &Url, relative: &str) -> anyhow::Result<String> {
    Ok(base.join(relative)?.path().to_owned())
}

/// The loopback address a server's base URL names.
fn addr_of(base: &Url) -> anyhow::Result<SocketAddr> {
    let host = base.host_str().context("a server URL without a host")?;
    let port = base.port_or_known_default().unwrap_or(80);
    check_loopback(host.trim_start_matches('[').trim_end_matches(']'), port)
}

fn read(r: Result<(StatusCode, Bytes), String>) -> Result<(StatusCode, Reply), String> {
    let (status, body) = r?;
    Ok((status, Reply::parse(status, &body)))
}

/// The fields of an answer the load generator checks. The rest of the record is skipped
/// unparsed: building a whole `serde_json::Value` for each answer was a fifth of the load
/// generator's CPU, which shares the 2 cores with the servers it measures.
#[derive(Debug, Default, serde::Deserialize)]
struct Reply {
    #[serde(default)]
    id: Option<Id>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    /// The whole body of an error answer that gave neither `title` nor `detail`.
    #[serde(skip)]
    raw: Option<String>,
}

/// A call id is text, a cascade id a number.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
enum Id {
    Number(i64),
    Text(String),
}

impl Reply {
    /// The answer `body` with `status`. An error answer without `title` or `detail` keeps its
    /// whole body, to be shown instead.
    fn parse(status: StatusCode, body: &[u8]) -> Reply {
        let mut r: Reply = serde_json::from_slice(body).unwrap_or_default();
        if !status.is_success() && r.title.is_none() && r.detail.is_none() {
            r.raw = Some(String::from_utf8_lossy(body).into_owned());
        }
        r
    }

    fn state(&self) -> &str {
        self.state.as_deref().unwrap_or_default()
    }

    /// What went wrong, in the server's words where it gave some.
    fn brief(&self) -> String {
        self.detail
            .as_ref()
            .or(self.title.as_ref())
            .or(self.raw.as_ref())
            .cloned()
            .unwrap_or_else(|| format!("state {:?}", self.state()))
    }
}

/// The rooms and VN conferences the bench creates, one per worker.
struct Fixture {
    rooms: Vec<String>,
    conferences: Vec<i64>,
}

impl Fixture {
    async fn create(
        http: &reqwest::Client,
        t: &Targets,
        args: &Args,
        workers: u64,
    ) -> anyhow::Result<Self> {
        let mut rooms = Vec::new();
        for i in 0..workers {
            let number = (u64::from(args.room_base) + i).to_string();
            let r = http
                .post(t.mcu.join("v1/rooms")?)
                .json(&json!({
                    "number": number,
                    "name": format!("cascade bench {number}"),
                    // A released seat is freed when the MCU reads the ReleaseComplete, which
                    // can be just after the next call's Setup: room for a few in flight.
                    "max_participants": 16,
                }))
                .send()
                .await
                .context("POST /v1/rooms on the MCU")?;
            if r.status() != StatusCode::CREATED {
                let status = r.status();
                let v = Reply::parse(status, &r.bytes().await.unwrap_or_default());
                bail!(
                    "cannot create bench room {number} on the MCU: {status} {} (choose free numbers with --room-base)",
                    v.brief()
                );
            }
            rooms.push(number);
        }
        let mut conferences = Vec::new();
        for i in 0..args.cascade_concurrency {
            let v: Value = http
                .post(t.vnet.join("v1/conferences")?)
                .json(&json!({ "name": format!("cascade bench {i}") }))
                .send()
                .await
                .context("POST /v1/conferences on the VN server")?
                .error_for_status()
                .context("creating a VN conference")?
                .json()
                .await?;
            conferences.push(v["id"].as_i64().context("VN conference without an id")?);
        }
        Ok(Self { rooms, conferences })
    }

    /// Deletes what [`Fixture::create`] made: the bench's VN conferences (by name) and rooms.
    async fn remove(http: &reqwest::Client, t: &Targets, args: &Args) -> anyhow::Result<()> {
        let confs: Value = http
            .get(t.vnet.join("v1/conferences")?)
            .send()
            .await?
            .json()
            .await?;
        for c in confs.as_array().into_iter().flatten() {
            let ours = c["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("cascade bench "));
            if let (true, Some(id)) = (ours, c["id"].as_i64()) {
                http.delete(t.vnet.join(&format!("v1/conferences/{id}"))?)
                    .send()
                    .await?;
            }
        }
        let workers = args.concurrency.max(args.cascade_concurrency);
        for i in 0..workers {
            let number = u64::from(args.room_base) + i;
            http.delete(t.mcu.join(&format!("v1/rooms/{number}"))?)
                .send()
                .await?;
        }
        Ok(())
    }
}

/// `text` as an http URL whose host is in 127.0.0.0/8 or `::1` (a name must resolve to
/// loopback addresses only). Plain HTTP only: the servers serve nothing else, and the bench's
/// own client (`client.rs`) speaks HTTP/1.1 over TCP without TLS.
fn loopback_url(text: &str) -> anyhow::Result<Url> {
    let url = Url::parse(text).with_context(|| format!("{text:?} is not a URL"))?;
    match url.scheme() {
        "http" => {}
        "https" => {
            bail!("{text:?}: cascade bench speaks plain HTTP only (the servers serve no TLS)")
        }
        _ => bail!("{text:?} is not an http URL"),
    }
    if url.host_str().is_none() {
        bail!("{text:?} has no host");
    }
    addr_of(&url)?;
    Ok(url)
}

/// `text` (`host:port`) as a loopback socket address.
fn loopback_addr(text: &str) -> anyhow::Result<SocketAddr> {
    let (host, port) = text
        .rsplit_once(':')
        .with_context(|| format!("{text:?} is not host:port"))?;
    let port: u16 = port
        .parse()
        .with_context(|| format!("{text:?} has no valid port"))?;
    check_loopback(host.trim_start_matches('[').trim_end_matches(']'), port)
}

fn check_loopback(host: &str, port: u16) -> anyhow::Result<SocketAddr> {
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => (host, port)
            .to_socket_addrs()
            .with_context(|| format!("cannot resolve {host}"))?
            .collect(),
    };
    match addrs.first() {
        Some(first) if addrs.iter().all(|a| a.ip().is_loopback()) => Ok(*first),
        _ => {
            bail!("{host} is not a loopback address: cascade bench only loads 127.0.0.0/8 and ::1")
        }
    }
}

fn print_words(r: &Value) {
    let s = &r["settings"];
    let ms = |v: &Value| v.as_f64().map_or("-".to_owned(), |x| format!("{x:.2} ms"));
    let pct = |v: &Value| {
        format!(
            "p50 {}, p90 {}, p99 {}, max {}",
            ms(&v["p50"]),
            ms(&v["p90"]),
            ms(&v["p99"]),
            ms(&v["max"])
        )
    };
    println!(
        "cascade bench: {} ({} CPUs), {} calls per scenario, at most {} s each, {} warm-up calls not counted",
        s["targets"].as_str().unwrap_or("?"),
        s["cpus"],
        s["calls"],
        s["duration_s"],
        s["warm_up_calls"]
    );
    let c = &r["cascade_setup"];
    if !c.is_null() {
        println!(
            "\nCascade setup: VN API request → gateway → H.323 → MCU → \"201 cascaded\", {} at a time",
            c["workers"]
        );
        println!(
            "  {} of {} cascaded, {} errors, in {:.2} s (stopped by {})",
            c["completed"],
            c["requested"],
            c["errors"],
            c["elapsed_s"].as_f64().unwrap_or(0.0),
            c["stopped_by"].as_str().unwrap_or("?")
        );
        println!("  latency {}", pct(&c["latency_ms"]));
        let p50 = c["latency_ms"]["p50"].as_f64().unwrap_or(f64::INFINITY);
        let p99 = c["latency_ms"]["p99"].as_f64().unwrap_or(f64::INFINITY);
        println!(
            "  target p50 ≤ 2 ms: {}; p99 ≤ 10 ms: {}",
            verdict(p50 <= 2.0),
            verdict(p99 <= 10.0)
        );
        println!(
            "  floor, GET /healthz on the VN server: {}",
            pct(&r["cascade_floor_healthz"]["latency_ms"])
        );
    }
    let g = &r["gateway_calls"];
    if !g.is_null() {
        println!(
            "\nGateway calls: POST /v1/calls (H.323 call up) then DELETE (released), {} workers",
            g["workers"]
        );
        let rate = g["pairs_per_second"].as_f64().unwrap_or(0.0);
        println!(
            "  {} of {} set up and released, {} errors, in {:.2} s (stopped by {}): {rate:.0} setups+releases per second",
            g["completed"],
            g["requested"],
            g["errors"],
            g["elapsed_s"].as_f64().unwrap_or(0.0),
            g["stopped_by"].as_str().unwrap_or("?")
        );
        println!("  setup {}", pct(&g["setup_ms"]));
        println!("  setup+release {}", pct(&g["pair_ms"]));
        println!("  target ≥ 2,000 per second: {}", verdict(rate >= 2000.0));
        let f = &r["gateway_floor_healthz"];
        println!(
            "  floor, GET /healthz on the gateway with {} workers: {:.0} per second, {}",
            f["workers"],
            f["requests_per_second"].as_f64().unwrap_or(0.0),
            pct(&f["latency_ms"])
        );
    }
    for (what, key) in [
        ("cascade scenario", "cascade_server_cpu"),
        ("gateway scenario", "gateway_server_cpu"),
    ] {
        let Some(servers) = r[key].as_object() else {
            continue;
        };
        println!("\nServer CPU in the {what} (each server its own process):");
        for (name, v) in servers {
            if name == processes::LOAD_GENERATOR {
                println!(
                    "  load generator (this process) {:.3} ms per call",
                    v["cpu_ms_per_call"].as_f64().unwrap_or(f64::NAN)
                );
                continue;
            }
            println!(
                "  {name:<8} {:.3} ms per call; alone on {} cores it would take {:.0} calls per second",
                v["cpu_ms_per_call"].as_f64().unwrap_or(f64::NAN),
                s["cpus"],
                v["calls_per_second_on_all_cores"].as_f64().unwrap_or(0.0)
            );
        }
    }
    if let Some(pinned) = s["pinned"].as_object() {
        println!(
            "\nPinned: the gateway on CPUs {}, the MCU, vnet and the load generator on {}; the \
             gateway kept its CPUs {:.0} % busy, so {:.0} setups+releases per second is {}",
            pinned["gateway_cpus"],
            pinned["other_cpus"],
            100.0 * g["gateway_cpu_utilization"].as_f64().unwrap_or(f64::NAN),
            g["pairs_per_second"].as_f64().unwrap_or(0.0),
            if g["gateway_cpu_utilization"].as_f64().unwrap_or(0.0) >= 0.9 {
                "its rate on those CPUs"
            } else {
                "limited by the other side, not by the gateway"
            }
        );
    }
    for (name, v) in [("cascade", c), ("gateway", g)] {
        for e in v["error_examples"].as_array().into_iter().flatten() {
            println!("  {name} error: {}", e.as_str().unwrap_or("?"));
        }
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "missed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(&50));
        assert_eq!(percentile(&v, 99.0), Some(&99));
        assert_eq!(percentile(&v, 100.0), Some(&100));
        assert_eq!(percentile(&[7u32], 99.0), Some(&7));
        assert_eq!(percentile::<u32>(&[], 50.0), None);
    }

    #[test]
    fn an_answer_is_summed_up_in_the_servers_words() {
        let problem = br#"{"title":"Not Found","detail":"conference 9 does not exist"}"#;
        let r = Reply::parse(StatusCode::NOT_FOUND, problem);
        assert_eq!(r.brief(), "conference 9 does not exist");
        let r = Reply::parse(StatusCode::CONFLICT, br#"{"title":"Conflict"}"#);
        assert_eq!(r.brief(), "Conflict");
        let r = Reply::parse(StatusCode::BAD_GATEWAY, b"upstream down");
        assert_eq!(r.brief(), "upstream down");
        let r = Reply::parse(
            StatusCode::OK,
            br#"{"id":"x","state":"dialing","media":{}}"#,
        );
        assert!(matches!(r.id, Some(Id::Text(ref id)) if id == "x"));
        assert_eq!(r.brief(), "state \"dialing\"");
        let r = Reply::parse(StatusCode::CREATED, br#"{"id":7,"state":"cascaded"}"#);
        assert!(matches!(r.id, Some(Id::Number(7))));
    }

    #[test]
    fn only_loopback_targets() {
        assert!(loopback_url("http://127.0.0.1:8080").is_ok());
        assert!(loopback_url("http://127.3.4.5:1/").is_ok());
        assert!(loopback_url("http://[::1]:8080").is_ok());
        assert!(loopback_url("http://192.0.2.1:8080").is_err());
        assert!(loopback_url("http://[2001:db8::1]:8080").is_err());
        assert!(loopback_url("ftp://127.0.0.1/").is_err());
        let https = loopback_url("https://127.0.0.1:8080")
            .unwrap_err()
            .to_string();
        assert!(https.contains("plain HTTP only"), "{https}");
        assert!(loopback_addr("127.0.0.1:1720").is_ok());
        assert!(loopback_addr("[::1]:1720").is_ok());
        assert!(loopback_addr("10.0.0.1:1720").is_err());
        assert!(loopback_addr("127.0.0.1").is_err());
    }
}
