//! The relay over a real socket on port 0: health, the app's files, client-side routes,
//! and a clear refusal of an unusable data folder.

use std::path::Path;

use tandem_relay::{config::Config, server};
use tokio::sync::oneshot;

struct Running {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(app_dir: &Path, data_dir: &Path) -> Running {
    let config = Config::new(
        "127.0.0.1:0".parse().expect("addr"),
        data_dir.to_path_buf(),
        app_dir.to_path_buf(),
    );
    let relay = server::bind(&config).await.expect("binds");
    let base = format!("http://{}", relay.listener.local_addr().expect("addr"));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server::run(relay, &config, async {
            let _ = stopped.await;
        })
        .await
    });
    Running {
        base,
        stop: Some(stop),
        task,
    }
}

fn app_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("index.html"),
        "<title>Tandem</title><script type=\"module\">boot()</script>",
    )
    .expect("write");
    std::fs::write(dir.path().join("app.js"), "console.log(1)").expect("write");
    dir
}

#[tokio::test]
async fn serves_health_files_and_client_routes_then_stops() {
    let app = app_dir();
    let data = tempfile::tempdir().expect("tempdir");
    let mut relay = start(app.path(), &data.path().join("nested/data")).await;
    assert!(
        data.path().join("nested/data").is_dir(),
        "data folder created"
    );

    let health: serde_json::Value = reqwest::get(format!("{}/health", relay.base))
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "ok");

    let js = reqwest::get(format!("{}/app.js", relay.base))
        .await
        .expect("file");
    assert_eq!(js.status(), 200);
    assert_eq!(js.text().await.expect("body"), "console.log(1)");

    let route = reqwest::get(format!("{}/p/some-partnership", relay.base))
        .await
        .expect("route");
    assert_eq!(route.status(), 200);
    // Security headers on the app (and on everything else).
    let header = |name: &str| {
        route
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = header("content-security-policy");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("x-frame-options"), "DENY");
    assert!(
        route
            .text()
            .await
            .expect("body")
            .contains("<title>Tandem</title>")
    );

    relay.stop.take().map(|s| s.send(()));
    relay.task.await.expect("joins").expect("stops cleanly");
}

#[tokio::test]
async fn refuses_an_unwritable_data_folder_at_start() {
    let app = app_dir();
    let dir = tempfile::tempdir().expect("tempdir");
    // A file where the folder should be: unusable whoever runs the test (even root).
    let blocked = dir.path().join("data");
    std::fs::write(&blocked, "not a folder").expect("write");
    let config = Config::new(
        "127.0.0.1:0".parse().expect("addr"),
        blocked,
        app.path().to_path_buf(),
    );
    let err = server::bind(&config).await.expect_err("must refuse");
    assert!(err.to_string().contains("data folder"), "{err}");
}

#[tokio::test]
async fn refuses_to_start_without_a_built_app() {
    let empty = tempfile::tempdir().expect("tempdir");
    let data = tempfile::tempdir().expect("tempdir");
    let config = Config::new(
        "127.0.0.1:0".parse().expect("addr"),
        data.path().to_path_buf(),
        empty.path().to_path_buf(),
    );
    let err = server::bind(&config).await.expect_err("must refuse");
    assert!(err.to_string().contains("index.html"), "{err}");
}
