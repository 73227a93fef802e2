//! `cascade bench` as a user runs it: the real binary, small bounded numbers, its JSON report.
//! Only completeness and correctness of the report are checked, never timings.

use std::process::Command;

use serde_json::Value;

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cascade"))
        .arg("bench")
        .args(args)
        .env_remove("CASCADE_LOG")
        .output()
        .expect("run cascade bench")
}

fn assert_percentiles(v: &Value, what: &str) {
    let p = |k: &str| {
        v[k].as_f64()
            .unwrap_or_else(|| panic!("{what}.{k} missing in {v}"))
    };
    let (p50, p90, p99, max) = (p("p50"), p("p90"), p("p99"), p("max"));
    assert!(p50 > 0.0, "{what}: {v}");
    assert!(p50 <= p90 && p90 <= p99 && p99 <= max, "{what}: {v}");
}

#[test]
fn a_small_run_reports_every_figure_with_no_errors() {
    let out = bench(&[
        "--calls",
        "20",
        "--concurrency",
        "2",
        "--duration",
        "120",
        "--room-base",
        "4400",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cascade bench failed: {stderr}");
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));

    assert_eq!(r["settings"]["calls"], 20);
    assert_eq!(r["settings"]["concurrency"], 2);
    assert_eq!(r["settings"]["targets"], "in-process servers on loopback");

    let c = &r["cascade_setup"];
    assert_eq!(c["requested"], 20, "{c}");
    assert_eq!(c["completed"], 20, "{c}");
    assert_eq!(c["errors"], 0, "{c}");
    assert_eq!(c["stopped_by"], "count", "{c}");
    assert_percentiles(&c["latency_ms"], "cascade_setup.latency_ms");

    let g = &r["gateway_calls"];
    assert_eq!(g["requested"], 20, "{g}");
    assert_eq!(g["completed"], 20, "{g}");
    assert_eq!(g["errors"], 0, "{g}");
    assert_eq!(g["workers"], 2, "{g}");
    assert!(g["pairs_per_second"].as_f64().unwrap() > 0.0, "{g}");
    assert_percentiles(&g["setup_ms"], "gateway_calls.setup_ms");
    assert_percentiles(&g["pair_ms"], "gateway_calls.pair_ms");

    for floor in ["cascade_floor_healthz", "gateway_floor_healthz"] {
        assert_eq!(r[floor]["completed"], 20, "{}", r[floor]);
        assert_eq!(r[floor]["errors"], 0, "{}", r[floor]);
        assert_percentiles(&r[floor]["latency_ms"], floor);
    }
}

#[test]
fn targets_outside_loopback_are_refused_before_any_request() {
    let out = bench(&[
        "--calls",
        "1",
        "--vnet",
        "http://192.0.2.1:8080",
        "--gateway",
        "http://127.0.0.1:1",
        "--mcu",
        "http://127.0.0.1:1",
        "--mcu-h323",
        "127.0.0.1:1",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a loopback address"),
        "unexpected error: {stderr}"
    );
}

#[test]
fn child_processes_report_each_servers_cpu_per_call() {
    let out = bench(&[
        "--processes",
        "--scenario",
        "gateway",
        "--calls",
        "60",
        "--concurrency",
        "2",
        "--duration",
        "120",
        "--room-base",
        "4500",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cascade bench failed: {stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        r["settings"]["targets"],
        "child server processes on loopback"
    );
    assert!(
        r["cascade_setup"].is_null(),
        "only the gateway scenario ran"
    );
    let g = &r["gateway_calls"];
    assert_eq!(
        (g["completed"].as_u64(), g["errors"].as_u64()),
        (Some(60), Some(0)),
        "{g}"
    );
    let cpu = &r["gateway_server_cpu"];
    for server in ["mcu", "gateway", "vnet", "bench"] {
        let per = cpu[server]["cpu_ms_per_call"].as_f64();
        assert!(per.is_some_and(|ms| ms >= 0.0), "{server}: {cpu}");
    }
    // The gateway, the MCU and the load generator do work for every call: 60 calls (several ms
    // of CPU each in a debug build) cannot cost them nothing.
    for server in ["mcu", "gateway", "bench"] {
        assert!(
            cpu[server]["cpu_s"].as_f64().unwrap() > 0.0,
            "{server}: {cpu}"
        );
    }
}

#[test]
fn a_pinned_gateway_runs_on_its_own_cpus_and_reports_how_busy_it_was() {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return; // nothing to split on one CPU
    }
    let out = bench(&[
        "--processes",
        "--pin-gateway",
        "--scenario",
        "gateway",
        "--calls",
        "40",
        "--concurrency",
        "2",
        "--duration",
        "120",
        "--room-base",
        "4600",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cascade bench failed: {stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pinned = &r["settings"]["pinned"];
    let cpus = |k: &str| -> Vec<u64> {
        pinned[k]
            .as_array()
            .unwrap_or_else(|| panic!("{k}: {pinned}"))
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect()
    };
    let (gateway, other) = (cpus("gateway_cpus"), cpus("other_cpus"));
    assert!(!gateway.is_empty() && !other.is_empty(), "{pinned}");
    assert!(gateway.iter().all(|c| !other.contains(c)), "{pinned}");
    let g = &r["gateway_calls"];
    assert_eq!(g["errors"].as_u64(), Some(0), "{g}");
    let busy = g["gateway_cpu_utilization"].as_f64().unwrap();
    assert!(busy > 0.0 && busy.is_finite(), "{g}");
}

#[test]
fn pinning_without_child_processes_is_refused() {
    let out = bench(&["--pin-gateway", "--calls", "1"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--processes"), "unexpected error: {stderr}");
}
