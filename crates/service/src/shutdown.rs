//! One shutdown signal for a whole server: HTTP, call tasks and background tasks all await it.
//!
//! It is a `CancellationToken` (cheap to clone, can be awaited many times, fires once); the binary
//! fires it from SIGTERM/SIGINT, tests and `cascade demo` fire it from code.

use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// A clonable "please stop" signal.
#[derive(Debug, Clone, Default)]
pub struct Shutdown(CancellationToken);

impl Shutdown {
    /// A signal that only code fires.
    pub fn new() -> Self {
        Self::default()
    }

    /// A signal fired by SIGTERM or SIGINT (Ctrl-C), or by code. Must be called inside a tokio
    /// runtime.
    pub fn on_signals() -> Self {
        let shutdown = Self::new();
        let fire = shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = terminate() => tracing::info!("SIGTERM received, shutting down"),
                _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received, shutting down"),
                _ = fire.wait() => {}
            }
            fire.trigger();
        });
        shutdown
    }

    /// Fires the signal (idempotent).
    pub fn trigger(&self) {
        self.0.cancel();
    }

    /// Whether the signal has fired.
    pub fn is_triggered(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Resolves once the signal has fired.
    pub fn wait(&self) -> WaitForCancellationFutureOwned {
        self.0.clone().cancelled_owned()
    }

    /// A signal that fires with this one, and that can also be fired on its own.
    pub fn child(&self) -> Self {
        Self(self.0.child_token())
    }
}

#[cfg(unix)]
async fn terminate() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending::<()>().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn trigger_wakes_every_clone_and_child() {
        let s = Shutdown::new();
        let a = s.clone();
        let c = s.child();
        assert!(!c.is_triggered());
        s.trigger();
        a.wait().await;
        c.wait().await;
        assert!(a.is_triggered() && c.is_triggered());
    }

    #[tokio::test]
    async fn firing_a_child_leaves_the_parent() {
        let s = Shutdown::new();
        let c = s.child();
        c.trigger();
        assert!(!s.is_triggered());
    }
}
