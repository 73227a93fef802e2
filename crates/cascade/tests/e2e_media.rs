//! Issue 5's end-to-end media check, with nothing in-process: three servers (`cascade mcu`,
//! `cascade gateway`, `cascade vnet`), two `cascade endpoint`s in MCU room 1234 (440 Hz red,
//! 660 Hz blue), and one `cascade terminal` (880 Hz) in a VN conference that cascades to
//! `801234@127.0.0.1:PORT`. ffmpeg decodes every recording; Goertzel and pixel checks run only on
//! what ffmpeg produced:
//!
//! - the terminal hears both endpoints (440 and 660 Hz) and sees a composite holding red and blue;
//! - each endpoint hears the terminal (880 Hz, carried up through vnet and the gateway) and the
//!   other endpoint, and not itself (N−1 in the MCU room).

mod e2e_support;
mod peer_support;

use e2e_support::*;
use peer_support::*;

/// The samples of `[from_end - 3 s, from_end)` counted back from the end: the stretch where
/// every participant was present (all peers start within a second or two and stop in order).
fn window(samples: &[i16], from_end_s: f64) -> &[i16] {
    let end = samples.len().saturating_sub((from_end_s * 8000.0) as usize);
    let start = end.saturating_sub(3 * 8000);
    assert!(
        end - start >= 8000,
        "only {} samples recorded",
        samples.len()
    );
    &samples[start..end]
}

fn assert_hears(samples: &[i16], who: &str, present: &[f64], absent: &[f64]) {
    for &hz in present {
        let share = tone_share(samples, hz);
        assert!(share > 0.08, "{who} should hear {hz} Hz: share {share:.3}");
    }
    for &hz in absent {
        let share = tone_share(samples, hz);
        assert!(
            share < 0.02,
            "{who} should not hear {hz} Hz: share {share:.3}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vn_terminal_sees_and_hears_the_mcu_room_and_the_room_hears_the_vn_conference() {
    if !ffmpeg_available("e2e_media") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let servers = Servers::start(dir.path()).await;
    let h323 = servers.h323;
    let s = strings;
    servers.create_room("1234").await;
    let conference = servers.create_conference("VN media").await;

    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let endpoint = |tone: &str, colour: &str, name: &str| {
        s(&[
            "endpoint",
            "--dial",
            &format!("1234@127.0.0.1:{h323}"),
            "--name",
            name,
            "--tone",
            tone,
            "--color",
            colour,
            "--record",
            &path(&format!("{name}.mkv")),
            "--duration",
            "14",
            "--json",
        ])
    };
    let a = run_peer(endpoint("440", "red", "endpoint-a"));
    let b = run_peer(endpoint("660", "blue", "endpoint-b"));
    let terminal = run_peer(s(&[
        "terminal",
        "--vnet",
        &servers.vnet,
        "--conference",
        &conference,
        "--name",
        "vn-terminal",
        "--tone",
        "880",
        "--record",
        &path("terminal.mkv"),
        "--snapshot",
        &path("terminal.png"),
        "--duration",
        "10",
        "--json",
    ]));

    // The cascade, once both endpoints are in the room.
    servers.wait_participants("1234", 2).await;
    servers.cascade(&conference, "1234").await;

    let terminal = terminal.join().unwrap();
    let a = a.join().unwrap();
    let b = b.join().unwrap();
    let reports = [
        ("terminal", report(&terminal)),
        ("endpoint A", report(&a)),
        ("endpoint B", report(&b)),
    ];
    for (who, r) in &reports {
        println!("{who}: {r}");
    }

    // The terminal: both endpoints' tones from the room, through the gateway and vnet.
    let recording = dir.path().join("terminal.mkv");
    let heard = decoded_audio(&recording);
    assert_hears(
        window(&heard, 1.0),
        "the VN terminal",
        &[440.0, 660.0],
        &[880.0],
    );
    // ... and the room's composite, showing both endpoints' colours.
    let probed = probe(&recording);
    let video = stream(&probed, "video").expect("the terminal recorded video");
    let (w, h) = (
        video["width"].as_u64().unwrap() as usize,
        video["height"].as_u64().unwrap() as usize,
    );
    let picture = last_picture(&recording, w, h);
    assert!(
        shows(&picture, w, h, [255, 0, 0]),
        "no red region in the composite"
    );
    assert!(
        shows(&picture, w, h, [0, 0, 255]),
        "no blue region in the composite"
    );
    let snapshot = last_picture(&dir.path().join("terminal.png"), w, h);
    assert!(shows(&snapshot, w, h, [255, 0, 0]) && shows(&snapshot, w, h, [0, 0, 255]));

    // The endpoints: the VN conference (880 Hz) and the other endpoint, never themselves. The
    // window ends 5 s before the endpoints stop, while the terminal was still sending.
    let a_heard = decoded_audio(&dir.path().join("endpoint-a.mkv"));
    assert_hears(
        window(&a_heard, 5.0),
        "endpoint A",
        &[660.0, 880.0],
        &[440.0],
    );
    let b_heard = decoded_audio(&dir.path().join("endpoint-b.mkv"));
    assert_hears(
        window(&b_heard, 5.0),
        "endpoint B",
        &[440.0, 880.0],
        &[660.0],
    );
}
