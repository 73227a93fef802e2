//! The per-call task: a `select!` over the signalling socket, the H.245 socket or listener, the
//! command channel and the call's next deadline.

use std::io;
use std::time::{Duration, Instant};

use h323::asn::h225::ReleaseCompleteReason;
use h323::call::{Call, CallConfig, Channel, Dial, Event};
use h323::q931::CauseValue;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// What the owner can ask of a call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Command {
    /// Callee: CallProceeding.
    Proceed,
    /// Callee: Alerting.
    Alert,
    /// Callee: Connect.
    Accept,
    /// Callee: ReleaseComplete with this cause and reason.
    Reject(CauseValue, Option<ReleaseCompleteReason>),
    /// Either side: end the call.
    Hangup(CauseValue),
    /// Ask the peer for an intra picture on the video channel it sends us.
    FastUpdate(u16),
    /// Send DTMF or text.
    UserInput(String),
    /// Callee, before `Proceed`/`Accept`: listen for the peer's separate H.245 connection on
    /// this socket and announce its address (for callers that do not tunnel H.245).
    ListenH245(TcpListener),
    /// As an MCU: tell the peer its conference label (`terminalNumberAssign`).
    AssignTerminalNumber {
        /// The MCU's number.
        mcu: u8,
        /// The terminal's.
        terminal: u8,
    },
}

/// The owner's end of a call task.
#[derive(Debug)]
pub struct CallTask {
    /// Commands to the call; dropping it hangs up with cause 16.
    pub commands: mpsc::UnboundedSender<Command>,
    /// Everything the call reports, ending with [`Event::Released`].
    pub events: mpsc::UnboundedReceiver<Event>,
}

/// How long an H.245 connection attempt may take before the call goes on without H.245.
const H245_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to `dial.address` and places the call. Fails only if the TCP connection cannot be
/// made; everything after that arrives as events.
pub async fn dial(config: CallConfig, dial: Dial, seed: u64) -> io::Result<CallTask> {
    let stream = TcpStream::connect(dial.address).await?;
    Ok(call(stream, config, dial, seed))
}

/// Places the call on a connection the caller already opened (to learn the local address
/// first, for instance, and bind media on it).
pub fn call(stream: TcpStream, mut config: CallConfig, dial: Dial, seed: u64) -> CallTask {
    let _ = stream.set_nodelay(true);
    if config.signalling_address.is_none() {
        config.signalling_address = stream.local_addr().ok();
    }
    let call = Call::outgoing(Instant::now(), config, dial, seed);
    spawn(call, stream, None)
}

/// Serves one incoming call signalling connection. `h245_listener` is the listener whose
/// address is in `config.h245_listener`, for peers that do not tunnel H.245; without one, the
/// owner can still give it with [`Command::ListenH245`] once it knows the caller does not tunnel.
pub fn serve(
    stream: TcpStream,
    config: CallConfig,
    h245_listener: Option<TcpListener>,
    seed: u64,
) -> CallTask {
    let _ = stream.set_nodelay(true);
    let call = Call::incoming(Instant::now(), config, seed);
    spawn(call, stream, h245_listener)
}

fn spawn(call: Call, stream: TcpStream, listener: Option<TcpListener>) -> CallTask {
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    tokio::spawn(run(call, stream, listener, cmd_rx, ev_tx));
    CallTask {
        commands: cmd_tx,
        events: ev_rx,
    }
}

struct Io {
    signalling: TcpStream,
    h245: Option<TcpStream>,
    listener: Option<TcpListener>,
}

async fn run(
    mut call: Call,
    signalling: TcpStream,
    listener: Option<TcpListener>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
) {
    let mut io = Io {
        signalling,
        h245: None,
        listener,
    };
    let mut sig_buf = vec![0u8; 8192];
    let mut h245_buf = vec![0u8; 8192];
    let mut commands_open = true;
    loop {
        if !flush(&mut call, &mut io, &events).await {
            break;
        }
        let deadline = call.poll_timeout();
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = io.signalling.read(&mut sig_buf) => match r {
                Ok(0) | Err(_) => call.connection_lost(Instant::now()),
                Ok(n) => call.handle_input(Instant::now(), Channel::Signalling, &sig_buf[..n]),
            },
            r = read_opt(io.h245.as_mut(), &mut h245_buf) => match r {
                Ok(0) | Err(_) => {
                    // The H.245 connection closing alone does not end the call (H.323 8.6
                    // allows H.245 to be closed while the call goes on).
                    io.h245 = None;
                }
                Ok(n) => call.handle_input(Instant::now(), Channel::H245, &h245_buf[..n]),
            },
            r = accept_opt(io.listener.as_ref()) => {
                io.listener = None;
                if let Ok((s, _)) = r {
                    let _ = s.set_nodelay(true);
                    io.h245 = Some(s);
                    call.h245_connected(Instant::now());
                }
            },
            c = commands.recv(), if commands_open => match c {
                Some(c) => {
                    apply(&mut call, &mut io, c);
                    // Commands sent together (the MCU's Proceed then Accept) are answered
                    // together: their messages leave in one write (`flush`).
                    while let Ok(c) = commands.try_recv() {
                        apply(&mut call, &mut io, c);
                    }
                }
                None => {
                    commands_open = false;
                    call.hangup(Instant::now(), CauseValue::NormalCallClearing);
                }
            },
            () = sleep => call.handle_timeout(Instant::now()),
        }
    }
    let _ = io.signalling.shutdown().await;
    if let Some(mut h) = io.h245.take() {
        let _ = h.shutdown().await;
    }
}

fn apply(call: &mut Call, io: &mut Io, c: Command) {
    let now = Instant::now();
    match c {
        Command::Proceed => call.proceed(now),
        Command::Alert => call.alert(now),
        Command::Accept => call.accept(now),
        Command::Reject(cause, reason) => call.reject(now, cause, reason),
        Command::Hangup(cause) => call.hangup(now, cause),
        Command::FastUpdate(ch) => call.request_fast_update(now, ch),
        Command::UserInput(s) => call.send_user_input(now, &s),
        Command::AssignTerminalNumber { mcu, terminal } => {
            call.assign_terminal_number(now, mcu, terminal)
        }
        Command::ListenH245(l) => {
            if let Ok(addr) = l.local_addr() {
                call.set_h245_listener(addr);
                io.listener = Some(l);
            }
        }
    }
}

/// Writes queued bytes and forwards events; returns false once the call is over.
async fn flush(call: &mut Call, io: &mut Io, events: &mpsc::UnboundedSender<Event>) -> bool {
    let mut alive = true;
    loop {
        let mut progressed = false;
        // Messages queued together go out in one write per connection: one system call and,
        // with Nagle off, one TCP segment for the peer to read, not one each.
        let (mut signalling, mut h245) = (Vec::new(), Vec::new());
        while let Some(t) = call.poll_transmit() {
            progressed = true;
            log_wire(call.kind(), t.channel, &t.bytes);
            match t.channel {
                Channel::Signalling => signalling.extend_from_slice(&t.bytes),
                Channel::H245 => h245.extend_from_slice(&t.bytes),
            }
        }
        if !signalling.is_empty() && io.signalling.write_all(&signalling).await.is_err() {
            call.connection_lost(Instant::now());
        }
        if let (false, Some(s)) = (h245.is_empty(), io.h245.as_mut()) {
            let _ = s.write_all(&h245).await;
        }
        while let Some(e) = call.poll_event() {
            progressed = true;
            match &e {
                Event::ConnectH245(addr) if io.h245.is_none() => {
                    match tokio::time::timeout(H245_CONNECT_TIMEOUT, TcpStream::connect(*addr))
                        .await
                    {
                        Ok(Ok(s)) => {
                            let _ = s.set_nodelay(true);
                            io.h245 = Some(s);
                            io.listener = None;
                            call.h245_connected(Instant::now());
                        }
                        _ => {
                            tracing::warn!(%addr, "cannot open the H.245 connection; the call goes on without H.245")
                        }
                    }
                }
                Event::Released(_) => alive = false,
                _ => {}
            }
            let _ = events.send(e);
        }
        if !progressed {
            return alive;
        }
    }
}

async fn read_opt(s: Option<&mut TcpStream>, buf: &mut [u8]) -> io::Result<usize> {
    match s {
        Some(s) => s.read(buf).await,
        None => std::future::pending().await,
    }
}

async fn accept_opt(l: Option<&TcpListener>) -> io::Result<(TcpStream, std::net::SocketAddr)> {
    match l {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// Logs each message we send at `h323::wire` (info): the Q.931 type and the H.225.0 body, or
/// the H.245 PDU name, with who sends it. Only formatted when that target is enabled.
fn log_wire(kind: h323::call::EndpointKind, channel: Channel, frames: &[u8]) {
    if !tracing::enabled!(target: "h323::wire", tracing::Level::INFO) {
        return;
    }
    // One transmit holds whole frames, so a fresh deframer sees every message in it.
    let mut d = h323::tpkt::Deframer::new();
    d.push(frames);
    while let Ok(Some(f)) = d.next_frame() {
        let text = h323::call::describe(channel, &f);
        let who = match kind {
            h323::call::EndpointKind::Gateway => "gateway →",
            h323::call::EndpointKind::Mcu => "    mcu →",
            _ => "terminal →",
        };
        tracing::info!(target: "h323::wire", "   {who} {text}");
    }
}
