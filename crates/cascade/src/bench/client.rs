//! The load generator's HTTP client for the measured requests: one HTTP/1.1 keep-alive
//! connection per worker, driven by hyper's connection API directly.
//!
//! The load generator shares the machine's cores with the servers it measures, so every
//! microsecond it spends per request is taken from them. reqwest, used for everything else in
//! the bench, parses a `Url`, consults its connection pool, arms a timer and runs its middleware
//! on each request; profiled on the gateway scenario, that was about 40 % of the load
//! generator's CPU. Here a worker owns its connection, request targets are strings, the bodies are
//! serialized once, and a broken connection is opened again on the next request.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long one request may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(30);

/// One worker's connection to one server.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    /// A client for the server at `addr`; it connects on its first request.
    pub fn new(addr: SocketAddr) -> Conn {
        Conn {
            addr,
            host: addr.to_string(),
            sender: None,
        }
    }

    /// Sends `method path` with `body` (JSON when given) and returns the status and body.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<(StatusCode, Bytes), String> {
        tokio::time::timeout(TIMEOUT, self.exchange(method, path, body))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} s", TIMEOUT.as_secs())))
    }

    async fn exchange(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<(StatusCode, Bytes), String> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, &self.host);
        if body.is_some() {
            request = request.header(hyper::header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| format!("request: {e}"))?;
        let sender = self.ready().await?;
        let outcome = match sender.send_request(request).await {
            Ok(response) => {
                let status = response.status();
                match response.into_body().collect().await {
                    Ok(body) => Ok((status, body.to_bytes())),
                    Err(e) => Err(format!("body: {e}")),
                }
            }
            Err(e) => Err(format!("no answer: {e}")),
        };
        if outcome.is_err() {
            // The connection's state is unknown: the next request starts a new one.
            self.sender = None;
        }
        outcome
    }

    /// The connection, opened if there is none or the server closed it.
    async fn ready(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        if let Some(s) = &mut self.sender {
            if s.ready().await.is_err() {
                self.sender = None;
            }
        }
        if self.sender.is_none() {
            let stream = TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("no answer: connecting to {}: {e}", self.addr))?;
            let _ = stream.set_nodelay(true);
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("no answer: HTTP handshake with {}: {e}", self.addr))?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("set above"))
    }
}
