//! The real [`Signalling`]: H.323 call signalling for the MCU on the sans-IO core driven by
//! `h323-tokio`, one task per call.
//!
//! Every call gets its media sockets and an H.245 listener bound before it is answered, so the
//! addresses in the fast connect answer, the OpenLogicalChannelAcks and `h245Address` are real.
//! The Setup is routed by [`RoomRegistry::join`]: refused calls get ReleaseComplete with the
//! registry's Q.850 cause and H.225.0 reason; admitted ones CallProceeding then Connect.
//! An admitted call hands its media sockets to the room's media engine ([`crate::media`]) and
//! passes every event through [`crate::media::ParticipantMedia::note`] on its way; in a room
//! with a PIN only once the caller keyed it ([`crate::pin`]), its media held until then.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::future::BoxFuture;
use h323::asn::h225::ReleaseCompleteReason;
use h323::call::{Alias as CallAlias, CallConfig, CallTimers, EndpointKind, Event, IncomingCall};
use h323::h245::capabilities::{AudioCodec, Codec, MediaCapabilities, VideoCodec};
use h323::h245::msd::terminal_type;
use h323::h245::session::{H245Config, H245Event, H245Timers};
use h323::q931::CauseValue;
use h323_tokio::{Command, MediaSockets};
use service::release::ReleaseReason;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

use crate::admission::{AdmissionRequest, Alias};
use crate::media::{HeldMedia, ParticipantMedia};
use crate::pin::{self, GateStep, PinGate};
use crate::registry::{Caller, LeaveCause, ParticipantCommand, RoomRegistry, Seat};
use crate::signalling::{Signalling, SignallingContext};

/// H.323 signalling for the MCU.
#[derive(Debug, Clone)]
pub struct H323Signalling {
    /// What the MCU calls itself (h323-ID, Display).
    pub name: String,
}

impl Default for H323Signalling {
    fn default() -> Self {
        H323Signalling {
            name: "cascade MCU".into(),
        }
    }
}

/// How long calls get to finish their release on shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

impl Signalling for H323Signalling {
    fn serve(self: Box<Self>, ctx: SignallingContext) -> BoxFuture<'static, anyhow::Result<()>> {
        Box::pin(async move {
            let mut calls = JoinSet::new();
            let mut seed = u64::from(std::process::id()) << 32;
            loop {
                tokio::select! {
                    r = ctx.listener.accept() => match r {
                        Ok((stream, peer)) => {
                            seed = seed.wrapping_add(0x9E37_79B9);
                            calls.spawn(serve_call(stream, peer, ctx.rooms.clone(), self.name.clone(), seed, ctx.pin_timeout));
                        }
                        Err(e) => tracing::warn!(error = %e, "accept failed"),
                    },
                    Some(_) = calls.join_next(), if !calls.is_empty() => {}
                    () = ctx.shutdown.wait() => break,
                }
            }
            drop(ctx.listener);
            // The server has asked every seat to release (cause 16); let the calls send it.
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
                while calls.join_next().await.is_some() {}
            })
            .await;
            calls.abort_all();
            Ok(())
        })
    }
}

fn admission_alias(a: &CallAlias) -> Alias {
    match a {
        CallAlias::DialedDigits(s) => Alias::DialedDigits(s.clone()),
        CallAlias::H323Id(s) => Alias::H323Id(s.clone()),
        CallAlias::Url(s) => Alias::Url(s.clone()),
        CallAlias::Email(s) => Alias::Email(s.clone()),
        CallAlias::TransportId(t) => Alias::Other(t.to_string()),
        other => Alias::Other(other.kind().to_owned()),
    }
}

/// Codec names for the participant list.
fn codec_label(c: Codec) -> &'static str {
    match c {
        Codec::Audio(AudioCodec::Pcmu) => "PCMU",
        Codec::Audio(AudioCodec::Pcma) => "PCMA",
        Codec::Video(VideoCodec::H264 { .. }) => "H.264",
        Codec::Video(VideoCodec::H263) => "H.263",
    }
}

fn asn_reason(r: ReleaseReason) -> Option<ReleaseCompleteReason> {
    use ReleaseCompleteReason as R;
    Some(match r {
        ReleaseReason::CalledPartyNotRegistered => R::calledPartyNotRegistered(()),
        ReleaseReason::InConf => R::inConf(()),
        ReleaseReason::AdaptiveBusy => R::adaptiveBusy(()),
        ReleaseReason::DestinationRejection => R::destinationRejection(()),
        ReleaseReason::SecurityDenied => R::securityDenied(()),
        ReleaseReason::NoPermission => R::noPermission(()),
        ReleaseReason::GatewayResources => R::gatewayResources(()),
        ReleaseReason::UndefinedReason => R::undefinedReason(()),
        ReleaseReason::UnreachableDestination => R::unreachableDestination(()),
        ReleaseReason::BadFormatAddress => R::badFormatAddress(()),
        _ => return None,
    })
}

async fn serve_call(
    stream: TcpStream,
    peer: SocketAddr,
    rooms: RoomRegistry,
    name: String,
    seed: u64,
    pin_timeout: Duration,
) {
    let local = match stream.local_addr() {
        Ok(a) => a,
        Err(_) => return,
    };
    let media = match MediaSockets::bind(local.ip()).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(%peer, error = %e, "cannot bind media sockets; dropping the call");
            return;
        }
    };
    let Ok(local_media) = media.local_media() else {
        return;
    };
    let config = CallConfig {
        kind: EndpointKind::Mcu,
        aliases: vec![CallAlias::H323Id(name.clone())],
        display: Some(name),
        signalling_address: Some(local),
        h245: H245Config {
            terminal_type: terminal_type::MCU,
            capabilities: MediaCapabilities::cascade_default(),
            media: local_media,
            timers: H245Timers::default(),
            open_channels: true,
        },
        fast_start: true,
        tunnelling: true,
        // Bound below only for a caller that does not tunnel: most do, and a listener per
        // call was a socket, a bind and a listen for nothing.
        h245_listener: None,
        timers: CallTimers::default(),
    };
    let mut task = h323_tokio::serve(stream, config, None, seed);
    // Wait for the Setup.
    let incoming: IncomingCall = loop {
        match tokio::time::timeout(Duration::from_secs(30), task.events.recv()).await {
            Ok(Some(Event::Incoming(i))) => break i,
            Ok(Some(Event::Released(_))) | Ok(None) | Err(_) => return,
            Ok(Some(_)) => {}
        }
    };
    if !incoming.tunnelling_offered {
        match TcpListener::bind((local.ip(), 0)).await {
            Ok(l) => {
                let _ = task.commands.send(Command::ListenH245(l));
            }
            Err(e) => {
                tracing::warn!(%peer, error = %e, "cannot listen for the caller's H.245 connection")
            }
        }
    }
    let request = AdmissionRequest {
        destination_aliases: incoming.destination.iter().map(admission_alias).collect(),
        called_party_number: incoming.called_number.clone(),
        source_aliases: incoming.source.iter().map(admission_alias).collect(),
    };
    let caller = Caller {
        display: incoming.display.clone(),
        aliases: request.source_aliases.clone(),
        address: peer,
    };
    let mut seat = match rooms.join(&request, caller).await {
        Ok((seat, _)) => seat,
        Err(rejection) => {
            let _ = task.commands.send(Command::Reject(
                CauseValue::from_code(rejection.q850_cause),
                asn_reason(rejection.h225_reason),
            ));
            while let Some(e) = task.events.recv().await {
                if matches!(e, Event::Released(_)) {
                    break;
                }
            }
            return;
        }
    };
    // A room without a PIN: the caller is in its media at once, as it is in the room. With a PIN
    // (crate::pin) it is answered now but its media is held, and it is listed awaiting_pin,
    // until the keyed PIN matched.
    let mut gate = PinGate::new(seat.pin(), pin_timeout);
    let mut media = if gate.admitted() {
        CallMedia::Joined(rooms.join_media(&seat, media, task.commands.clone()))
    } else {
        CallMedia::Held(Some(HeldMedia::new(media)))
    };
    let _ = task.commands.send(Command::Proceed);
    let _ = task.commands.send(Command::Accept);
    let mut codecs: Vec<&'static str> = Vec::new();
    let mut connected = false;
    loop {
        tokio::select! {
            step = gate.expired() => {
                if let GateStep::Release(cause) = step {
                    let _ = task.commands.send(Command::Hangup(CauseValue::from_code(cause)));
                }
            }
            cmd = seat.next_command() => match cmd {
                Some(ParticipantCommand::Release { q850_cause, .. }) => {
                    let _ = task.commands.send(Command::Hangup(CauseValue::from_code(q850_cause)));
                }
                None => {}
            },
            e = task.events.recv() => match media.note(e) {
                Some(Event::Connected) => {
                    connected = true;
                    if gate.admitted() {
                        seat.connected(codecs.iter().map(|s| s.to_string()).collect());
                    }
                }
                Some(Event::H245(H245Event::UserInput(keys))) => match gate.input(&keys) {
                    GateStep::Admit => {
                        media.join(&rooms, &seat, &task.commands);
                        pin::admit(&seat, connected.then_some(&codecs[..]), &task.commands);
                    }
                    GateStep::Release(cause) => {
                        let _ = task.commands.send(Command::Hangup(CauseValue::from_code(cause)));
                    }
                    GateStep::Wait => {}
                },
                Some(Event::H245(H245Event::ChannelOpened(ch))) => {
                    let label = codec_label(ch.codec);
                    if !codecs.contains(&label) {
                        codecs.push(label);
                        if connected && gate.admitted() {
                            seat.connected(codecs.iter().map(|s| s.to_string()).collect());
                        }
                    }
                }
                Some(Event::Released(_)) | None => {
                    seat.leave(LeaveCause::Hangup);
                    return;
                }
                Some(_) => {}
            }
        }
    }
}

/// A call's media: held while the caller keys its room's PIN, then in the room's media engine,
/// which takes the sockets; dropping it stops this caller's media.
enum CallMedia {
    /// `None` only for the instant of joining.
    Held(Option<HeldMedia>),
    Joined(ParticipantMedia),
}

impl CallMedia {
    fn note(&mut self, e: Option<Event>) -> Option<Event> {
        match self {
            CallMedia::Held(Some(h)) => h.note(e),
            CallMedia::Held(None) => e,
            CallMedia::Joined(m) => m.note(e),
        }
    }

    /// Puts the caller in its room's media, with the channels that opened while it was held.
    fn join(&mut self, rooms: &RoomRegistry, seat: &Seat, commands: &UnboundedSender<Command>) {
        if let CallMedia::Held(h) = self {
            if let Some(h) = h.take() {
                let (sockets, channels) = h.release();
                let m = rooms.join_media(seat, sockets, commands.clone());
                for c in &channels {
                    m.on_h245(c);
                }
                *self = CallMedia::Joined(m);
            }
        }
    }
}
