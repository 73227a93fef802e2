#!/usr/bin/env python3
"""Extracts every H.225.0 (call signalling and RAS) and H.245 PDU that tshark finds
in the shared real captures into PER fixture files for cascade's tests.

Usage: extract_pcap_per.py <pcap dir> <output dir>

For each capture it runs `tshark -r FILE -T json -x` (with the decode-as options the
capture needs, see /work/shared/pcaps/SOURCES.md), walks the JSON keeping
duplicate keys, and writes `<capture>.txt` with one line per PDU:

    <frame> <asn1 type> <malformed 0|1> <hex>

where the type is H323-UserInformation, RasMessage or MultimediaSystemControlMessage
(tunnelled H.245 inside h245Control is listed as well), and `malformed` says whether
tshark flagged the frame as malformed.
"""

import json
import os
import subprocess
import sys

# Decode-as options: H.245 on separate TCP connections tshark does not find by itself.
DECODE_AS = {
    "nrusso-h245_signal.pcapng": ["-d", "tcp.port==43826,h245", "-d", "tcp.port==36341,h245"],
    "nrusso-h323_ss_hold_resume.pcapng": ["-d", "tcp.port==45907,h245"],
    "nrusso-h323_ss_hold_transfer.pcapng": ["-d", "tcp.port==33787,h245"],
}
CAPTURES = [
    "wireshark-rtp_example.raw.gz",
    "ndpi-h323.pcap",
    "nrusso-h245_signal.pcapng",
    "nrusso-h323_ss_hold_resume.pcapng",
    "nrusso-h323_ss_hold_transfer.pcapng",
    "nrusso-fax_t38_h323_ogw.pcapng",
    "nrusso-fax_h323_passthru_ogw.pcapng",
    "nrusso-fax_t38_nse_h323_ogw.pcapng",
    "nrusso-modem_h323_passthru_nse_ogw.pcapng",
]


def pairs(kv):
    return kv  # keep duplicate keys as a list of pairs


def walk(node, found):
    """Yields (key, value) for every key in the tree, in document order."""
    if isinstance(node, list) and node and all(isinstance(x, tuple) and len(x) == 2 for x in node):
        for k, v in node:
            found.append((k, v))
            walk(v, found)
    elif isinstance(node, list):
        for x in node:
            walk(x, found)


def classify(key, value, is_udp):
    """`h225_raw`/`h245_raw` hold the bytes of a whole H.225.0/H.245 PDU, even when
    tshark's dissection of it stops early (malformed)."""
    hexstr = value[0] if isinstance(value, list) and value and isinstance(value[0], str) else None
    if hexstr is None:
        return None
    if key == "h225_raw":
        # RAS runs over UDP, call signalling (in Q.931 user-user) over TCP.
        return ("RasMessage" if is_udp else "H323-UserInformation"), hexstr
    if key == "h245_raw":
        return "MultimediaSystemControlMessage", hexstr
    return None


def main():
    src, out = sys.argv[1], sys.argv[2]
    for cap in CAPTURES:
        cmd = ["tshark", "-r", os.path.join(src, cap)] + DECODE_AS.get(cap, []) + [
            "-Y", "h225 || h245", "-T", "json", "-x"]
        raw = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        packets = json.loads(raw, object_pairs_hook=pairs)
        lines = []
        for pkt in packets:
            found = []
            walk(pkt, found)
            frame = next(v for k, v in found if k == "frame.number")
            malformed = int(any(k == "_ws.malformed" for k, _ in found))
            is_udp = any(k == "udp" for k, _ in found)
            for k, v in found:
                c = classify(k, v, is_udp)
                if c is None:
                    continue
                lines.append("{} {} {} {}".format(frame, c[0], malformed, c[1]))
        with open(os.path.join(out, cap.split(".")[0] + ".txt"), "w") as f:
            f.write("# extracted by tests/oracle/extract_pcap_per.py from {}\n".format(cap))
            f.write("# frame asn1-type tshark-malformed hex\n")
            for l in lines:
                f.write(l + "\n")
        print(cap, len(lines), file=sys.stderr)


if __name__ == "__main__":
    main()
