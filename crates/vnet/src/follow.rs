//! Following the gateway's `GET /v1/events` so that a release started by the MCU (kick, room
//! deleted) ends the VN conference's cascade. The subscription reconnects with a bounded
//! back-off, and after each (re)connection the cascades still marked cascaded are checked
//! against the gateway, so releases missed while disconnected are not lost.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde::Deserialize;
use service::shutdown::Shutdown;

use crate::cascades::Vnet;
use crate::gateway_client::GatewayCall;

const FIRST_RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(5);

#[derive(Deserialize)]
struct CallEvent {
    call: GatewayCall,
}

/// Follows the gateway's events until `shutdown` fires.
pub async fn follow_gateway(vnet: Vnet, shutdown: Shutdown) {
    let mut retry = FIRST_RETRY;
    let mut warned = false;
    while !shutdown.is_triggered() {
        let connected = tokio::select! {
            r = vnet.gateway().events().send() => r,
            _ = shutdown.wait() => return,
        };
        match connected {
            Ok(r) if r.status().is_success() => {
                if warned {
                    tracing::info!(
                        gateway = vnet.gateway().base(),
                        "gateway events followed again"
                    );
                }
                warned = false;
                retry = FIRST_RETRY;
                let mut events = r.bytes_stream().eventsource();
                loop {
                    let next = tokio::select! {
                        ev = events.next() => ev,
                        _ = shutdown.wait() => return,
                    };
                    match next {
                        Some(Ok(ev)) => handle(&vnet, &ev.event, &ev.data).await,
                        Some(Err(e)) => {
                            tracing::debug!(error = %e, "gateway event stream broke");
                            break;
                        }
                        None => break,
                    }
                }
            }
            Ok(r) => {
                if !warned {
                    tracing::warn!(status = %r.status(), "gateway refused the event subscription");
                    warned = true;
                }
            }
            Err(e) => {
                if !warned {
                    tracing::warn!(gateway = vnet.gateway().base(), error = %e, "cannot follow gateway events; retrying");
                    warned = true;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(retry) => {}
            _ = shutdown.wait() => return,
        }
        retry = (retry * 2).min(MAX_RETRY);
    }
}

async fn handle(vnet: &Vnet, event: &str, data: &str) {
    let outcome = match event {
        // Subscribed (or events lost): anything that ended meanwhile is found by asking.
        "ready" | "resync" => vnet.reconcile().await.map(|n| {
            if n > 0 {
                tracing::info!(ended = n, "cascades ended while not following the gateway");
            }
        }),
        "call" => match serde_json::from_str::<CallEvent>(data) {
            Ok(ev) if ev.call.is_over() => vnet.call_ended(&ev.call).await.map(drop),
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "unreadable gateway event");
                Ok(())
            }
        },
        _ => Ok(()),
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "cannot apply gateway event");
    }
}
