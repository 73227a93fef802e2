//! The seam for the H.323 side of the MCU. The server binds the call-signalling listener (so
//! tests and `cascade demo` know its address) and hands it, with the room registry and the
//! shutdown signal, to a [`Signalling`] implementation, which accepts TCP connections and runs
//! one task per call:
//!
//! ```text
//! Setup ──▶ AdmissionRequest ──▶ registry.join(..)
//!              Err(Rejection{q850_cause, h225_reason}) ──▶ ReleaseComplete
//!              Ok((seat, _)) ──▶ CallProceeding/Alerting/Connect; seat.connected(codecs)
//!                 loop select! { seat.next_command() ⇒ Release{cause} ⇒ ReleaseComplete, drop seat
//!                                peer ReleaseComplete / TCP closed ⇒ drop seat }
//! ```
//!
//! On shutdown the server asks every seat to release (cause 16) before the HTTP API stops; the
//! implementation should stop accepting when `shutdown` fires and return once its calls ended.

use std::time::Duration;

use futures_util::future::BoxFuture;
use service::shutdown::Shutdown;
use tokio::net::TcpListener;

use crate::registry::RoomRegistry;

/// What an H.323 implementation gets.
#[derive(Debug)]
pub struct SignallingContext {
    /// Bound call-signalling listener.
    pub listener: TcpListener,
    /// Rooms and participants.
    pub rooms: RoomRegistry,
    /// Fires when the MCU stops.
    pub shutdown: Shutdown,
    /// How long a caller has to key a room's PIN ([`crate::pin`]).
    pub pin_timeout: Duration,
}

/// An H.323 call-signalling front end for the MCU.
pub trait Signalling: Send + 'static {
    /// Serves calls until `ctx.shutdown` fires and the calls have ended.
    fn serve(self: Box<Self>, ctx: SignallingContext) -> BoxFuture<'static, anyhow::Result<()>>;
}

/// No H.323 front end: the listener is closed, so callers see the connection refused. For
/// builds and tests of the admin API alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSignalling;

impl Signalling for NoSignalling {
    fn serve(self: Box<Self>, ctx: SignallingContext) -> BoxFuture<'static, anyhow::Result<()>> {
        Box::pin(async move {
            tracing::warn!("MCU started without H.323 signalling: calls are refused");
            drop(ctx.listener);
            ctx.shutdown.wait().await;
            Ok(())
        })
    }
}
