//! Starts an MCU on 127.0.0.1:0 with its rooms in a temp dir, and fake H.323 call tasks.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use mcu::admission::{AdmissionRequest, Alias};
use mcu::registry::{Caller, ParticipantCommand, Rejection, RoomRegistry};
use mcu::signalling::NoSignalling;
use mcu::{Config, Server};
use service::shutdown::Shutdown;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct Running {
    pub addr: SocketAddr,
    pub rooms: RoomRegistry,
    pub shutdown: Shutdown,
    pub task: JoinHandle<anyhow::Result<()>>,
    pub http: reqwest::Client,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn stop(self) {
        self.shutdown.trigger();
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("MCU stops within 20 s")
            .unwrap()
            .unwrap();
    }

    pub async fn get(&self, path: &str) -> serde_json::Value {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r.json().await.unwrap()
    }
}

pub fn config(data: &Path) -> Config {
    Config {
        http: "127.0.0.1:0".into(),
        h323: "127.0.0.1:0".into(),
        data: data.to_path_buf(),
        ..Config::default()
    }
}

pub async fn start(config: Config) -> Running {
    let server = Server::bind(config).await.unwrap();
    let addr = server.http_addr();
    let rooms = server.rooms().clone();
    let shutdown = Shutdown::new();
    let task = tokio::spawn(server.serve(NoSignalling, shutdown.clone()));
    Running {
        addr,
        rooms,
        shutdown,
        task,
        http: reqwest::Client::new(),
    }
}

/// A call into `room` as an H.323 call task would place it.
pub fn setup_to(room: &str) -> AdmissionRequest {
    AdmissionRequest {
        destination_aliases: vec![Alias::DialedDigits(room.into())],
        called_party_number: Some(room.into()),
        source_aliases: vec![Alias::H323Id("VN one".into())],
    }
}

/// A fake H.323 call task: joins, reports connected, and on the first command releases
/// (drops its seat) and reports the command.
pub struct FakeCall {
    pub id: u64,
    pub released: oneshot::Receiver<ParticipantCommand>,
}

pub async fn call(rooms: &RoomRegistry, room: &str, port: u16) -> Result<FakeCall, Rejection> {
    let caller = Caller {
        display: Some(format!("caller {port}")),
        aliases: vec![Alias::H323Id(format!("VN {port}"))],
        address: SocketAddr::from(([127, 0, 0, 1], port)),
    };
    let (mut seat, _) = rooms.join(&setup_to(room), caller).await?;
    seat.connected(vec!["PCMU".into(), "H.264".into()]);
    let id = seat.id();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        if let Some(cmd) = seat.next_command().await {
            drop(seat);
            let _ = tx.send(cmd);
        }
    });
    Ok(FakeCall { id, released: rx })
}
pub mod party;
