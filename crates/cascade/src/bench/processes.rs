//! `cascade bench --processes`: the three servers as child processes of this binary (`cascade
//! mcu`, `cascade gateway`, `cascade vnet`) on free loopback ports, so that each server's own CPU
//! time can be read from `/proc/<pid>/stat` around a scenario and given per call. With the servers
//! in the bench's process, only the whole process's CPU is known.
//!
//! The children log at `warn` (`RUST_LOG`), as the in-process servers log nothing: a line per call
//! at `info` would be part of what is measured.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

use super::affinity::Split;

/// One running server process.
struct Server {
    name: &'static str,
    child: Child,
}

/// The three servers and their addresses.
pub struct Processes {
    servers: Vec<Server>,
    /// MCU admin API.
    pub mcu_http: SocketAddr,
    /// MCU H.323 call signalling.
    pub mcu_h323: SocketAddr,
    /// Gateway HTTP API.
    pub gateway_http: SocketAddr,
    /// VN server HTTP API.
    pub vnet_http: SocketAddr,
}

/// CPU time used so far by each server, in seconds.
#[derive(Debug, Clone)]
pub struct CpuSample(Vec<(&'static str, f64)>);

fn free_port() -> anyhow::Result<SocketAddr> {
    // Released at once for the child to bind: a race with other binders on this host, which a
    // failed start reports.
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

impl Processes {
    /// Starts the servers with their data under `data` and waits until each answers
    /// `GET /healthz` (at most 30 s).
    ///
    /// With `split`, the gateway runs on its CPUs and the other servers on the rest.
    pub async fn start(
        data: &Path,
        http: &reqwest::Client,
        split: Option<&Split>,
    ) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("cannot find this program's path")?;
        let (mcu_http, mcu_h323, gateway_http, vnet_http) =
            (free_port()?, free_port()?, free_port()?, free_port()?);
        let spawn = |name: &'static str, args: Vec<String>| -> anyhow::Result<Server> {
            let mut cmd = Command::new(&exe);
            // Each server its own share of the default RTP range, as servers sharing a host
            // are configured: with one range, each process's port cursor walks into pairs the
            // others hold, and every such pair is a failed `bind` (3.7 per call in the MCU).
            // The gateway binds four pairs a call, the MCU and vnet two.
            let rtp_ports = match name {
                "gateway" => "16384-24575",
                "mcu" => "24576-28671",
                _ => "28672-32767",
            };
            if let Some(split) = split {
                let cpus = if name == "gateway" {
                    &split.gateway
                } else {
                    &split.rest
                };
                super::affinity::pin_child(&mut cmd, cpus);
            }
            let child = cmd
                .arg(name)
                .args(&args)
                .env("RUST_LOG", "warn")
                .env(
                    format!("CASCADE_{}_RTP_PORTS", name.to_uppercase()),
                    rtp_ports,
                )
                .env_remove("CASCADE_CONFIG")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .with_context(|| format!("cannot start cascade {name}"))?;
            Ok(Server { name, child })
        };
        let dir = |d: &str| data.join(d).display().to_string();
        let mut p = Processes {
            servers: Vec::new(),
            mcu_http,
            mcu_h323,
            gateway_http,
            vnet_http,
        };
        p.servers.push(spawn(
            "mcu",
            vec![
                "--http".into(),
                mcu_http.to_string(),
                "--h323".into(),
                mcu_h323.to_string(),
                "--data".into(),
                dir("mcu"),
            ],
        )?);
        p.servers.push(spawn(
            "gateway",
            vec![
                "--http".into(),
                gateway_http.to_string(),
                "--data".into(),
                dir("gateway"),
            ],
        )?);
        p.servers.push(spawn(
            "vnet",
            vec![
                "--http".into(),
                vnet_http.to_string(),
                "--gateway".into(),
                format!("http://{gateway_http}"),
                "--data".into(),
                dir("vnet"),
            ],
        )?);
        let deadline = Instant::now() + Duration::from_secs(30);
        for addr in [mcu_http, gateway_http, vnet_http] {
            loop {
                for s in &mut p.servers {
                    if let Some(status) = s.child.try_wait()? {
                        bail!("cascade {} exited at start: {status}", s.name);
                    }
                }
                let up = http
                    .get(format!("http://{addr}/healthz"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if up {
                    break;
                }
                if Instant::now() > deadline {
                    bail!("a server at {addr} did not answer /healthz within 30 s");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(p)
    }

    /// Each server's CPU time so far, and the load generator's own (`bench`, this process),
    /// which shares the same cores.
    pub fn cpu(&self) -> anyhow::Result<CpuSample> {
        self.servers
            .iter()
            .map(|s| Ok((s.name, cpu_seconds(s.child.id())?)))
            .chain(std::iter::once(Ok((
                LOAD_GENERATOR,
                cpu_seconds(std::process::id())?,
            ))))
            .collect::<anyhow::Result<_>>()
            .map(CpuSample)
    }

    /// Stops the servers with SIGTERM (their graceful shutdown) and waits up to 10 s each.
    pub async fn stop(mut self) {
        for s in &self.servers {
            if let Ok(pid) = libc::pid_t::try_from(s.child.id()) {
                // SAFETY: signals our own child, which has not been waited for yet.
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
        }
        for s in &mut self.servers {
            let deadline = Instant::now() + Duration::from_secs(10);
            while s.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = s.child.kill();
            let _ = s.child.wait();
        }
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for s in &mut self.servers {
            if s.child.try_wait().ok().flatten().is_none() {
                let _ = s.child.kill();
                let _ = s.child.wait();
            }
        }
    }
}

/// The load generator's name in [`CpuSample`] and the report.
pub const LOAD_GENERATOR: &str = "bench";

/// utime + stime of process `pid` (all its threads), in seconds.
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("unexpected /proc/<pid>/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the whole line are the 12th and 13th after the name.
    let ticks = |i: usize| -> anyhow::Result<f64> {
        Ok(fields
            .get(i)
            .context("short /proc/<pid>/stat")?
            .parse::<u64>()? as f64)
    };
    Ok((ticks(11)? + ticks(12)?) / clock_ticks())
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// Each server's CPU between two samples, per completed operation, and what that CPU cost
/// allows on `cores` cores if the server had them to itself.
pub fn report(before: &CpuSample, after: &CpuSample, completed: u64, cores: usize) -> Value {
    let mut out = serde_json::Map::new();
    for ((name, a), (_, b)) in before.0.iter().zip(&after.0) {
        let cpu = (b - a).max(0.0);
        let per = if completed > 0 {
            cpu / completed as f64
        } else {
            f64::NAN
        };
        out.insert(
            (*name).into(),
            json!({
                "cpu_s": cpu,
                "cpu_ms_per_call": per * 1e3,
                "calls_per_second_on_all_cores": if per > 0.0 { cores as f64 / per } else { f64::NAN },
            }),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process_cpu_time() {
        let start = cpu_seconds(std::process::id()).unwrap();
        let mut x = 0u64;
        let t = Instant::now();
        while t.elapsed() < Duration::from_millis(300) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let end = cpu_seconds(std::process::id()).unwrap();
        assert!(end > start, "{start} → {end}");
    }
}
