//! Property: H323-UserInformation and RasMessage values built from random field
//! values survive encode → decode unchanged (seeded by proptest; bounded cases).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use h323::asn::h225::{
    AdmissionRejectReason, CallModel, FacilityReason, GatekeeperRejectReason, LocationRejectReason,
    RegistrationRejectReason, ReleaseCompleteReason,
};
use h323::h225::ras::{build as rb, Ras};
use h323::h225::{build, Alias, Body, CallId, ConferenceId, EndpointInfo, EndpointKind, UserInfo};
use proptest::prelude::*;

fn sock() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>())
            .prop_map(|(ip, p)| SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), p)),
        (any::<[u8; 16]>(), any::<u16>())
            .prop_map(|(ip, p)| SocketAddr::new(IpAddr::V6(Ipv6Addr::from(ip)), p)),
    ]
}

/// BMP text without U+FFFE/U+FFFF (not characters) and outside the surrogates
/// (which `char` cannot hold anyway).
fn bmp_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range(' ', '~'),
            proptest::char::range('\u{a0}', '\u{d7ff}'),
            proptest::char::range('\u{e000}', '\u{fffd}'),
        ],
        1..=max,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn ascii(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::char::range(' ', '~'), 1..=max)
        .prop_map(|v| v.into_iter().collect())
}

fn alias() -> impl Strategy<Value = Alias> {
    prop_oneof![
        proptest::collection::vec(proptest::sample::select(b"0123456789#*,".to_vec()), 1..=128)
            .prop_map(|v| Alias::DialedDigits(String::from_utf8(v).unwrap())),
        bmp_text(256).prop_map(Alias::H323Id),
        ascii(512).prop_map(Alias::Url),
        sock().prop_map(Alias::TransportId),
        ascii(512).prop_map(Alias::Email),
    ]
}

fn aliases() -> impl Strategy<Value = Vec<Alias>> {
    proptest::collection::vec(alias(), 0..4)
}

fn octets() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..4)
}

fn endpoint() -> impl Strategy<Value = EndpointInfo> {
    (
        prop_oneof![
            Just(EndpointKind::Terminal),
            Just(EndpointKind::Gateway),
            Just(EndpointKind::Mcu)
        ],
        any::<bool>(),
        ascii(40),
    )
        .prop_map(|(k, mc, product)| {
            let mut e = EndpointInfo::new(k);
            e.mc = mc;
            e.vendor.product = product;
            e
        })
}

fn release_reason() -> impl Strategy<Value = Option<ReleaseCompleteReason>> {
    proptest::option::of(prop_oneof![
        Just(ReleaseCompleteReason::noBandwidth(())),
        Just(ReleaseCompleteReason::destinationRejection(())),
        Just(ReleaseCompleteReason::adaptiveBusy(())),
        Just(ReleaseCompleteReason::undefinedReason(())),
        Just(ReleaseCompleteReason::calledPartyNotRegistered(())),
        any::<[u8; 16]>().prop_map(|c| ReleaseCompleteReason::replaceWithConferenceInvite(
            ConferenceId(c).to_asn()
        )),
    ])
}

prop_compose! {
    fn setup()(
        call in any::<[u8; 16]>(), conf in any::<[u8; 16]>(),
        goal in 0..3u8, src in endpoint(),
        dst_aliases in aliases(), src_aliases in aliases(),
        dcsa in proptest::option::of(sock()), scsa in proptest::option::of(sock()),
        h245 in proptest::option::of(sock()),
        active_mc in any::<bool>(), mwfc in any::<bool>(),
        fast_start in octets(),
        display in proptest::option::of(bmp_text(80)),
    ) -> Body {
        let mut s = build::Setup::new(CallId(call), ConferenceId(conf));
        s.conference_goal = [build::ConferenceGoal::Create, build::ConferenceGoal::Join, build::ConferenceGoal::Invite][goal as usize];
        s.source_info = src;
        s.destination_aliases = dst_aliases;
        s.source_aliases = src_aliases;
        s.dest_call_signal_address = dcsa;
        s.source_call_signal_address = scsa;
        s.h245_address = h245;
        s.active_mc = active_mc;
        s.media_wait_for_connect = mwfc;
        s.fast_start = fast_start;
        s.display_name = display;
        s.build().unwrap()
    }
}

prop_compose! {
    fn answer()(
        which in 0..9u8, call in any::<[u8; 16]>(), conf in any::<[u8; 16]>(),
        info in endpoint(), h245 in proptest::option::of(sock()),
        fast_start in octets(), refused in any::<bool>(),
        display in proptest::option::of(bmp_text(80)),
        connected in aliases(), reason in release_reason(),
    ) -> Body {
        let call = CallId(call);
        match which {
            0 => { let mut m = build::CallProceeding::new(call); m.destination_info = info; m.h245_address = h245; m.fast_start = fast_start; m.fast_connect_refused = refused; m.build() }
            1 => { let mut m = build::Alerting::new(call); m.destination_info = info; m.h245_address = h245; m.fast_start = fast_start; m.display_name = display; m.build().unwrap() }
            2 => { let mut m = build::Connect::new(call, ConferenceId(conf)); m.destination_info = info; m.h245_address = h245; m.fast_start = fast_start; m.connected_aliases = connected; m.display_name = display; m.fast_connect_refused = refused; m.build().unwrap() }
            3 => { let mut m = build::ReleaseComplete::new(call, reason); m.display_name = display; m.build().unwrap() }
            4 => { let mut m = build::Facility::new(call, if refused { FacilityReason::startH245(()) } else { FacilityReason::transportedInformation(()) }); m.h245_address = h245; m.alternative_aliases = connected; m.fast_start = fast_start; m.build().unwrap() }
            5 => { let mut m = build::Progress::new(call); m.destination_info = info; m.h245_address = h245; m.fast_start = fast_start; m.build() }
            6 => { let mut m = build::Information::new(call); m.fast_start = fast_start; m.build() }
            7 => { let mut m = build::Notify::new(call); m.connected_aliases = connected; m.display_name = display; m.build().unwrap() }
            _ => Body::Empty,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn user_information_round_trips(
        body in prop_oneof![setup(), answer()],
        tunnelling in any::<bool>(),
        control in octets(),
    ) {
        let ui = UserInfo::new(body).with_h245_tunnelling(tunnelling).with_h245_control(control.clone());
        let bytes = ui.encode().unwrap();
        let back = UserInfo::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &ui);
        prop_assert_eq!(back.h245_control().len(), control.len());
        prop_assert_eq!(back.encode().unwrap(), bytes);
    }

    #[test]
    fn ras_round_trips(
        which in 0..18u8, seq in 1..=u16::MAX, a in sock(), b in sock(),
        al in aliases(), ep in endpoint(), id in bmp_text(128),
        call in any::<[u8; 16]>(), conf in any::<[u8; 16]>(), crv in any::<u16>(),
        bw in any::<u32>(), flag in any::<bool>(),
        // timeToLive and LRQ's bandWidth are Option<constrained newtype> extension
        // additions, which rasn 0.30 encodes as unconstrained INTEGERs: values of
        // 2^31 and up then take 5 signed octets and fail to decode into a u32 (see
        // asn1_oracle_ras::optional_constrained_newtypes_encode_with_their_constraints).
        ttl in proptest::option::of(1..=i32::MAX as u32), lrq_bw in 0..=i32::MAX as u32,
    ) {
        let (call, conf) = (CallId(call), ConferenceId(conf));
        let m = match which {
            0 => { let mut m = rb::Grq::new(seq, a); m.aliases = al; m.endpoint = ep; m.build() }
            1 => { let mut m = rb::Gcf::new(seq, a); m.gatekeeper_id = Some(id); m.build() }
            2 => rb::Grj::new(seq, GatekeeperRejectReason::resourceUnavailable(())).build(),
            3 => { let mut m = rb::Rrq::new(seq, a, b); m.aliases = al; m.endpoint = ep; m.time_to_live = ttl; m.keep_alive = flag; m.endpoint_id = Some(id); m.build() }
            4 => { let mut m = rb::Rcf::new(seq, id); m.aliases = al; m.time_to_live = ttl; m.call_signal_addresses = vec![a]; m.build() }
            5 => rb::Rrj::new(seq, RegistrationRejectReason::invalidRASAddress(())).build(),
            6 => { let mut m = rb::Urq::new(seq, a); m.aliases = al; m.endpoint_id = Some(id); m.build() }
            7 => rb::Ucf::new(seq).build(),
            8 => { let mut m = rb::Arq::new(seq, id, call, conf, crv); m.destination_aliases = al.clone(); m.source_aliases = al; m.bandwidth = bw; m.answer_call = flag; m.dest_call_signal_address = Some(a); m.build() }
            9 => { let mut m = rb::Acf::new(seq, bw, a); m.call_model = if flag { CallModel::gatekeeperRouted(()) } else { CallModel::direct(()) }; m.destination_aliases = al; m.build() }
            10 => rb::Arj::new(seq, AdmissionRejectReason::requestDenied(())).build(),
            11 => { let mut m = rb::Drq::new(seq, id, call, conf, crv); m.answered_call = flag; m.build() }
            12 => rb::Dcf::new(seq).build(),
            13 => { let mut m = rb::Lrq::new(seq, al, a); m.bandwidth = Some(lrq_bw); m.call_id = Some(call); m.build() }
            14 => { let mut m = rb::Lcf::new(seq, a, b); m.destination_aliases = al; m.build() }
            15 => rb::Lrj::new(seq, LocationRejectReason::requestDenied(())).build(),
            16 => { let mut m = rb::Irq::new(seq); m.call_reference_value = crv; m.reply_address = Some(a); m.call_id = call; m.build() }
            _ => { let mut m = rb::Irr::new(seq, id, a, b); m.aliases = al; m.need_response = flag; let mut c = rb::IrrCall::new(crv, call, conf); c.bandwidth = bw; m.calls = vec![c]; m.build() }
        };
        let m = Ras::from(m.unwrap());
        let bytes = m.encode().unwrap();
        let back = Ras::decode(&bytes).unwrap();
        prop_assert_eq!(back.request_seq_num(), Some(seq));
        prop_assert_eq!(&back, &m);
    }
}
