//! The event bus behind `GET /v1/events`: every change of a call's state (dialing, connected,
//! failed, released, whoever caused it) is published once, numbered, to all subscribers.
//!
//! A subscriber that falls more than [`CAPACITY`] events behind gets a `resync` event instead of
//! the ones it missed and should re-read `GET /v1/calls`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::store::{CallRecord, CallState};

/// Events kept for slow subscribers.
pub const CAPACITY: usize = 4096;

/// One call state change (SSE event name `call`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallEvent {
    /// Increases by one per event since the gateway started.
    pub seq: u64,
    /// The state the call entered.
    #[serde(rename = "type")]
    pub kind: CallState,
    /// The whole record after the change.
    pub call: CallRecord,
}

/// Publishes call events.
#[derive(Debug, Clone)]
pub struct Events {
    tx: broadcast::Sender<CallEvent>,
    seq: Arc<AtomicU64>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    /// An empty bus.
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(CAPACITY).0,
            seq: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Publishes `call`'s current state.
    pub fn publish(&self, call: &CallRecord) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        // No subscribers is fine.
        let _ = self.tx.send(CallEvent {
            seq,
            kind: call.state,
            call: call.clone(),
        });
    }

    /// A receiver of events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<CallEvent> {
        self.tx.subscribe()
    }
}
