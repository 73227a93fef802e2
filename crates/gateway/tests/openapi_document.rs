//! /openapi.json describes the call API.

mod common;

use gateway::fake::FakeDialer;
use serde_json::Value;

#[tokio::test]
async fn openapi_lists_the_call_endpoints_and_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let gw = common::start(common::config(dir.path()), FakeDialer::new()).await;
    let doc: Value = gw
        .http
        .get(gw.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in ["/v1/calls", "/v1/calls/{id}", "/v1/events"] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    let post = &paths["/v1/calls"]["post"];
    for status in ["201", "400", "403", "404", "409", "422", "502", "504"] {
        assert!(post["responses"].get(status).is_some(), "{status} missing");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in [
        "CallRecord",
        "NewCall",
        "Problem",
        "CallEvent",
        "MediaAddresses",
        "MediaStats",
        "StreamStats",
    ] {
        assert!(schemas.contains_key(s), "{s} missing");
    }
    // The media fields of the call API.
    let record = &schemas["CallRecord"]["properties"];
    assert!(
        record.get("media").is_some() && record.get("media_stats").is_some(),
        "{record}"
    );
    assert!(schemas["NewCall"]["properties"].get("media").is_some());
    let stream = &schemas["StreamStats"]["properties"];
    for f in ["packets", "bytes", "lost", "jitter_ms", "ssrc"] {
        assert!(stream.get(f).is_some(), "StreamStats.{f} missing");
    }
    gw.stop().await;
}
