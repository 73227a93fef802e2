//! An in-process stand-in for the H.323 side (feature `fake`), to test the HTTP layer and the
//! VN server against a real gateway without any H.323 on the wire. Each conference number can be
//! told how the "MCU" answers; connected calls can be hung up "by the MCU".

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use service::release::ReleaseReason;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::dialer::{call_pair, CallEnd, CallHandle, DialFailure, DialRequest, Dialer, Initiator};

/// How the fake MCU answers a Setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeOutcome {
    /// Connect.
    Answer,
    /// ReleaseComplete with this cause and reason.
    Reject {
        /// Cause IE.
        q931_cause: Option<u8>,
        /// ReleaseComplete-UUIE reason.
        h225_reason: Option<ReleaseReason>,
    },
    /// TCP connection refused.
    Unreachable,
    /// Never answers (the gateway's timeout decides).
    Silent,
}

impl FakeOutcome {
    /// What the MCU answers for an unknown room.
    pub fn no_such_conference() -> Self {
        Self::Reject {
            q931_cause: Some(1),
            h225_reason: Some(ReleaseReason::CalledPartyNotRegistered),
        }
    }

    /// What the MCU answers for a full room.
    pub fn full() -> Self {
        Self::Reject {
            q931_cause: Some(17),
            h225_reason: Some(ReleaseReason::InConf),
        }
    }

    /// What the MCU answers for a locked room.
    pub fn locked() -> Self {
        Self::Reject {
            q931_cause: Some(21),
            h225_reason: Some(ReleaseReason::DestinationRejection),
        }
    }
}

/// Where the MCU's hang-up goes: cause and reason.
type HangUp = oneshot::Sender<(u8, Option<ReleaseReason>)>;

#[derive(Default)]
struct State {
    outcomes: HashMap<String, FakeOutcome>,
    default: Option<FakeOutcome>,
    dialed: Vec<DialRequest>,
    live: HashMap<Uuid, (DialRequest, HangUp)>,
}

/// A [`Dialer`] whose MCU is a table of outcomes. Clones share state.
#[derive(Clone, Default)]
pub struct FakeDialer {
    state: Arc<Mutex<State>>,
}

impl FakeDialer {
    /// Answers every conference.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How conference `number` answers from now on.
    pub fn set(&self, number: &str, outcome: FakeOutcome) {
        self.lock().outcomes.insert(number.to_owned(), outcome);
    }

    /// How conferences not [`set`](Self::set) answer (default: [`FakeOutcome::Answer`]).
    pub fn set_default(&self, outcome: FakeOutcome) {
        self.lock().default = Some(outcome);
    }

    /// Every request received, oldest first.
    pub fn dialed(&self) -> Vec<DialRequest> {
        self.lock().dialed.clone()
    }

    /// Requests of the calls now connected.
    pub fn live(&self) -> Vec<DialRequest> {
        self.lock().live.values().map(|(r, _)| r.clone()).collect()
    }

    /// The MCU releases call `call_id` with `cause` (e.g. participant kicked); false if the
    /// call is not connected.
    pub fn hang_up(&self, call_id: Uuid, cause: u8, reason: Option<ReleaseReason>) -> bool {
        match self.lock().live.remove(&call_id) {
            Some((_, tx)) => tx.send((cause, reason)).is_ok(),
            None => false,
        }
    }
}

#[async_trait]
impl Dialer for FakeDialer {
    async fn dial(&self, request: DialRequest) -> Result<CallHandle, DialFailure> {
        let outcome = {
            let mut s = self.lock();
            s.dialed.push(request.clone());
            s.outcomes
                .get(&request.conference)
                .or(s.default.as_ref())
                .cloned()
                .unwrap_or(FakeOutcome::Answer)
        };
        match outcome {
            FakeOutcome::Answer => {}
            FakeOutcome::Reject {
                q931_cause,
                h225_reason,
            } => {
                return Err(DialFailure::Rejected {
                    q931_cause,
                    h225_reason,
                })
            }
            FakeOutcome::Unreachable => {
                return Err(DialFailure::Unreachable(std::io::Error::new(
                    std::io::ErrorKind::ConnectionRefused,
                    "connection refused (fake)",
                )))
            }
            FakeOutcome::Silent => std::future::pending::<()>().await,
        }
        let (handle, mut control) = call_pair();
        let (hang_up_tx, hang_up_rx) = oneshot::channel();
        let id = request.call_id;
        self.lock().live.insert(id, (request, hang_up_tx));
        let state = Arc::clone(&self.state);
        tokio::spawn(async move {
            let end = tokio::select! {
                cause = control.release_requested() => CallEnd {
                    initiator: Initiator::Gateway,
                    q931_cause: Some(cause),
                    h225_reason: None,
                },
                Ok((cause, reason)) = hang_up_rx => CallEnd {
                    initiator: Initiator::Mcu,
                    q931_cause: Some(cause),
                    h225_reason: reason,
                },
            };
            state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .live
                .remove(&id);
            control.ended(end);
        });
        Ok(handle)
    }
}
