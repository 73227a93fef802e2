//! Starts a gateway on 127.0.0.1:0 with its records in a temp dir: with the fake dialer, or
//! with the real H.323 one.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gateway::dialer::Dialer;
use gateway::fake::FakeDialer;
use gateway::h323::H323Dialer;
use gateway::{Config, Server};
use service::shutdown::Shutdown;
use tokio::task::JoinHandle;

pub struct Running {
    pub addr: SocketAddr,
    /// The fake dialer the gateway calls through (a fresh one, never used, behind
    /// [`start_h323`]).
    pub fake: FakeDialer,
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
            .expect("gateway stops within 20 s")
            .unwrap()
            .unwrap();
    }

    /// `GET path` as JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn post_call(&self, dial: &str) -> reqwest::Response {
        self.http
            .post(self.url("/v1/calls"))
            .json(&serde_json::json!({ "dial": dial, "display": "VN one" }))
            .send()
            .await
            .unwrap()
    }
}

pub fn config(data: &Path) -> Config {
    Config {
        http: "127.0.0.1:0".into(),
        data: data.to_path_buf(),
        call_timeout: Duration::from_secs(30),
        ..Config::default()
    }
}

pub async fn start(config: Config, fake: FakeDialer) -> Running {
    start_with(config, Arc::new(fake.clone()), fake).await
}

/// A gateway that places real H.323 calls.
pub async fn start_h323(config: Config) -> Running {
    start_with(config, Arc::new(H323Dialer::default()), FakeDialer::new()).await
}

async fn start_with(config: Config, dialer: Arc<dyn Dialer>, fake: FakeDialer) -> Running {
    let server = Server::bind(config, dialer).await.unwrap();
    let addr = server.http_addr();
    let shutdown = Shutdown::new();
    let task = tokio::spawn(server.serve(shutdown.clone()));
    Running {
        addr,
        fake,
        shutdown,
        task,
        http: reqwest::Client::new(),
    }
}

/// Asserts the response is problem+json with `status` and returns the body.
pub async fn problem(r: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(r.status().as_u16(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(
        body["type"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    body
}
