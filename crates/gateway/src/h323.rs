//! The real [`Dialer`]: places each call with the sans-IO H.323 core driven by `h323-tokio`,
//! one task per call. The Setup carries the conference number as `destinationAddress`
//! dialedDigits and Q.931 Called party number, the VN conference's name as h323-ID and Display;
//! fast connect and H.245 tunnelling are offered, separate H.245 is used when the MCU asks.

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

/// Places H.323 calls for the gateway.
#[derive(Debug, Clone)]
pub struct H323Dialer {
    /// Q.931 timers; T303 bounds the wait for the MCU's first answer.
    pub timers: CallTimers,
}

impl Default for H323Dialer {
    fn default() -> Self {
        H323Dialer {
            timers: CallTimers {
                t303: Duration::from_secs(8),
                ..CallTimers::default()
            },
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

fn reason(r: &Release) -> Option<ReleaseReason> {
    r.reason.and_then(|n| n.parse().ok())
}

#[async_trait]
impl Dialer for H323Dialer {
    async fn dial(&self, request: DialRequest) -> Result<CallHandle, DialFailure> {
        let stream = TcpStream::connect(request.mcu)
            .await
            .map_err(DialFailure::Unreachable)?;
        let local = stream.local_addr().map_err(DialFailure::Unreachable)?;
        let media = MediaSockets::bind(local.ip())
            .await
            .map_err(DialFailure::Unreachable)?;
        let config = CallConfig {
            kind: EndpointKind::Gateway,
            aliases: vec![Alias::H323Id(request.caller_alias.clone())],
            display: Some(request.display.clone()).filter(|d| !d.is_empty()),
            signalling_address: Some(local),
            h245: H245Config {
                terminal_type: terminal_type::GATEWAY,
                capabilities: MediaCapabilities::cascade_default(),
                media: media.local_media().map_err(DialFailure::Unreachable)?,
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
        let seed = seed_from(request.call_id.as_u128(), local);
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
                    return Err(match r.by {
                        Side::Remote if r.cause == CauseValue::DestinationOutOfOrder => {
                            DialFailure::Protocol {
                                detail: "the MCU closed the call signalling connection".into(),
                            }
                        }
                        Side::Remote => DialFailure::Rejected {
                            q931_cause: Some(r.cause.code()),
                            h225_reason: reason(&r),
                        },
                        Side::Local
                            if r.cause == CauseValue::RecoveryOnTimerExpiry
                                || r.cause == CauseValue::NoAnswer =>
                        {
                            DialFailure::Timeout
                        }
                        Side::Local => DialFailure::Protocol {
                            detail: format!("call cleared locally: cause {}", r.cause),
                        },
                    });
                }
                Event::H245(e) => {
                    if let Some(m) = crate::media::relay::media_event(&e) {
                        let _ = media_tx.send(m);
                    }
                }
                _ => {}
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

/// Seeds the core's numbers (call reference, GUIDs, H.245 determination) from the gateway's
/// random call id, so that concurrent calls differ.
fn seed_from(id: u128, local: SocketAddr) -> u64 {
    (id as u64) ^ ((id >> 64) as u64) ^ u64::from(local.port())
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
