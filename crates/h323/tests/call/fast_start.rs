//! Fast connect: the Setup's proposals are answered in the first response, media channels open
//! on both sides without H.245 OLCs, and tunnelled H.245 still settles capabilities and roles.

use h323::call::{CallState, EndpointKind, Event};
use h323::h245::capabilities::Codec;
use h323::h245::msd::MsdStatus;
use h323::h245::session::{Direction, H245Event};

use super::pair::{config, opened, Pair};

#[test]
fn fast_start_call_opens_audio_and_video_both_ways() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.settle();
    let inc = p
        .callee_incoming()
        .expect("setup reached the callee")
        .clone();
    assert!(inc.fast_start_offered);
    assert_eq!(inc.called_number.as_deref(), Some("1234"));
    p.callee.proceed(p.now);
    p.callee.accept(p.now);
    p.settle();
    assert_eq!(p.caller.state(), CallState::Active);
    assert_eq!(p.callee.state(), CallState::Active);
    assert!(p.caller_events.contains(&Event::Proceeding));
    assert!(p.caller_events.contains(&Event::Connected));

    let caller_ch = opened(&p.caller_events);
    let callee_ch = opened(&p.callee_events);
    // One channel per session and direction on each side, all opened by fast connect.
    for chans in [&caller_ch, &callee_ch] {
        assert_eq!(chans.len(), 4, "{chans:#?}");
        for session in [1, 2] {
            for dir in [Direction::Transmit, Direction::Receive] {
                assert_eq!(
                    chans
                        .iter()
                        .filter(|c| c.codec.session_id() == session && c.direction == dir)
                        .count(),
                    1
                );
            }
        }
    }
    // Where the caller sends audio is where the callee receives it.
    let tx = caller_ch
        .iter()
        .find(|c| c.direction == Direction::Transmit && matches!(c.codec, Codec::Audio(_)))
        .unwrap();
    let rx = callee_ch
        .iter()
        .find(|c| c.direction == Direction::Receive && matches!(c.codec, Codec::Audio(_)))
        .unwrap();
    assert_eq!(tx.rtp, rx.rtp);
    assert_eq!(tx.rtp.unwrap().to_string(), "127.0.0.2:50000");
    let tx = callee_ch
        .iter()
        .find(|c| c.direction == Direction::Transmit && matches!(c.codec, Codec::Video(_)))
        .unwrap();
    assert_eq!(tx.rtp.unwrap().to_string(), "127.0.0.1:40002");

    // Tunnelled H.245 ran: the MCU (terminal type 190) is master.
    assert!(p.caller.tunnelled() && p.callee.tunnelled());
    assert!(p
        .caller_events
        .contains(&Event::H245(H245Event::MasterSlave(MsdStatus::Slave))));
    assert!(p
        .callee_events
        .contains(&Event::H245(H245Event::MasterSlave(MsdStatus::Master))));
    assert_eq!(
        p.caller.h245().remote_capabilities().unwrap().video.len(),
        2
    );
}

#[test]
fn callee_without_fast_start_falls_back_to_h245_channels() {
    let mut callee = config(EndpointKind::Mcu, 50000);
    callee.fast_start = false;
    let mut p = Pair::new(config(EndpointKind::Gateway, 40000), callee);
    p.settle();
    p.callee.accept(p.now);
    p.settle();
    let caller_ch = opened(&p.caller_events);
    assert_eq!(caller_ch.len(), 4, "{caller_ch:#?}");
    // Numbers come from H.245 OLCs, not proposals.
    assert!(caller_ch.iter().all(|c| c.rtp.is_some()));
}
