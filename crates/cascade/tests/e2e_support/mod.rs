//! What the full-process end-to-end media tests share: the three servers (`cascade mcu`,
//! `cascade gateway`, `cascade vnet`) as child processes on free loopback ports, their HTTP
//! APIs, peers run as `cascade endpoint` / `cascade terminal` processes, and (in `lossy`) a
//! seeded impairing relay put on a VN terminal's media path.

#![allow(dead_code)]

pub mod lossy;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process, stopped with SIGTERM when dropped.
pub struct Server(Child);

impl Server {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
    }
}

/// The soft open-files limit a login shell or a systemd service starts with on Debian; the
/// servers run under it here, as they would there, and must raise it themselves.
pub const DEBIAN_SOFT_NOFILE: libc::rlim_t = 1024;

pub fn server(args: &[String], data: &Path) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cascade"));
    debian_open_files(&mut cmd);
    let child = cmd
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("CASCADE_CONFIG")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cascade");
    Server(child)
}

/// Starts `cmd` with the soft open-files limit at [`DEBIAN_SOFT_NOFILE`] (the hard limit kept).
pub fn debian_open_files(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure makes two async-signal-safe system calls on its own stack values.
    unsafe {
        cmd.pre_exec(|| {
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            lim.rlim_cur = DEBIAN_SOFT_NOFILE.min(lim.rlim_max);
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The soft open-files limit of process `pid`, from `/proc/{pid}/limits`.
pub fn soft_open_files(pid: u32) -> libc::rlim_t {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    line.split_whitespace().nth(3).unwrap().parse().unwrap()
}

pub async fn wait_healthy(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not become healthy");
}

pub async fn post(http: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let r = http.post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn get(http: &reqwest::Client, url: String) -> Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// `cascade ARGS` to completion on a thread of its own.
pub fn run_peer(args: Vec<String>) -> std::thread::JoinHandle<Output> {
    std::thread::spawn(move || {
        Command::new(env!("CARGO_BIN_EXE_cascade"))
            .args(&args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run cascade peer")
    })
}

pub fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// The three servers, healthy, with their base URLs and the MCU's H.323 port.
pub struct Servers {
    pub mcu: String,
    pub gateway: String,
    pub vnet: String,
    pub h323: u16,
    pub http: reqwest::Client,
    _processes: [Server; 3],
}

impl Servers {
    /// Starts them with their data under `dir` and waits until each answers `/healthz`.
    pub async fn start(dir: &Path) -> Servers {
        let (mcu_http, gw_http, vn_http, h323) =
            (free_port(), free_port(), free_port(), free_port());
        let processes = [
            server(
                &strings(&[
                    "mcu",
                    "--http",
                    &format!("127.0.0.1:{mcu_http}"),
                    "--h323",
                    &format!("127.0.0.1:{h323}"),
                ]),
                &dir.join("mcu"),
            ),
            server(
                &strings(&["gateway", "--http", &format!("127.0.0.1:{gw_http}")]),
                &dir.join("gw"),
            ),
            server(
                &strings(&[
                    "vnet",
                    "--http",
                    &format!("127.0.0.1:{vn_http}"),
                    "--gateway",
                    &format!("http://127.0.0.1:{gw_http}"),
                ]),
                &dir.join("vn"),
            ),
        ];
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let servers = Servers {
            mcu: format!("http://127.0.0.1:{mcu_http}"),
            gateway: format!("http://127.0.0.1:{gw_http}"),
            vnet: format!("http://127.0.0.1:{vn_http}"),
            h323,
            http,
            _processes: processes,
        };
        for base in [&servers.mcu, &servers.gateway, &servers.vnet] {
            wait_healthy(&servers.http, base).await;
        }
        servers
    }

    /// Creates MCU room `number`.
    pub async fn create_room(&self, number: &str) {
        let (status, body) = post(
            &self.http,
            format!("{}/v1/rooms", self.mcu),
            json!({"number": number, "max_participants": 8}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }

    /// Creates a VN conference; returns its id.
    pub async fn create_conference(&self, name: &str) -> String {
        let (status, body) = post(
            &self.http,
            format!("{}/v1/conferences", self.vnet),
            json!({ "name": name }),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        match &body["id"] {
            Value::String(id) => id.clone(),
            id => id.to_string(),
        }
    }

    /// `GET /v1/rooms/{number}` on the MCU.
    pub async fn room(&self, number: &str) -> Value {
        get(&self.http, format!("{}/v1/rooms/{number}", self.mcu)).await
    }

    /// Waits until MCU room `number` has at least `n` participants.
    pub async fn wait_participants(&self, number: &str, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let room = self.room(number).await;
            if room["participants"].as_array().map_or(0, Vec::len) >= n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "room {number} never had {n} participants: {room}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Cascades VN conference `conference` to MCU room `number`.
    pub async fn cascade(&self, conference: &str, number: &str) {
        let (status, body) = post(
            &self.http,
            format!("{}/v1/conferences/{conference}/cascades", self.vnet),
            json!({"dial": format!("80{number}@127.0.0.1:{}", self.h323)}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
}
