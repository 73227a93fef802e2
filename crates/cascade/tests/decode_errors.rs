//! Files that are not captures, or not whole ones: a clear one-line error and a non-zero exit
//! for a missing, empty or foreign file; a capture cut short mid-packet still prints what it
//! holds.

mod decode_support;

use decode_support::*;

fn decode(path: &std::path::Path) -> (bool, String, String) {
    cascade(&["decode".as_ref(), path.as_os_str()])
}

#[test]
fn missing_empty_and_foreign_files_fail_clearly() {
    let dir = std::env::temp_dir().join(format!("cascade-decode-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let missing = dir.join("no-such.pcap");
    let (ok, out, err) = decode(&missing);
    assert!(!ok, "missing file must fail");
    assert!(out.is_empty());
    assert!(
        err.contains("no-such.pcap") && err.contains("No such file"),
        "{err}"
    );

    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let (ok, _, err) = decode(&empty);
    assert!(!ok);
    assert!(err.contains("empty"), "{err}");

    let text = dir.join("notes.pcap");
    std::fs::write(&text, b"this is not a capture\n").unwrap();
    let (ok, _, err) = decode(&text);
    assert!(!ok);
    assert!(err.contains("not a pcap or pcapng"), "{err}");

    // gzip of garbage: recognised as gzip, then not a capture.
    let gz = dir.join("garbage.gz");
    std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]).unwrap();
    let (ok, _, err) = decode(&gz);
    assert!(!ok);
    assert!(!err.is_empty());
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_damaged_capture_prints_what_precedes_the_damage() {
    let mut p = Pcap::default();
    let gk = "10.0.0.9:1719".parse().unwrap();
    let ep = "10.0.0.1:1719".parse().unwrap();
    p.udp(gk, ep, &unhex(real::GCF));
    let file = p.write("damaged");
    let mut bytes = std::fs::read(&file).unwrap();
    // A second record header claiming 4 GiB of data, then nothing.
    bytes.extend_from_slice(&[
        0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ]);
    std::fs::write(&file, &bytes).unwrap();
    let (_, out, err) = cascade(&["decode".as_ref(), "--json".as_ref(), file.as_os_str()]);
    assert!(
        out.contains("gatekeeperConfirm"),
        "stdout: {out}\nstderr: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.is_empty(), "the damage must be reported");

    // Cut in the middle of the first record: the file is reported, nothing decoded, no panic.
    std::fs::write(&file, &bytes[..40]).unwrap();
    let (_, out, err) = cascade(&["decode".as_ref(), "--json".as_ref(), file.as_os_str()]);
    assert!(out.is_empty(), "{out}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.is_empty(), "a capture cut short must be reported");
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}
