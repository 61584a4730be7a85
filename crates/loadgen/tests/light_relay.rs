//! A short run of light peers against the real relay binary: every edit reaches every
//! other peer on its document, nothing is sent twice, and nothing goes wrong — on one
//! relay, and on two relay instances sharing a PostgreSQL and a NATS (each document's
//! peers split between them, so every edit crosses from one instance to the other).
//!
//! The relay is built by this test with the test's own profile (`cargo build -p
//! tandem-relay`, a no-op when it is fresh), or taken from `TANDEM_RELAY_BIN`.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::Value;

fn relay_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("TANDEM_RELAY_BIN") {
        return PathBuf::from(bin);
    }
    let loadgen = Path::new(env!("CARGO_BIN_EXE_tandem-loadgen"));
    let profile_dir = loadgen.parent().expect("the binary's folder");
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "-p", "tandem-relay"]);
    if release {
        build.arg("--release");
    }
    // The same target folder as this test's build.
    if let Some(target) = profile_dir.parent() {
        build.env("CARGO_TARGET_DIR", target);
    }
    let status = build.status().expect("running cargo build -p tandem-relay");
    assert!(status.success(), "cargo build -p tandem-relay failed");
    let relay = profile_dir.join(format!("tandem-relay{}", std::env::consts::EXE_SUFFIX));
    assert!(relay.exists(), "{} was not built", relay.display());
    relay
}

#[test]
fn light_peers_on_the_relay_deliver_every_edit_once() {
    every_edit_arrives_once("tandem");
}

#[test]
fn light_peers_on_two_clustered_relays_deliver_every_edit_once() {
    every_edit_arrives_once("tandem-cluster");
}

fn every_edit_arrives_once(target: &str) {
    let relay = relay_binary();
    let dir = tempfile::tempdir().expect("a scratch folder");
    let json = dir.path().join("run.json");
    let output = Command::new(env!("CARGO_BIN_EXE_tandem-loadgen"))
        .args(["run", "--target", target, "--peers-mode", "light"])
        .args(["--peers", "20", "--seconds", "3", "--drain", "10"])
        .arg("--relay-bin")
        .arg(&relay)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("running tandem-loadgen");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{printed}");
    assert!(output.status.success(), "tandem-loadgen failed:\n{printed}");
    let runs: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report"))
            .expect("valid JSON");
    let run = &runs[0];
    let n = |key: &str| {
        run[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key} in {run}"))
    };
    assert_eq!(run["peers_mode"], "light");
    assert_eq!(n("errors"), 0.0, "errors: {}", run["error_samples"]);
    if target == "tandem-cluster" {
        // PostgreSQL and NATS are measured apart from the relays.
        assert!(n("services_peak_mib") > 0.0, "no PostgreSQL memory read");
    }
    // 20 peers at 5 edits/s for 3 s; a slow debug build may skip a few ticks.
    assert!(
        n("edits_sent") >= 150.0,
        "only {} edits sent",
        n("edits_sent")
    );
    // Each edit reaches the 9 other peers of its document.
    assert_eq!(n("deliveries_expected"), n("edits_sent") * 9.0);
    assert_eq!(
        n("delivered"),
        n("deliveries_expected"),
        "not every edit arrived"
    );
    // Each one as its own change, never twice, never back to its author — or inside a
    // whole document, which Automerge's sync sends instead when a peer lacks more than a
    // third of the document: early in a run on a loaded machine (the full test command runs
    // suites side by side) a peer a few edits behind a small document qualifies. A whole
    // document's changes must match its heads, and they stay the exception.
    assert_eq!(
        n("unverified_documents"),
        0.0,
        "a whole document failed its heads check"
    );
    if n("whole_documents") == 0.0 {
        assert_eq!(n("changes_received"), n("delivered"));
    } else {
        assert!(
            n("changes_received") <= n("delivered")
                && n("changes_received") >= 0.9 * n("delivered"),
            "{} of {} edits arrived as their own change ({} whole documents)",
            n("changes_received"),
            n("delivered"),
            n("whole_documents")
        );
    }
    assert_eq!(n("duplicate_changes"), 0.0, "the relay sent changes again");
    assert_eq!(
        n("own_changes_back"),
        0.0,
        "peers got their own changes back"
    );
    // A caught-up peer gets a few hundred bytes per edit; a relay re-sending history
    // (a peer whose answers it did not take) would send far more.
    assert!(
        n("received_bytes_per_delivery") < 2000.0,
        "{} bytes received per edit delivered",
        n("received_bytes_per_delivery")
    );
}
