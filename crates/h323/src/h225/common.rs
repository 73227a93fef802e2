//! Common H.225.0 elements: transport addresses ↔ `SocketAddr`, the 16-byte
//! GUIDs (conferenceID, callIdentifier), the protocolIdentifier and our version,
//! endpoint types and the vendor identifier.
//!
//! GUIDs come from the caller's bytes: this crate is sans-IO and has no RNG.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use rasn::types::{FixedOctetString, ObjectIdentifier, OctetString};

use crate::asn::h225::{
    CallIdentifier, ConferenceIdentifier, EndpointType, GatewayInfo, GloballyUniqueID,
    H221NonStandard, McuInfo, ProtocolIdentifier, TerminalInfo, TransportAddress,
    TransportAddressIp6Address, TransportAddressIpAddress, VendorIdentifier,
};

/// `itu-t(0) recommendation(0) h(8) 2250 version(0)`: every H.225.0
/// protocolIdentifier starts with these arcs, then the version.
pub const PROTOCOL_ID_PREFIX: [u32; 5] = [0, 0, 8, 2250, 0];
/// The H.225.0 version we speak (H.225.0 v6, 2006).
pub const PROTOCOL_VERSION: u32 = 6;
/// The H.225.0 versions we accept from peers.
pub const SUPPORTED_VERSIONS: std::ops::RangeInclusive<u32> = 2..=7;

/// Our protocolIdentifier, `0.0.8.2250.0.6`.
pub fn protocol_identifier() -> ProtocolIdentifier {
    let mut arcs = PROTOCOL_ID_PREFIX.to_vec();
    arcs.push(PROTOCOL_VERSION);
    ProtocolIdentifier(ObjectIdentifier::new_unchecked(arcs.into()))
}

/// The H.225.0 version named by a protocolIdentifier, or `None` when it is not
/// `0.0.8.2250.0.<v>`.
pub fn protocol_version(id: &ProtocolIdentifier) -> Option<u32> {
    match &id.0[..] {
        [a, b, c, d, e, v] if [*a, *b, *c, *d, *e] == PROTOCOL_ID_PREFIX => Some(*v),
        _ => None,
    }
}

/// Whether we interoperate with the peer's protocolIdentifier (versions 2..=7).
pub fn is_supported_version(id: &ProtocolIdentifier) -> bool {
    protocol_version(id).is_some_and(|v| SUPPORTED_VERSIONS.contains(&v))
}

macro_rules! guid_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub [u8; 16]);

        impl $name {
            /// The all-zero GUID, which H.225.0 uses for "no identifier".
            pub const ZERO: Self = Self([0; 16]);

            /// The 16 octets.
            pub fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }

            /// Whether this is the all-zero GUID.
            pub fn is_zero(&self) -> bool {
                self.0 == [0; 16]
            }
        }

        impl From<[u8; 16]> for $name {
            fn from(b: [u8; 16]) -> Self {
                Self(b)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        /// Lowercase hex, as tshark prints GUIDs.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
    };
}

guid_type!(
    /// A callIdentifier GUID: one per call, the same on every message of the call
    /// (and in RAS messages about it).
    CallId
);
guid_type!(
    /// A conferenceID GUID: names the conference a call creates, joins or is
    /// invited to.
    ConferenceId
);

fn guid(b: [u8; 16]) -> GloballyUniqueID {
    GloballyUniqueID(FixedOctetString::new(b))
}

impl CallId {
    /// The ASN.1 `CallIdentifier`.
    pub fn to_asn(&self) -> CallIdentifier {
        CallIdentifier::new(guid(self.0))
    }
    /// From the ASN.1 `CallIdentifier`.
    pub fn from_asn(c: &CallIdentifier) -> Self {
        Self(*c.guid.0)
    }
}

impl ConferenceId {
    /// The ASN.1 `ConferenceIdentifier`.
    pub fn to_asn(&self) -> ConferenceIdentifier {
        ConferenceIdentifier(guid(self.0))
    }
    /// From the ASN.1 `ConferenceIdentifier`.
    pub fn from_asn(c: &ConferenceIdentifier) -> Self {
        Self(*c.0 .0)
    }
}

/// `TransportAddress` for an IPv4 (`ipAddress`) or IPv6 (`ip6Address`) socket address.
pub fn transport_address(a: SocketAddr) -> TransportAddress {
    match a.ip() {
        IpAddr::V4(ip) => TransportAddress::ipAddress(TransportAddressIpAddress {
            ip: OctetString::from_slice(&ip.octets()),
            port: a.port(),
        }),
        IpAddr::V6(ip) => TransportAddress::ip6Address(TransportAddressIp6Address::new(
            OctetString::from_slice(&ip.octets()),
            a.port(),
        )),
    }
}

/// The socket address of an `ipAddress`/`ip6Address` (and the first hop of an
/// `ipSourceRoute`); `None` for IPX, NetBIOS, NSAP and non-standard addresses.
pub fn socket_addr(t: &TransportAddress) -> Option<SocketAddr> {
    match t {
        TransportAddress::ipAddress(a) => v4(&a.ip, a.port),
        TransportAddress::ipSourceRoute(a) => v4(&a.ip, a.port),
        TransportAddress::ip6Address(a) => {
            let octets: [u8; 16] = a.ip.as_ref().try_into().ok()?;
            Some(SocketAddr::new(Ipv6Addr::from(octets).into(), a.port))
        }
        _ => None,
    }
}

fn v4(ip: &OctetString, port: u16) -> Option<SocketAddr> {
    let octets: [u8; 4] = ip.as_ref().try_into().ok()?;
    Some(SocketAddr::new(Ipv4Addr::from(octets).into(), port))
}

/// The kind of H.323 entity we present as in `EndpointType` (sourceInfo,
/// destinationInfo, terminalType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointKind {
    /// An H.323 terminal.
    Terminal,
    /// A gateway (the cascade HTTP↔H.323 gateway presents as one).
    Gateway,
    /// An MCU.
    Mcu,
}

/// Our vendor identification (H.225.0 `VendorIdentifier`).
///
/// cascade holds no ITU-T T.35 manufacturer code, so the T.35 triple defaults to
/// zeros and the product is named in `productId` ("cascade"); deployments with a
/// registered code can override it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vendor {
    /// T.35 country code.
    pub t35_country_code: u8,
    /// T.35 extension.
    pub t35_extension: u8,
    /// Manufacturer code assigned by the country's T.35 authority.
    pub manufacturer_code: u16,
    /// productId (1..=256 octets).
    pub product: String,
    /// versionId (1..=256 octets).
    pub version: String,
}

impl Vendor {
    /// "cascade" with this crate's version.
    pub fn cascade() -> Self {
        Self {
            t35_country_code: 0,
            t35_extension: 0,
            manufacturer_code: 0,
            product: "cascade".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    /// The ASN.1 `VendorIdentifier`. Empty product/version strings are left out
    /// and longer ones cut to the 256-octet limit, since both are informative.
    pub fn to_asn(&self) -> VendorIdentifier {
        let text = |s: &str| {
            let b = s.as_bytes();
            (!b.is_empty()).then(|| OctetString::from_slice(&b[..b.len().min(256)]))
        };
        VendorIdentifier::new(
            H221NonStandard::new(
                self.t35_country_code,
                self.t35_extension,
                self.manufacturer_code,
            ),
            text(&self.product),
            text(&self.version),
            None,
        )
    }

    /// From a received `VendorIdentifier` (product and version decoded lossily
    /// as UTF-8; peers send ASCII, often NUL-terminated, which is trimmed).
    pub fn from_asn(v: &VendorIdentifier) -> Self {
        let text = |o: &Option<OctetString>| {
            o.as_ref()
                .map(|b| String::from_utf8_lossy(b).trim_end_matches('\0').to_owned())
                .unwrap_or_default()
        };
        Self {
            t35_country_code: v.vendor.t35_country_code,
            t35_extension: v.vendor.t35_extension,
            manufacturer_code: v.vendor.manufacturer_code,
            product: text(&v.product_id),
            version: text(&v.version_id),
        }
    }
}

impl Default for Vendor {
    fn default() -> Self {
        Self::cascade()
    }
}

/// `EndpointType` for `kind`, with `mc` (we can act as multipoint controller)
/// and our vendor identifier.
pub fn endpoint_type(kind: EndpointKind, mc: bool, vendor: &Vendor) -> EndpointType {
    let (gateway, mcu, terminal) = match kind {
        EndpointKind::Terminal => (None, None, Some(TerminalInfo::new(None))),
        EndpointKind::Gateway => (Some(GatewayInfo::new(None, None)), None, None),
        EndpointKind::Mcu => (None, Some(McuInfo::new(None, None)), None),
    };
    EndpointType::new(
        None,
        Some(vendor.to_asn()),
        None,
        gateway,
        mcu,
        terminal,
        mc,
        false,
        None,
        None,
    )
}

/// The kind an `EndpointType` declares (`None` for a gatekeeper or an
/// undefined node).
pub fn endpoint_kind(t: &EndpointType) -> Option<EndpointKind> {
    if t.mcu.is_some() {
        Some(EndpointKind::Mcu)
    } else if t.gateway.is_some() {
        Some(EndpointKind::Gateway)
    } else if t.terminal.is_some() {
        Some(EndpointKind::Terminal)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_identifier_is_v6_and_versions_2_to_7_accepted() {
        let ours = protocol_identifier();
        assert_eq!(&ours.0[..], &[0, 0, 8, 2250, 0, 6]);
        assert_eq!(protocol_version(&ours), Some(6));
        for v in 0..10u32 {
            let id = ProtocolIdentifier(ObjectIdentifier::new_unchecked(
                vec![0, 0, 8, 2250, 0, v].into(),
            ));
            assert_eq!(is_supported_version(&id), (2..=7).contains(&v), "v{v}");
        }
        let h245 = ProtocolIdentifier(ObjectIdentifier::new_unchecked(
            vec![0, 0, 8, 245, 0, 6].into(),
        ));
        assert_eq!(protocol_version(&h245), None);
    }

    #[test]
    fn transport_addresses_round_trip() {
        for s in [
            "10.1.6.18:1720",
            "0.0.0.0:0",
            "[::1]:1719",
            "[2001:db8::7]:65535",
        ] {
            let a: SocketAddr = s.parse().unwrap();
            assert_eq!(socket_addr(&transport_address(a)), Some(a));
        }
    }

    #[test]
    fn guids_keep_caller_bytes() {
        let b: [u8; 16] = core::array::from_fn(|i| i as u8 * 17);
        assert_eq!(CallId::from_asn(&CallId(b).to_asn()).0, b);
        assert_eq!(ConferenceId::from_asn(&ConferenceId(b).to_asn()).0, b);
        assert_eq!(CallId(b).to_string(), "00112233445566778899aabbccddeeff");
    }
}
