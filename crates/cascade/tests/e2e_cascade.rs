//! The cascade flow end to end: three `cascade` processes (mcu, gateway, vnet) on free loopback
//! ports, driven only through HTTP, with real H.323 between the gateway and the MCU.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod e2e_support;

use e2e_support::{free_port, server, strings, wait_healthy, Server};

/// A server process of the stack (the full-process tests' shared helpers, `e2e_support`).
fn start(args: &[&str], data: &Path) -> Server {
    server(&strings(args), data)
}

struct Stack {
    procs: Vec<Option<Server>>,
    /// How each process was started, to restart it on the same ports and data.
    launches: Vec<(Vec<String>, std::path::PathBuf)>,
    _dir: tempfile::TempDir,
    gateway: String,
    http: reqwest::Client,
    mcu: String,
    vnet: String,
    h323: SocketAddr,
}

async fn stack() -> Stack {
    let dir = tempfile::tempdir().unwrap();
    let (mcu_http, gw_http, vn_http, h323) = (free_port(), free_port(), free_port(), free_port());
    let launches: Vec<(Vec<String>, std::path::PathBuf)> = vec![
        (
            vec![
                "mcu".into(),
                "--http".into(),
                format!("127.0.0.1:{mcu_http}"),
                "--h323".into(),
                format!("127.0.0.1:{h323}"),
                // Short, so that the PIN test sees a caller who keys nothing released.
                "--pin-timeout".into(),
                "2s".into(),
            ],
            dir.path().join("mcu"),
        ),
        (
            vec![
                "gateway".into(),
                "--http".into(),
                format!("127.0.0.1:{gw_http}"),
                "--call-timeout".into(),
                "3s".into(),
            ],
            dir.path().join("gw"),
        ),
        (
            vec![
                "vnet".into(),
                "--http".into(),
                format!("127.0.0.1:{vn_http}"),
                "--gateway".into(),
                format!("http://127.0.0.1:{gw_http}"),
            ],
            dir.path().join("vn"),
        ),
    ];
    let procs = launches
        .iter()
        .map(|(a, d)| Some(start(&a.iter().map(String::as_str).collect::<Vec<_>>(), d)))
        .collect();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let s = Stack {
        procs,
        launches,
        gateway: format!("http://127.0.0.1:{gw_http}"),
        _dir: dir,
        http,
        mcu: format!("http://127.0.0.1:{mcu_http}"),
        vnet: format!("http://127.0.0.1:{vn_http}"),
        h323: format!("127.0.0.1:{h323}").parse().unwrap(),
    };
    for base in [&s.mcu, &format!("http://127.0.0.1:{gw_http}"), &s.vnet] {
        wait_healthy(&s.http, base).await;
    }
    s
}

impl Stack {
    /// Stops process `i` with SIGTERM (graceful) and starts it again on the same ports and data.
    async fn restart(&mut self, i: usize) {
        let (args, data) = self.launches[i].clone();
        // Dropping sends SIGTERM and waits for the exit, so the new process can bind.
        self.procs[i] = None;
        self.procs[i] = Some(start(
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            &data,
        ));
        let base = [&self.mcu, &self.gateway, &self.vnet][i].clone();
        wait_healthy(&self.http, &base).await;
    }

    async fn post(&self, url: String, body: Value) -> (u16, Value) {
        let r = self.http.post(url).json(&body).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, url: String) -> Value {
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
    async fn room(&self, number: &str, max: u32, locked: bool) {
        let (s, v) = self
            .post(
                format!("{}/v1/rooms", self.mcu),
                json!({"number": number, "max_participants": max, "locked": locked}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    /// Creates room `number` (8 places) with `pin`; returns the MCU's answer.
    async fn pin_room(&self, number: &str, pin: &str) -> Value {
        let (s, v) = self
            .post(
                format!("{}/v1/rooms", self.mcu),
                json!({"number": number, "max_participants": 8, "pin": pin}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        v
    }
    async fn conference(&self, name: &str) -> i64 {
        let (s, v) = self
            .post(
                format!("{}/v1/conferences", self.vnet),
                json!({"name": name}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_i64().unwrap()
    }
    async fn cascade(&self, conf: i64, dial: &str) -> (u16, Value) {
        self.post(
            format!("{}/v1/conferences/{conf}/cascades", self.vnet),
            json!({"dial": dial}),
        )
        .await
    }
}

#[tokio::test]
async fn cascades_succeed_and_fail_with_the_right_answers() {
    let s = stack().await;
    s.room("1234", 8, false).await;
    s.room("5678", 1, false).await;
    s.room("4444", 8, true).await;
    let a = s.conference("VN Alpha").await;
    let b = s.conference("VN Beta").await;
    let h = s.h323.port();

    // Two VN conferences into two rooms of one MCU at once.
    let (d1, d2) = (
        format!("801234@127.0.0.1:{h}"),
        format!("805678@127.0.0.1:{h}"),
    );
    let (one, two) = tokio::join!(s.cascade(a, &d1), s.cascade(b, &d2));
    assert_eq!(one.0, 201, "{}", one.1);
    assert_eq!(one.1["state"], "cascaded");
    assert_eq!(one.1["conference"], "1234");
    assert_eq!(two.0, 201, "{}", two.1);
    let room = s.get(format!("{}/v1/rooms/1234", s.mcu)).await;
    assert_eq!(room["participants"].as_array().unwrap().len(), 1, "{room}");
    assert_eq!(room["participants"][0]["alias"], "VN Alpha", "{room}");
    let conf = s.get(format!("{}/v1/conferences/{a}", s.vnet)).await;
    assert_eq!(conf["cascaded"], true, "{conf}");

    // Unknown conference: 404 with cause 1 and calledPartyNotRegistered.
    let (st, v) = s.cascade(a, &format!("809999@127.0.0.1:{h}")).await;
    assert_eq!(st, 404, "{v}");
    assert_eq!(v["q931_cause"], 1, "{v}");
    assert_eq!(v["h225_reason"], "calledPartyNotRegistered", "{v}");
    // Full room (5678 holds one): 409, cause 17.
    let (st, v) = s.cascade(a, &format!("805678@127.0.0.1:{h}")).await;
    assert_eq!((st, v["q931_cause"].as_i64()), (409, Some(17)), "{v}");
    // Locked: 403, cause 21.
    let (st, v) = s.cascade(a, &format!("804444@127.0.0.1:{h}")).await;
    assert_eq!((st, v["q931_cause"].as_i64()), (403, Some(21)), "{v}");
    // Malformed dial and unknown prefix never reach an MCU.
    assert_eq!(s.cascade(a, "80@@nowhere").await.0, 400);
    assert_eq!(s.cascade(a, &format!("771234@127.0.0.1:{h}")).await.0, 422);
    // MCU down.
    let dead = free_port();
    assert_eq!(
        s.cascade(a, &format!("801234@127.0.0.1:{dead}")).await.0,
        502
    );
    // An MCU that accepts TCP and never answers: 504 after the gateway's 3 s call timeout.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let (st, v) = s
        .cascade(a, &format!("801234@127.0.0.1:{silent_port}"))
        .await;
    assert_eq!(st, 504, "{v}");
    drop(silent);

    // Hang-up from the MCU side: kick the participant, the VN conference learns it.
    let room = s.get(format!("{}/v1/rooms/5678", s.mcu)).await;
    let pid = room["participants"][0]["id"].as_i64().unwrap();
    let r = s
        .http
        .delete(format!("{}/v1/rooms/5678/participants/{pid}", s.mcu))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let conf = s.get(format!("{}/v1/conferences/{b}", s.vnet)).await;
        if conf["cascaded"] == false {
            assert!(
                conf["cascades"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c["state"] == "ended"),
                "{conf}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "VN conference never learned of the kick: {conf}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Hang-up from the VN side: the MCU room empties.
    let conf = s.get(format!("{}/v1/conferences/{a}", s.vnet)).await;
    let cid = conf["cascades"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "cascaded")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = s
        .http
        .delete(format!("{}/v1/conferences/{a}/cascades/{cid}", s.vnet))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let room = s.get(format!("{}/v1/rooms/1234", s.mcu)).await;
        if room["participants"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "participant stayed after the VN hang-up: {room}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn two_hundred_concurrent_cascades_into_twenty_rooms() {
    let s = stack().await;
    for r in 0..20 {
        s.room(&format!("7{r:03}"), 20, false).await;
    }
    let h = s.h323.port();
    let mut confs = Vec::new();
    for i in 0..200 {
        confs.push((
            s.conference(&format!("VN {i:03}")).await,
            format!("7{:03}", i % 20),
        ));
    }
    let results = futures_util::future::join_all(confs.iter().map(|(c, room)| {
        let dial = format!("80{room}@127.0.0.1:{h}");
        let s = &s;
        async move { s.cascade(*c, &dial).await }
    }))
    .await;
    for (st, v) in &results {
        assert_eq!(*st, 201, "{v}");
    }
    // Started under Debian's soft limit of 1024 open files (`e2e_support::server`), which 200
    // calls' sockets exceed at the gateway: each server raised it to the hard limit.
    for p in s.procs.iter().flatten() {
        let soft = e2e_support::soft_open_files(p.pid());
        assert!(soft > e2e_support::DEBIAN_SOFT_NOFILE, "{soft}");
    }
    for r in 0..20 {
        let room = s.get(format!("{}/v1/rooms/7{r:03}", s.mcu)).await;
        let mut names: Vec<String> = room["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["alias"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        let mut want: Vec<String> = (0..200)
            .filter(|i| i % 20 == r)
            .map(|i| format!("VN {i:03}"))
            .collect();
        want.sort();
        assert_eq!(names, want, "room 7{r:03}");
    }
}

#[tokio::test]
async fn gateway_to_mcu_traffic_dissects_in_tshark() {
    if Command::new("tshark")
        .arg("--version")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        assert!(std::env::var("CI").is_err(), "tshark is required under CI");
        println!("SKIP: tshark not installed");
        return;
    }
    let s = stack().await;
    s.room("1234", 8, false).await;
    s.pin_room("2468", "4321").await;
    let a = s.conference("VN Capture").await;
    let h = s.h323.port();
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("gw-mcu.pcapng");
    let mut capture = Command::new("tshark")
        .args([
            "-i",
            "lo",
            "-f",
            &format!("tcp port {h}"),
            "-a",
            "duration:60",
            "-w",
        ])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut err = std::io::BufReader::new(capture.stderr.take().unwrap());
        let mut line = String::new();
        while err.read_line(&mut line).unwrap_or(0) > 0 && !line.contains("Capturing on") {
            line.clear();
        }
        std::thread::spawn(move || {
            let mut sink = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut sink);
        });
    }
    // dumpcap announces the interface a moment before its filter sees packets.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(s.cascade(a, &format!("801234@127.0.0.1:{h}")).await.0, 201);
    assert_eq!(s.cascade(a, &format!("809999@127.0.0.1:{h}")).await.0, 404);
    let (st, v) = s
        .post(
            format!("{}/v1/conferences/{a}/cascades", s.vnet),
            json!({"dial": format!("802468@127.0.0.1:{h}"), "pin": "4321"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = Command::new("kill")
        .args(["-INT", &capture.id().to_string()])
        .status();
    let _ = capture.wait();

    let bad = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(["-Y", "_ws.malformed || _ws.expert.severity >= warning"])
        .output()
        .unwrap();
    let bad = String::from_utf8_lossy(&bad.stdout);
    assert!(bad.trim().is_empty(), "tshark found problems:\n{bad}");
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-Y",
            "q931",
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "q931.message_type",
            "-e",
            "h225.dialledDigits",
            "-e",
            "q931.cause_value",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    // One TCP segment may carry several Q.931 messages (the MCU's CallProceeding and Connect
    // leave together); tshark then lists each field's values separated by commas.
    let has = |field: &str, value: &str| field.split(',').any(|v| v == value);
    let setups: Vec<&str> = rows
        .iter()
        .filter(|r| has(r[0], "0x05"))
        .map(|r| r[1])
        .collect();
    // The called alias is the conference number, the "80" prefix stripped.
    assert_eq!(setups, ["1234", "9999", "2468"], "{text}");
    assert!(
        rows.iter().any(|r| has(r[0], "0x07")),
        "no Connect:\n{text}"
    );
    assert!(
        rows.iter().any(|r| has(r[0], "0x5a") && has(r[2], "1")),
        "no ReleaseComplete with cause 1:\n{text}"
    );

    // The PIN call: tshark finds the keys as tunnelled H.245 userInput, one per indication, and
    // the MCU's terminalNumberAssign after them.
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-Y",
            "h245.alphanumeric || h245.terminalNumberAssign_element",
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-e",
            "h245.alphanumeric",
            "-e",
            "h245.mcuNumber",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let keys: String = text
        .lines()
        .flat_map(|l| l.split('\t').next())
        .flat_map(|k| k.split(','))
        .collect();
    assert_eq!(keys, "4321#", "{text}");
    assert!(
        text.lines()
            .any(|l| l.split('\t').nth(1).is_some_and(|n| has(n, "1"))),
        "no terminalNumberAssign from MCU 1:\n{text}"
    );
}

#[tokio::test]
async fn restarted_servers_keep_their_records() {
    let mut s = stack().await;
    s.room("1234", 8, false).await;
    let a = s.conference("VN Durable").await;
    let h = s.h323.port();
    let (st, v) = s.cascade(a, &format!("801234@127.0.0.1:{h}")).await;
    assert_eq!(st, 201, "{v}");
    let call = v["gateway_call_id"].as_str().unwrap().to_owned();

    // The gateway stops gracefully: it releases the live call (cause 16) and keeps the record.
    s.restart(1).await;
    let rec = s.get(format!("{}/v1/calls/{call}", s.gateway)).await;
    assert_eq!(rec["id"], call.as_str(), "{rec}");
    assert_ne!(rec["state"], "connected", "{rec}");
    let room = s.get(format!("{}/v1/rooms/1234", s.mcu)).await;
    assert!(
        room["participants"].as_array().unwrap().is_empty(),
        "{room}"
    );

    // The MCU keeps its rooms; the VN server keeps conferences and cascade history.
    s.restart(0).await;
    let room = s.get(format!("{}/v1/rooms/1234", s.mcu)).await;
    assert_eq!(room["number"], "1234", "{room}");
    s.restart(2).await;
    let conf = s.get(format!("{}/v1/conferences/{a}", s.vnet)).await;
    assert_eq!(conf["name"], "VN Durable", "{conf}");
    assert_eq!(conf["cascades"].as_array().unwrap().len(), 1, "{conf}");
    // And the stack still cascades after all three restarts.
    let (st, v) = s.cascade(a, &format!("801234@127.0.0.1:{h}")).await;
    assert_eq!(st, 201, "{v}");
}

#[tokio::test]
async fn room_pins_are_keyed_as_dtmf_and_only_the_right_one_gets_in() {
    let s = stack().await;
    let v = s.pin_room("2468", "4321").await;
    assert!(v.get("pin").is_none(), "the PIN is never served: {v}");
    assert_eq!(v["has_pin"], true, "{v}");
    s.room("1357", 8, false).await;
    let a = s.conference("VN Pin").await;
    let h = s.h323.port();
    let dial = format!("802468@127.0.0.1:{h}");
    let cascade = |pin: Option<&str>| {
        let mut body = json!({ "dial": dial });
        if let Some(p) = pin {
            body["pin"] = p.into();
        }
        s.post(format!("{}/v1/conferences/{a}/cascades", s.vnet), body)
    };
    let people = |room: &Value| room["participants"].as_array().unwrap().clone();

    // The right PIN: cascaded, and in the room as connected.
    let (st, v) = cascade(Some("4321")).await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["state"], "cascaded", "{v}");
    let room = s.get(format!("{}/v1/rooms/2468", s.mcu)).await;
    assert_eq!(people(&room).len(), 1, "{room}");
    assert_eq!(people(&room)[0]["state"], "connected", "{room}");
    assert!(room.get("pin").is_none(), "the PIN is never served: {room}");

    // A wrong PIN: 403 with cause 21, and the caller does not stay.
    let (st, v) = cascade(Some("1111")).await;
    assert_eq!(st, 403, "{v}");
    assert_eq!(v["q931_cause"], 21, "{v}");
    let reason = v["detail"].as_str().unwrap_or_default();
    assert!(reason.contains("PIN"), "{v}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let room = s.get(format!("{}/v1/rooms/2468", s.mcu)).await;
        if people(&room).len() == 1 {
            assert_eq!(people(&room)[0]["state"], "connected", "{room}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the refused caller stayed: {room}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // No PIN at all: the gateway cannot know that the room wants one, so the call is answered
    // (201); the MCU holds the caller as awaiting_pin, then releases it with cause 21 at its
    // (here 2 s) PIN timeout, and the cascade ends.
    let (st, v) = cascade(None).await;
    assert_eq!(st, 201, "{v}");
    let cascade_id = v["id"].as_i64().unwrap();
    let call = v["gateway_call_id"].as_str().unwrap().to_owned();
    let room = s.get(format!("{}/v1/rooms/2468", s.mcu)).await;
    let waiting: Vec<Value> = people(&room)
        .into_iter()
        .filter(|p| p["state"] == "awaiting_pin")
        .collect();
    assert_eq!(waiting.len(), 1, "{room}");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let rec = s.get(format!("{}/v1/calls/{call}", s.gateway)).await;
        if rec["ended_at"].is_string() {
            assert_eq!(rec["q931_cause"], 21, "{rec}");
            assert_eq!(rec["released_by"], "mcu", "{rec}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the MCU kept a caller without PIN: {rec}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let conf = s.get(format!("{}/v1/conferences/{a}", s.vnet)).await;
        let ended = conf["cascades"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == cascade_id && c["state"] == "ended");
        let room = s.get(format!("{}/v1/rooms/2468", s.mcu)).await;
        if ended && people(&room).len() == 1 {
            assert_eq!(people(&room)[0]["state"], "connected", "{room}");
            break;
        }
        assert!(Instant::now() < deadline, "{conf}\n{room}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The gateway's own answers: a wrong PIN, and a PIN that is not digits.
    let (st, v) = s
        .post(
            format!("{}/v1/calls", s.gateway),
            json!({"dial": dial, "pin": "9999"}),
        )
        .await;
    assert_eq!((st, v["q931_cause"].as_i64()), (403, Some(21)), "{v}");
    let (st, v) = s
        .post(
            format!("{}/v1/calls", s.gateway),
            json!({"dial": dial, "pin": "12a"}),
        )
        .await;
    assert_eq!(st, 400, "{v}");
    let (st, v) = cascade(Some("12a")).await;
    assert_eq!(st, 400, "{v}");

    // A room without a PIN lets a caller in whether or not it keys one.
    let (st, v) = s
        .post(
            format!("{}/v1/conferences/{a}/cascades", s.vnet),
            json!({"dial": format!("801357@127.0.0.1:{h}"), "pin": "5555"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let room = s.get(format!("{}/v1/rooms/1357", s.mcu)).await;
    assert_eq!(people(&room).len(), 1, "{room}");
    assert_eq!(people(&room)[0]["state"], "connected", "{room}");
}
