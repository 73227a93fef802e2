//! Many VN conferences cascade into rooms of one MCU at the same time (HTTP layers only: the
//! H.323 side is the fake dialer).

mod common;

use common::{Gateway, Vnet};
use gateway::fake::FakeDialer;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_cascades_into_twenty_rooms() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(&dir.path().join("gw"), FakeDialer::new()).await;
    let vn = Vnet::start(&dir.path().join("vn"), &gw.url()).await;
    let mut confs = Vec::new();
    for i in 0..200 {
        confs.push(vn.conference(&format!("VN {i}")).await);
    }
    let vn = std::sync::Arc::new(vn);
    let tasks: Vec<_> = confs
        .iter()
        .enumerate()
        .map(|(i, &conf)| {
            let vn = vn.clone();
            tokio::spawn(async move {
                let room = 1000 + i % 20;
                let r = vn
                    .cascade(
                        conf,
                        json!({"conference": room.to_string(), "mcu": "127.0.0.1"}),
                    )
                    .await;
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            })
        })
        .collect();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["state"], "cascaded");
    }
    let live = gw.fake.live();
    assert_eq!(live.len(), 200);
    for room in 1000..1020 {
        let n = live
            .iter()
            .filter(|r| r.conference == room.to_string())
            .count();
        assert_eq!(n, 10, "room {room}");
    }
    let all = vn.get("/v1/conferences").await;
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["cascaded"] == true));
    let vn = std::sync::Arc::into_inner(vn).unwrap();
    vn.stop().await;
    gw.stop().await;
}
