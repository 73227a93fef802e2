//! The process's open-file limit. Every call holds several descriptors (the gateway: eight RTP
//! and RTCP sockets, the TCP connection to the MCU and the HTTP one), so a few hundred calls
//! exceed the soft limit of 1024 that a login shell or a systemd service gets on Debian, while
//! the hard limit (524288 there) is far above it. A server raises its soft limit to the hard
//! one at start, as nginx (`worker_rlimit_nofile`), FreeSWITCH and Go programs do, so that it
//! is not the shell's default that caps the number of calls.
//!
//! Written over `libc` directly: it is one `getrlimit` and one `setrlimit`.

/// What [`raise_open_files`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    /// The soft limit found at start.
    pub before: libc::rlim_t,
    /// The soft limit now (the hard limit, unless raising failed).
    pub now: libc::rlim_t,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit. Never lowers it.
pub fn raise_open_files() -> std::io::Result<OpenFiles> {
    let mut lim = open_files()?;
    let before = lim.rlim_cur;
    if lim.rlim_cur < lim.rlim_max {
        lim.rlim_cur = lim.rlim_max;
        // SAFETY: `lim` is a valid rlimit whose soft value does not exceed its hard one.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(OpenFiles {
        before,
        now: lim.rlim_cur,
    })
}

/// The `RLIMIT_NOFILE` in force (soft and hard).
fn open_files() -> std::io::Result<libc::rlimit> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(lim)
}

/// Raises the limit (see the module doc) and says so in the log; a failure is logged, not
/// fatal: the server still runs, with fewer calls possible.
pub fn raise_open_files_and_log() {
    match raise_open_files() {
        Ok(l) if l.now > l.before => {
            tracing::info!(from = l.before, to = l.now, "raised the open-files limit")
        }
        Ok(l) => tracing::debug!(limit = l.now, "open-files limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-files limit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_ends_at_the_hard_one() {
        // Lower the soft limit first, so that raising it has something to do (a process may
        // always lower its soft limit and raise it again up to the hard one).
        let hard = open_files().unwrap().rlim_max;
        let low = libc::rlimit {
            rlim_cur: 256.min(hard),
            rlim_max: hard,
        };
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &low) }, 0);
        assert_eq!(open_files().unwrap().rlim_cur, low.rlim_cur);
        let l = raise_open_files().unwrap();
        assert_eq!(l.before, low.rlim_cur);
        assert_eq!(l.now, hard);
        assert_eq!(open_files().unwrap().rlim_cur, hard);
        // Raising again changes nothing.
        assert_eq!(raise_open_files().unwrap().before, hard);
    }
}
