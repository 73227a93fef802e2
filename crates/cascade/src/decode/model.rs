//! The decoded ladder entry every layer fills in and both printers read.

use std::net::SocketAddr;

use serde_json::Value;

/// Which signalling protocol a ladder entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// H.225.0 call signalling (Q.931 with an H.323-UserInformation user-user element).
    H225,
    /// H.225.0 RAS over UDP.
    Ras,
    /// H.245 control, tunnelled or on its own connection.
    H245,
    /// A Q.931 message on an H.225.0 connection that carries no H.225.0 user-user element.
    Q931,
    /// A TPKT frame on a connection nothing identified as H.323.
    Tpkt,
}

impl Protocol {
    /// The name used in `--json` and in the ladder.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::H225 => "h225",
            Self::Ras => "ras",
            Self::H245 => "h245",
            Self::Q931 => "q931",
            Self::Tpkt => "tpkt",
        }
    }
}

/// One line of the ladder.
#[derive(Debug, Clone)]
pub struct Message {
    /// Frame (1-based) in which the message became complete.
    pub frame: u64,
    /// Capture time of that frame, nanoseconds since the Unix epoch.
    pub time_ns: i64,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// True for TCP, false for UDP.
    pub tcp: bool,
    /// Index of the conversation (connection or address pair) it belongs to.
    pub conversation: usize,
    /// Protocol of the message.
    pub protocol: Protocol,
    /// The ASN.1 choice name (`setup`, `registrationRequest`, `terminalCapabilitySet`, ...), or
    /// `malformed` / `unknown`.
    pub message: String,
    /// For H.245: `request`, `response`, `command` or `indication`.
    pub category: Option<&'static str>,
    /// H.245 carried inside an H.225.0 message's h245Control.
    pub tunnelled: bool,
    /// Q.931 message type name (`SETUP`, `RELEASE COMPLETE`, ...).
    pub q931: Option<String>,
    /// Called number (Q.931 Called party number).
    pub called: Option<String>,
    /// Calling number (Q.931 Calling party number).
    pub calling: Option<String>,
    /// Q.850 cause value.
    pub cause: Option<u8>,
    /// Why the message is malformed or unknown.
    pub error: Option<String>,
    /// Further key fields in display order, named as the standard names them where it does.
    pub details: Vec<(&'static str, Value)>,
}

impl Message {
    /// An entry with only the addressing filled in.
    pub fn new(
        frame: u64,
        time_ns: i64,
        src: SocketAddr,
        dst: SocketAddr,
        tcp: bool,
        protocol: Protocol,
        conversation: usize,
    ) -> Self {
        Self {
            frame,
            time_ns,
            src,
            dst,
            tcp,
            conversation,
            protocol,
            message: String::new(),
            category: None,
            tunnelled: false,
            q931: None,
            called: None,
            calling: None,
            cause: None,
            error: None,
            details: Vec::new(),
        }
    }

    /// Marks the entry malformed with the reason.
    pub fn malformed(mut self, error: impl Into<String>) -> Self {
        self.message = "malformed".into();
        self.error = Some(error.into());
        self
    }

    /// Adds a key field.
    pub fn detail(&mut self, key: &'static str, value: impl Into<Value>) {
        self.details.push((key, value.into()));
    }
}

/// A PER decode error as one readable line: the ASN.1 type, then rasn's field path and reason
/// without its repeated codec suffixes.
pub fn per_error(type_name: &str, e: &impl std::fmt::Display) -> String {
    let text = e
        .to_string()
        .replace(" (Codec: APER)", "")
        .replace(" (Codec: BER)", "");
    format!("{type_name}: {text}")
}
