//! GET /v1/events reports every state change, including releases started by the MCU, or only
//! the states a subscriber asks for.

mod common;

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use gateway::fake::FakeDialer;
use serde_json::Value;

async fn next<S>(events: &mut S) -> eventsource_stream::Event
where
    S: futures_util::Stream<
            Item = Result<
                eventsource_stream::Event,
                eventsource_stream::EventStreamError<reqwest::Error>,
            >,
        > + Unpin,
{
    tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("event within 10 s")
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn events_follow_a_call_released_by_the_mcu() {
    let dir = tempfile::tempdir().unwrap();
    let gw = common::start(common::config(dir.path()), FakeDialer::new()).await;
    let r = gw.http.get(gw.url("/v1/events")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut events = Box::pin(r.bytes_stream().eventsource());
    assert_eq!(next(&mut events).await.event, "ready");

    let call: Value = gw.post_call("801234@127.0.0.1").await.json().await.unwrap();
    let id = call["id"].as_str().unwrap();
    let mut states = Vec::new();
    for _ in 0..2 {
        let ev = next(&mut events).await;
        assert_eq!(ev.event, "call");
        let body: Value = serde_json::from_str(&ev.data).unwrap();
        assert_eq!(body["call"]["id"], id);
        states.push(body["type"].as_str().unwrap().to_owned());
    }
    assert_eq!(states, ["dialing", "connected"]);

    assert!(gw.fake.hang_up(id.parse().unwrap(), 16, None));
    let ev = next(&mut events).await;
    let body: Value = serde_json::from_str(&ev.data).unwrap();
    assert_eq!(body["type"], "released");
    assert_eq!(body["call"]["released_by"], "mcu");
    assert_eq!(body["call"]["q931_cause"], 16);
    let cdr: Value = gw
        .http
        .get(gw.url(&format!("/v1/calls/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cdr["state"], "released");
    drop(events);
    gw.stop().await;
}

#[tokio::test]
async fn events_can_be_limited_to_the_states_a_subscriber_needs() {
    let dir = tempfile::tempdir().unwrap();
    let gw = common::start(common::config(dir.path()), FakeDialer::new()).await;
    let bad = gw
        .http
        .get(gw.url("/v1/events?state=released,ringing"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.headers()["content-type"], "application/problem+json");
    let problem: Value = bad.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("ringing"),
        "{problem}"
    );

    let r = gw
        .http
        .get(gw.url("/v1/events?state=released,failed"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut events = Box::pin(r.bytes_stream().eventsource());
    assert_eq!(next(&mut events).await.event, "ready");
    // Dialing and connected are not sent; the release is.
    let call: Value = gw.post_call("801234@127.0.0.1").await.json().await.unwrap();
    let id = call["id"].as_str().unwrap();
    assert!(gw.fake.hang_up(id.parse().unwrap(), 16, None));
    let ev = next(&mut events).await;
    let body: Value = serde_json::from_str(&ev.data).unwrap();
    assert_eq!(
        (body["type"].as_str(), body["call"]["id"].as_str()),
        (Some("released"), Some(id))
    );
    // A refused call reaches the subscriber as failed.
    gw.fake
        .set("9999", gateway::fake::FakeOutcome::no_such_conference());
    let r = gw.post_call("809999@127.0.0.1").await;
    assert_eq!(r.status(), 404);
    let ev = next(&mut events).await;
    let body: Value = serde_json::from_str(&ev.data).unwrap();
    assert_eq!(body["type"], "failed");
    drop(events);
    gw.stop().await;
}
