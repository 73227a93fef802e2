//! `cascade bench --processes --pin-gateway`: the gateway on CPUs of its own, the MCU, vnet and
//! the load generator on the others (Linux `sched_setaffinity`).
//!
//! With every process on the same cores, the gateway's capacity can only be derived from its
//! CPU time per call. Giving it cores to itself measures it instead: when the gateway keeps its
//! cores busy, the rate the bench sees is what the gateway does on that many cores. On a 2-core
//! machine that is one core each; the report gives the gateway's utilization so that a reader can
//! tell whether the gateway or the other side was the bottleneck.
//!
//! Written against `libc` directly: three calls, and no maintained crate wraps setting another
//! process's mask before `exec`.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::Command;

/// Which CPUs the gateway gets, and which the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The gateway's CPUs.
    pub gateway: Vec<usize>,
    /// The MCU's, vnet's and the load generator's.
    pub rest: Vec<usize>,
}

impl Split {
    /// The first half of the CPUs this process may run on for the gateway (at least one), the
    /// others for the rest. Fails with fewer than 2 CPUs.
    pub fn halves() -> io::Result<Split> {
        let cpus = allowed()?;
        if cpus.len() < 2 {
            return Err(io::Error::other(format!(
                "--pin-gateway needs at least 2 CPUs; this process may use {}",
                cpus.len()
            )));
        }
        let (gateway, rest) = cpus.split_at(cpus.len() / 2);
        Ok(Split {
            gateway: gateway.to_vec(),
            rest: rest.to_vec(),
        })
    }
}

/// The CPUs this process may run on.
fn allowed() -> io::Result<Vec<usize>> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity writes at most its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect())
    }
}

fn set_of(cpus: &[usize]) -> libc::cpu_set_t {
    // SAFETY: as above; CPU_SET only indexes below CPU_SETSIZE, which `allowed` respects.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &c in cpus {
            libc::CPU_SET(c, &mut set);
        }
        set
    }
}

/// Restricts the calling thread, and the threads it starts from now on, to `cpus`. Called
/// before the load generator builds its runtime, so that all its threads inherit the mask.
pub fn pin_this_thread(cpus: &[usize]) -> io::Result<()> {
    let set = set_of(cpus);
    // SAFETY: a valid set of the size passed; pid 0 is the calling thread.
    let r = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Makes the child started by `cmd` run on `cpus` from its first instruction (the mask is set
/// between fork and exec, so every thread the child starts inherits it).
pub fn pin_child(cmd: &mut Command, cpus: &[usize]) {
    let set = set_of(cpus);
    // SAFETY: the closure only makes one async-signal-safe system call on a copied value.
    unsafe {
        cmd.pre_exec(move || {
            if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0 {
                Ok(())
            } else {
                Err(io::Error::last_os_error())
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_runs_on_the_cpus_it_was_given() {
        let Ok(split) = Split::halves() else {
            return; // one CPU: nothing to split
        };
        assert!(!split.gateway.is_empty() && !split.rest.is_empty());
        assert!(split.gateway.iter().all(|c| !split.rest.contains(c)));
        let mut cmd = Command::new("grep");
        cmd.args(["Cpus_allowed_list", "/proc/self/status"]);
        pin_child(&mut cmd, &split.rest);
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let list = text.split(':').nth(1).unwrap().trim().to_owned();
        let expected = if split.rest.len() == 1 {
            split.rest[0].to_string()
        } else {
            format!("{}-{}", split.rest[0], split.rest[split.rest.len() - 1])
        };
        assert_eq!(list, expected, "{text}");
    }
}
