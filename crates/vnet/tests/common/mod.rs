//! A real gateway (with the fake H.323 dialer) and a VN server talking real HTTP on loopback.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gateway::fake::FakeDialer;
use serde_json::{json, Value};
use service::shutdown::Shutdown;
use tokio::task::JoinHandle;

pub struct Gateway {
    pub addr: SocketAddr,
    pub fake: FakeDialer,
    pub shutdown: Shutdown,
    pub task: JoinHandle<anyhow::Result<()>>,
}

pub struct Vnet {
    pub addr: SocketAddr,
    pub shutdown: Shutdown,
    pub task: JoinHandle<anyhow::Result<()>>,
    pub http: reqwest::Client,
}

async fn stop(shutdown: Shutdown, task: JoinHandle<anyhow::Result<()>>) {
    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("server stops within 20 s")
        .unwrap()
        .unwrap();
}

impl Gateway {
    pub async fn start(data: &Path, fake: FakeDialer) -> Self {
        Self::start_on(data, fake, "127.0.0.1:0").await
    }

    pub async fn start_on(data: &Path, fake: FakeDialer, http: &str) -> Self {
        let config = gateway::Config {
            http: http.into(),
            data: data.to_path_buf(),
            ..gateway::Config::default()
        };
        let server = gateway::Server::bind(config, Arc::new(fake.clone()))
            .await
            .unwrap();
        let addr = server.http_addr();
        let shutdown = Shutdown::new();
        let task = tokio::spawn(server.serve(shutdown.clone()));
        Self {
            addr,
            fake,
            shutdown,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(self) {
        stop(self.shutdown, self.task).await;
    }
}

impl Vnet {
    pub async fn start(data: &Path, gateway_url: &str) -> Self {
        Self::start_with(Self::config(data, gateway_url)).await
    }

    /// The settings `start` uses, to change before `start_with`.
    pub fn config(data: &Path, gateway_url: &str) -> vnet::Config {
        vnet::Config {
            http: "127.0.0.1:0".into(),
            data: data.to_path_buf(),
            gateway: gateway_url.into(),
            ..vnet::Config::default()
        }
    }

    pub async fn start_with(config: vnet::Config) -> Self {
        let server = vnet::Server::bind(config).await.unwrap();
        let addr = server.http_addr();
        let shutdown = Shutdown::new();
        let task = tokio::spawn(server.serve(shutdown.clone()));
        Self {
            addr,
            shutdown,
            task,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn stop(self) {
        stop(self.shutdown, self.task).await;
    }

    pub async fn conference(&self, name: &str) -> i64 {
        let r = self
            .http
            .post(self.url("/v1/conferences"))
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    pub async fn cascade(&self, conf: i64, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/conferences/{conf}/cascades")))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Polls `path` until `done` holds (at most 10 s, 500 tries).
    pub async fn wait_for(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..500 {
            let v = self.get(path).await;
            if done(&v) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "{path} did not reach the expected state: {}",
            self.get(path).await
        );
    }
}

/// Asserts the response is problem+json with `status` and returns the body.
pub async fn problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    r.json().await.unwrap()
}
