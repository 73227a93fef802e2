//! The real [`Dialer`]: places each call with the sans-IO H.323 core driven by `h323-tokio`,
//! one task per call. The Setup carries the conference number as `destinationAddress`
//! dialedDigits and Q.931 Called party number, the VN conference's name as h323-ID and Display;
//! fast connect and H.245 tunnelling are offered, separate H.245 is used when the MCU asks.
//!
//! Without a PIN the call counts as answered at Connect. With one, the PIN is keyed right after
//! Connect as one UserInputIndication (alphanumeric, the form every H.245 peer takes) per key,
//! then `#`, the way an endpoint's keypad sends DTMF, and the call counts as answered once the
//! MCU admitted it to the conference, which an MCU shows with H.245 `terminalNumberAssign`
//! (cascade's MCU sends it after the right PIN). An MCU that never sends it (or a room without
//! a PIN, where the keys mean nothing) is taken to have admitted the call once it kept it for
//! [`ADMISSION_WAIT`] after the keys; refusing, it releases the call (cause 21), which the
//! gateway reports as [`DialFailure::PinRefused`].
//!
//! A call without a PIN into a room that wants one is answered and later released by the MCU
//! at its PIN timeout; the gateway reports that as any release (`/v1/events`).

use std::net::SocketAddr;
use std::time::Duration;

use async_trait::async_trait;
use h323::call::{Alias, CallConfig, CallTimers, Dial, EndpointKind, Event, Release, Side};
use h323::h245::capabilities::MediaCapabilities;
use h323::h245::msd::terminal_type;
use h323::h245::session::{H245Config, H245Event, H245Timers};
use h323::q931::CauseValue;
use h323_tokio::{CallTask, Command, MediaSockets};
use service::release::ReleaseReason;
use tokio::net::TcpStream;

use crate::dialer::{call_pair, CallEnd, CallHandle, DialFailure, DialRequest, Dialer, Initiator};

/// How long to wait after keying a PIN for the MCU's admission or refusal before taking the
/// call as kept. Long enough for a loaded MCU to answer a few H.245 messages; it delays only
/// calls that carry a PIN to an MCU that does not show admission.
pub const ADMISSION_WAIT: Duration = Duration::from_secs(1);

/// Places H.323 calls for the gateway.
#[derive(Debug, Clone)]
pub struct H323Dialer {
    /// Q.931 timers; T303 bounds the wait for the MCU's first answer.
    pub timers: CallTimers,
    /// See [`ADMISSION_WAIT`].
    pub admission_wait: Duration,
}

impl Default for H323Dialer {
    fn default() -> Self {
        H323Dialer {
            timers: CallTimers {
                t303: Duration::from_secs(8),
                ..CallTimers::default()
            },
            admission_wait: ADMISSION_WAIT,
        }
    }
}

/// Abandons an unanswered call when the gateway drops the `dial` future (its call timeout):
/// Q.850 102, recovery on timer expiry, as the seam asks.
struct AbandonGuard(Option<tokio::sync::mpsc::UnboundedSender<Command>>);

impl Drop for AbandonGuard {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(Command::Hangup(CauseValue::RecoveryOnTimerExpiry));
        }
    }
}

/// A failed connect is the MCU's side (refused, no route, timed out) unless the gateway could
/// not even make the attempt: no descriptor or buffer for the socket, no local port left.
fn connect_failure(e: std::io::Error) -> DialFailure {
    const LOCAL: [i32; 5] = [
        libc::EMFILE,
        libc::ENFILE,
        libc::ENOBUFS,
        libc::ENOMEM,
        libc::EADDRNOTAVAIL,
    ];
    if e.raw_os_error().is_some_and(|n| LOCAL.contains(&n)) {
        DialFailure::NoResources(e)
    } else {
        DialFailure::Unreachable(e)
    }
}

fn reason(r: &Release) -> Option<ReleaseReason> {
    r.reason.and_then(|n| n.parse().ok())
}

#[async_trait]
impl Dialer for H323Dialer {
    async fn dial(&self, request: DialRequest) -> Result<CallHandle, DialFailure> {
        let stream = TcpStream::connect(request.mcu)
            .await
            .map_err(connect_failure)?;
        let local = stream.local_addr().map_err(DialFailure::NoResources)?;
        let media = MediaSockets::bind(local.ip())
            .await
            .map_err(DialFailure::NoResources)?;
        let config = CallConfig {
            kind: EndpointKind::Gateway,
            aliases: vec![Alias::H323Id(request.caller_alias.clone())],
            display: Some(request.display.clone()).filter(|d| !d.is_empty()),
            signalling_address: Some(local),
            h245: H245Config {
                terminal_type: terminal_type::GATEWAY,
                capabilities: MediaCapabilities::cascade_default(),
                media: media.local_media().map_err(DialFailure::NoResources)?,
                timers: H245Timers::default(),
                open_channels: true,
            },
            fast_start: true,
            tunnelling: true,
            h245_listener: None,
            timers: self.timers,
        };
        let digits = request
            .conference
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
        let dial = Dial {
            destination: vec![if digits {
                Alias::DialedDigits(request.conference.clone())
            } else {
                Alias::H323Id(request.conference.clone())
            }],
            called_number: digits.then(|| request.conference.clone()),
            address: request.mcu,
        };
        let seed = seed_from(request.call_id, local);
        let mut task = h323_tokio::call(stream, config, dial, seed);
        let mut guard = AbandonGuard(Some(task.commands.clone()));
        // fastStart channels open before Connect: queue them for the media relay.
        let (media_tx, media_rx) = tokio::sync::mpsc::unbounded_channel();
        loop {
            let Some(event) = task.events.recv().await else {
                return Err(DialFailure::Protocol {
                    detail: "the call task ended without a release".into(),
                });
            };
            match event {
                Event::Connected => break,
                Event::Released(r) => {
                    guard.0 = None;
                    return Err(refusal(&r));
                }
                Event::H245(e) => {
                    if let Some(m) = crate::media::relay::media_event(&e) {
                        let _ = media_tx.send(m);
                    }
                }
                _ => {}
            }
        }
        // Without a PIN the call is up at Connect, as it always was: no keys, no wait.
        if let Some(pin) = request.pin.as_deref() {
            let admitted = key_pin(&mut task, pin, self.admission_wait, &media_tx).await;
            if let Err(e) = admitted {
                guard.0 = None;
                return Err(e);
            }
        }
        guard.0 = None;
        let (handle, control) = call_pair();
        let handle = handle.with_media(crate::media::McuMedia {
            sockets: media,
            events: media_rx,
            commands: task.commands.clone(),
        });
        tokio::spawn(run_connected(task, control, media_tx));
        Ok(handle)
    }
}

/// What a release before the call was up means for the gateway.
fn refusal(r: &Release) -> DialFailure {
    match r.by {
        Side::Remote if r.cause == CauseValue::DestinationOutOfOrder => DialFailure::Protocol {
            detail: "the MCU closed the call signalling connection".into(),
        },
        Side::Remote => DialFailure::Rejected {
            q931_cause: Some(r.cause.code()),
            h225_reason: reason(r),
        },
        Side::Local
            if r.cause == CauseValue::RecoveryOnTimerExpiry || r.cause == CauseValue::NoAnswer =>
        {
            DialFailure::Timeout
        }
        Side::Local => DialFailure::Protocol {
            detail: format!("call cleared locally: cause {}", r.cause),
        },
    }
}

/// Keys `pin` then `#` and waits for the MCU's `terminalNumberAssign` or its release (see the
/// module doc), passing media events on meanwhile.
async fn key_pin(
    task: &mut CallTask,
    pin: &str,
    wait: Duration,
    media: &tokio::sync::mpsc::UnboundedSender<crate::media::McuEvent>,
) -> Result<(), DialFailure> {
    for k in pin.chars().chain(['#']) {
        let _ = task.commands.send(Command::UserInput(k.to_string()));
    }
    let timer = tokio::time::sleep(wait);
    tokio::pin!(timer);
    loop {
        tokio::select! {
            // Kept without a word: an MCU that does not show admission, or a room without a PIN.
            () = &mut timer => return Ok(()),
            e = task.events.recv() => match e {
                Some(Event::H245(H245Event::TerminalNumberAssigned { .. })) => return Ok(()),
                Some(Event::H245(e)) => {
                    if let Some(m) = crate::media::relay::media_event(&e) {
                        let _ = media.send(m);
                    }
                }
                Some(Event::Released(r)) => {
                    return Err(match refusal(&r) {
                        DialFailure::Rejected { q931_cause, h225_reason } => {
                            DialFailure::PinRefused { q931_cause, h225_reason }
                        }
                        other => other,
                    })
                }
                None => {
                    return Err(DialFailure::Protocol {
                        detail: "the call task ended without a release".into(),
                    })
                }
                Some(_) => {}
            }
        }
    }
}

/// Seeds the core's numbers (call reference, GUIDs, H.245 determination) from the gateway's
/// call id ([`crate::store::id_seed`]), so that concurrent calls differ.
fn seed_from(id: uuid::Uuid, local: SocketAddr) -> u64 {
    crate::store::id_seed(id) ^ u64::from(local.port())
}

/// A connected call: waits for the gateway's release request or the MCU's release, passing
/// media events on to the relay (whose event channel closes when this returns).
async fn run_connected(
    mut task: CallTask,
    mut control: crate::dialer::CallControl,
    media: tokio::sync::mpsc::UnboundedSender<crate::media::McuEvent>,
) {
    let mut requested: Option<u8> = None;
    loop {
        tokio::select! {
            cause = control.release_requested(), if requested.is_none() => {
                requested = Some(cause);
                let _ = task.commands.send(Command::Hangup(CauseValue::from_code(cause)));
            }
            e = task.events.recv() => match e {
                Some(Event::Released(r)) => {
                    control.ended(CallEnd {
                        initiator: if r.by == Side::Local { Initiator::Gateway } else { Initiator::Mcu },
                        q931_cause: Some(r.cause.code()),
                        h225_reason: reason(&r),
                    });
                    return;
                }
                Some(Event::H245(H245Event::ProcedureFailed { procedure, reason })) => {
                    tracing::warn!(procedure, reason, "H.245 procedure failed");
                }
                Some(Event::H245(e)) => {
                    if let Some(m) = crate::media::relay::media_event(&e) {
                        let _ = media.send(m);
                    }
                }
                Some(_) => {}
                None => {
                    control.ended(CallEnd { initiator: Initiator::Mcu, q931_cause: None, h225_reason: None });
                    return;
                }
            }
        }
    }
}
