//! The seam between the gateway and H.323: the gateway asks a [`Dialer`] to place a call into a
//! conference on an MCU and gets back, once the MCU answered, a [`CallHandle`]; the H.323 call
//! task keeps the matching [`CallControl`].
//!
//! ```text
//!  gateway (this crate)                       H.323 side (implements Dialer)
//!  ───────────────────                        ──────────────────────────────
//!  dial(DialRequest) ───────────────────────▶ Setup … CallProceeding/Alerting … Connect
//!        ◀── Ok(CallHandle)  (after Connect)   keeps CallControl in its call task
//!        ◀── Err(DialFailure) (ReleaseComplete before Connect, TCP failure, T303/T301 …)
//!  handle.release(16) ──────────────────────▶ control.release_requested() → ReleaseComplete
//!  handle.ended      ◀─────────────────────── control.ended(CallEnd{..})  (either side hung up)
//! ```
//!
//! Cancellation: the gateway applies its own call timeout by dropping the `dial` future. An
//! implementation must then abandon the attempt itself (send ReleaseComplete with cause 102 if
//! the Setup went out), e.g. by running each call in its own task that notices the dropped
//! result channel.

use std::net::SocketAddr;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use service::release::ReleaseReason;
use tokio::sync::oneshot;
use uuid::Uuid;

/// What to dial.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DialRequest {
    /// The gateway's call id (also usable as the H.323 CallIdentifier's seed, or for logs).
    pub call_id: Uuid,
    /// Conference number on the MCU, prefix stripped: the Setup's called alias (dialedDigits
    /// destinationAddress and Called party number).
    pub conference: String,
    /// The MCU's call signalling address (resolved).
    pub mcu: SocketAddr,
    /// The MCU as written in the dial string with its port, e.g. `mcu.example:1720`.
    pub mcu_name: String,
    /// Caller name: Q.931 Display IE.
    pub display: String,
    /// Caller alias: h323-ID in sourceAddress (the VN conference's name).
    pub caller_alias: String,
    /// Conference PIN to key as DTMF once the MCU answered; the dial succeeds only if the MCU
    /// keeps the call after it.
    pub pin: Option<String>,
}

// By hand: the PIN must not reach logs through `{:?}`.
impl std::fmt::Debug for DialRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialRequest")
            .field("call_id", &self.call_id)
            .field("conference", &self.conference)
            .field("mcu", &self.mcu)
            .field("mcu_name", &self.mcu_name)
            .field("display", &self.display)
            .field("caller_alias", &self.caller_alias)
            .field("pin", &self.pin.as_ref().map(|_| "…"))
            .finish()
    }
}

impl DialRequest {
    /// A request (for implementations and tests outside this crate).
    pub fn new(
        call_id: Uuid,
        conference: String,
        mcu: SocketAddr,
        mcu_name: String,
        display: String,
    ) -> Self {
        Self {
            call_id,
            conference,
            mcu,
            mcu_name,
            caller_alias: display.clone(),
            display,
            pin: None,
        }
    }

    /// The same request with a conference PIN.
    pub fn with_pin(mut self, pin: Option<String>) -> Self {
        self.pin = pin;
        self
    }
}

/// Who ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Initiator {
    /// The gateway (API `DELETE`, shutdown).
    Gateway,
    /// The MCU (kick, room deleted, its own shutdown) or the network.
    Mcu,
}

/// How a connected call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEnd {
    /// Who released.
    pub initiator: Initiator,
    /// Q.850 cause of the ReleaseComplete sent or received.
    pub q931_cause: Option<u8>,
    /// H.225.0 reason of that ReleaseComplete.
    pub h225_reason: Option<ReleaseReason>,
}

/// Why no call was established.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DialFailure {
    /// The MCU answered the Setup with ReleaseComplete (no such room, full, locked, …).
    #[error("the MCU refused the call (cause {q931_cause:?}, reason {h225_reason:?})")]
    Rejected {
        /// Cause IE value, if the ReleaseComplete had one.
        q931_cause: Option<u8>,
        /// ReleaseComplete-UUIE reason, if any.
        h225_reason: Option<ReleaseReason>,
    },
    /// The MCU answered, then released the call at PIN entry (wrong or missing PIN, usually
    /// cause 21).
    #[error("the MCU refused the PIN (cause {q931_cause:?}, reason {h225_reason:?})")]
    PinRefused {
        /// Cause IE value, if the ReleaseComplete had one.
        q931_cause: Option<u8>,
        /// ReleaseComplete-UUIE reason, if any.
        h225_reason: Option<ReleaseReason>,
    },
    /// No TCP connection to the MCU's call signalling port.
    #[error("cannot connect to the MCU: {0}")]
    Unreachable(#[source] std::io::Error),
    /// The gateway itself lacked what the call needs (file descriptors, a free RTP/RTCP port
    /// pair, memory): not the MCU's fault, and worth retrying later.
    #[error("the gateway lacks the resources for the call: {0}")]
    NoResources(#[source] std::io::Error),
    /// The implementation's own timer expired (Q.931 T303/T310/T301).
    #[error("the MCU did not answer in time")]
    Timeout,
    /// The MCU broke the protocol or the connection dropped mid-setup.
    #[error("H.323 signalling failed: {detail}")]
    Protocol {
        /// For logs and the problem's `detail`.
        detail: String,
    },
}

/// The gateway's end of a connected call.
#[derive(Debug)]
pub struct CallHandle {
    pub(crate) release: oneshot::Sender<u8>,
    pub(crate) ended: oneshot::Receiver<CallEnd>,
    pub(crate) media: Option<crate::media::McuMedia>,
}

impl CallHandle {
    /// Hands the call's H.323 media (sockets, channel events, intra requests) to the gateway,
    /// which relays it to the VN side.
    pub fn with_media(mut self, media: crate::media::McuMedia) -> Self {
        self.media = Some(media);
        self
    }
}

/// The H.323 call task's end of a connected call.
#[derive(Debug)]
pub struct CallControl {
    release: Option<oneshot::Receiver<u8>>,
    ended: oneshot::Sender<CallEnd>,
}

/// A connected pair: return the handle from [`Dialer::dial`], keep the control in the call task.
pub fn call_pair() -> (CallHandle, CallControl) {
    let (release_tx, release_rx) = oneshot::channel();
    let (ended_tx, ended_rx) = oneshot::channel();
    (
        CallHandle {
            release: release_tx,
            ended: ended_rx,
            media: None,
        },
        CallControl {
            release: Some(release_rx),
            ended: ended_tx,
        },
    )
}

impl CallControl {
    /// Resolves with the Q.850 cause to release with when the gateway wants the call released
    /// (16 from the API and on shutdown; also 16 if the gateway dropped the handle). Cancel-safe,
    /// for use in `select!`; after it has resolved once it stays pending.
    pub async fn release_requested(&mut self) -> u8 {
        match self.release.as_mut() {
            Some(rx) => {
                let cause = rx.await.unwrap_or(service::release::CAUSE_NORMAL_CLEARING);
                self.release = None;
                cause
            }
            None => std::future::pending().await,
        }
    }

    /// Reports the end of the call (after ReleaseComplete was sent or received).
    pub fn ended(self, end: CallEnd) {
        let _ = self.ended.send(end);
    }
}

/// Places H.323 calls. The real implementation lives with the H.323 stack; see
/// `fake::FakeDialer` (feature `fake`) for tests.
#[async_trait]
pub trait Dialer: Send + Sync + 'static {
    /// Places the call and resolves when the MCU answered (Connect) or refused. Must abandon
    /// the attempt cleanly if the future is dropped (gateway timeout, shutdown).
    async fn dial(&self, request: DialRequest) -> Result<CallHandle, DialFailure>;
}

/// A dialer for builds without the H.323 side: every call fails with a clear message.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDialer;

#[async_trait]
impl Dialer for NoDialer {
    async fn dial(&self, _request: DialRequest) -> Result<CallHandle, DialFailure> {
        Err(DialFailure::Protocol {
            detail: "this gateway was started without an H.323 dialer".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn release_request_reaches_the_call_task_and_end_comes_back() {
        let (handle, mut control) = call_pair();
        handle.release.send(16).unwrap();
        assert_eq!(control.release_requested().await, 16);
        control.ended(CallEnd {
            initiator: Initiator::Gateway,
            q931_cause: Some(16),
            h225_reason: None,
        });
        assert_eq!(handle.ended.await.unwrap().q931_cause, Some(16));
    }

    #[tokio::test]
    async fn a_dropped_handle_asks_for_normal_release() {
        let (handle, mut control) = call_pair();
        drop(handle);
        assert_eq!(control.release_requested().await, 16);
        // Stays pending afterwards instead of panicking on a finished oneshot.
        let again = tokio::time::timeout(
            std::time::Duration::from_millis(10),
            control.release_requested(),
        );
        assert!(again.await.is_err());
    }
}
