//! The app's files over a real socket: the build's brotli and gzip copies by
//! `Accept-Encoding`, the right `Content-Type` and `Vary`, a year of caching for hashed
//! assets and revalidation for the rest; API answers compressed on the fly.

mod support;

use std::{io::Read, path::Path};

use reqwest::{StatusCode, header};
use support::{RunningRelay, scratch};

const WASM: &str = "tandem-0123456789abcdef_bg.wasm";
const JS: &str = "tandem-0123456789abcdef.js";

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).expect("a brotli stream");
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip stream");
    out
}

/// Writes `name` and, as the build does, `name.br` and `name.gz` beside it.
fn write_with_variants(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("write");
    std::fs::write(dir.join(format!("{name}.br")), brotli(bytes)).expect("write");
    std::fs::write(dir.join(format!("{name}.gz")), gzip(bytes)).expect("write");
}

fn index_html() -> String {
    format!(
        "<!doctype html><title>Tandem</title><link rel=\"preload\" href=\"/{WASM}\">\
         <script type=\"module\">import init from '/{JS}'; init()</script>{}",
        "<p>partnerships, kept together</p>".repeat(20)
    )
}

/// Something shaped like a .wasm file, compressible like one.
fn wasm_bytes() -> Vec<u8> {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..20_000u32 {
        bytes.extend_from_slice(&(i % 251).to_le_bytes());
    }
    bytes
}

fn app_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_with_variants(dir.path(), "index.html", index_html().as_bytes());
    write_with_variants(dir.path(), WASM, &wasm_bytes());
    write_with_variants(
        dir.path(),
        JS,
        "export default function init() {}".as_bytes(),
    );
    write_with_variants(
        dir.path(),
        "sw.js",
        b"self.addEventListener('fetch', () => {});",
    );
    write_with_variants(
        dir.path(),
        "manifest.webmanifest",
        br#"{"name":"Tandem","start_url":"/"}"#,
    );
    dir
}

async fn get(url: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(url);
    if let Some(encoding) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    request.send().await.expect("answers")
}

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_hashed_asset_comes_brotli_encoded_typed_and_cached_for_a_year() {
    let app = app_dir();
    let (_data, data_dir) = scratch();
    let relay = RunningRelay::start(&data_dir, app.path()).await;

    let response = get(
        &format!("http://{}/{WASM}", relay.addr),
        Some("gzip, deflate, br"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, header::CONTENT_ENCODING), "br");
    assert_eq!(
        header_of(&response, header::CONTENT_TYPE),
        "application/wasm"
    );
    assert!(
        header_of(&response, header::VARY)
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    assert_eq!(
        header_of(&response, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(!header_of(&response, header::LAST_MODIFIED).is_empty());
    let body = response.bytes().await.expect("body");
    assert!(
        body.len() < wasm_bytes().len() / 2,
        "compressed on the wire"
    );
    assert_eq!(unbrotli(&body), wasm_bytes());

    let js = get(&format!("http://{}/{JS}", relay.addr), Some("br")).await;
    assert_eq!(header_of(&js, header::CONTENT_ENCODING), "br");
    assert_eq!(header_of(&js, header::CONTENT_TYPE), "text/javascript");
    assert_eq!(
        header_of(&js, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );

    relay.stop().await;
}

#[tokio::test]
async fn a_client_without_brotli_gets_gzip_and_one_without_encodings_the_file_itself() {
    let app = app_dir();
    let (_data, data_dir) = scratch();
    let relay = RunningRelay::start(&data_dir, app.path()).await;
    let url = format!("http://{}/{WASM}", relay.addr);

    let gzipped = get(&url, Some("gzip")).await;
    assert_eq!(header_of(&gzipped, header::CONTENT_ENCODING), "gzip");
    assert_eq!(gunzip(&gzipped.bytes().await.expect("body")), wasm_bytes());

    let plain = get(&url, None).await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), "");
    assert_eq!(header_of(&plain, header::CONTENT_TYPE), "application/wasm");
    assert!(
        header_of(&plain, header::VARY)
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    assert_eq!(
        header_of(&plain, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        plain.bytes().await.expect("body").as_ref(),
        std::fs::read(app.path().join(WASM)).expect("read")
    );

    let identity_only = get(&url, Some("identity")).await;
    assert_eq!(header_of(&identity_only, header::CONTENT_ENCODING), "");
    assert_eq!(
        identity_only.bytes().await.expect("body").as_ref(),
        wasm_bytes()
    );

    relay.stop().await;
}

#[tokio::test]
async fn the_page_the_worker_and_the_manifest_are_revalidated_every_time() {
    let app = app_dir();
    let (_data, data_dir) = scratch();
    let relay = RunningRelay::start(&data_dir, app.path()).await;

    // The page itself, and the same page for a client-side route (the fallback).
    for path in ["/", "/index.html", "/p/some-partnership", "/join"] {
        let page = get(&format!("http://{}{path}", relay.addr), Some("br, gzip")).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert_eq!(header_of(&page, header::CONTENT_ENCODING), "br", "{path}");
        assert!(
            header_of(&page, header::CONTENT_TYPE).starts_with("text/html"),
            "{path}"
        );
        assert_eq!(
            header_of(&page, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
        assert!(
            header_of(&page, header::VARY)
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{path}"
        );
        assert!(
            !header_of(&page, header::CONTENT_SECURITY_POLICY).is_empty(),
            "{path}: security headers still on a compressed page"
        );
        assert_eq!(
            unbrotli(&page.bytes().await.expect("body")),
            index_html().as_bytes(),
            "{path}"
        );
    }

    let plain = get(&format!("http://{}/p/x", relay.addr), None).await;
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), "");
    assert_eq!(plain.text().await.expect("body"), index_html());

    for (path, content_type) in [
        ("/sw.js", "text/javascript"),
        ("/manifest.webmanifest", "application/manifest+json"),
    ] {
        let file = get(&format!("http://{}{path}", relay.addr), Some("br")).await;
        assert_eq!(file.status(), StatusCode::OK, "{path}");
        assert_eq!(header_of(&file, header::CONTENT_ENCODING), "br", "{path}");
        assert_eq!(
            header_of(&file, header::CONTENT_TYPE),
            content_type,
            "{path}"
        );
        assert_eq!(
            header_of(&file, header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
    }

    // Revalidating an unchanged page costs a 304 (by Last-Modified), still no-cache.
    let first = get(&format!("http://{}/", relay.addr), Some("br")).await;
    let last_modified = header_of(&first, header::LAST_MODIFIED);
    assert!(!last_modified.is_empty());
    let again = reqwest::Client::new()
        .get(format!("http://{}/", relay.addr))
        .header(header::ACCEPT_ENCODING, "br")
        .header(header::IF_MODIFIED_SINCE, &last_modified)
        .send()
        .await
        .expect("answers");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header_of(&again, header::CACHE_CONTROL), "no-cache");

    // A missing asset is not cached for a year under its name.
    let missing = get(
        &format!("http://{}/tandem-fedcba9876543210.js", relay.addr),
        None,
    )
    .await;
    assert_ne!(
        header_of(&missing, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );

    relay.stop().await;
}

#[tokio::test]
async fn api_answers_are_compressed_on_the_fly() {
    let app = app_dir();
    let (_data, data_dir) = scratch();
    let relay = RunningRelay::start(&data_dir, app.path()).await;
    let url = format!("http://{}/api/docs/some-partnership/access", relay.addr);

    // No credential: a refusal in JSON, long enough to be worth compressing.
    let plain = get(&url, None).await;
    let status = plain.status();
    assert!(status.is_client_error(), "{status}");
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), "");
    let json = plain.bytes().await.expect("body");
    serde_json::from_slice::<serde_json::Value>(&json).expect("JSON");

    let gzipped = get(&url, Some("gzip")).await;
    assert_eq!(gzipped.status(), status);
    assert_eq!(header_of(&gzipped, header::CONTENT_ENCODING), "gzip");
    assert!(header_of(&gzipped, header::CONTENT_TYPE).starts_with("application/json"));
    assert_eq!(gunzip(&gzipped.bytes().await.expect("body")), json.as_ref());

    let brotli_encoded = get(&url, Some("br")).await;
    assert_eq!(header_of(&brotli_encoded, header::CONTENT_ENCODING), "br");
    assert_eq!(
        unbrotli(&brotli_encoded.bytes().await.expect("body")),
        json.as_ref()
    );

    relay.stop().await;
}

#[tokio::test]
async fn a_compressed_copy_older_than_its_file_is_not_sent() {
    let app = app_dir();
    let (_data, data_dir) = scratch();
    let relay = RunningRelay::start(&data_dir, app.path()).await;

    // A new index.html put in place by hand: its .br and .gz are the old build's.
    let new_index = index_html().replace("Tandem", "Tandem, next build");
    std::fs::write(app.path().join("index.html"), &new_index).expect("write");
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for copy in ["index.html.br", "index.html.gz"] {
        std::fs::File::options()
            .write(true)
            .open(app.path().join(copy))
            .and_then(|f| f.set_modified(an_hour_ago))
            .expect("set mtime");
    }
    for path in ["/", "/p/some-partnership"] {
        let page = get(
            &format!("http://{}{path}", relay.addr),
            Some("gzip, deflate, br"),
        )
        .await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert_eq!(header_of(&page, header::CONTENT_ENCODING), "", "{path}");
        assert_eq!(page.text().await.expect("body"), new_index, "{path}");
    }

    // Once the build writes fresh copies, they are sent again.
    write_with_variants(app.path(), "index.html", new_index.as_bytes());
    let page = get(&format!("http://{}/", relay.addr), Some("br")).await;
    assert_eq!(header_of(&page, header::CONTENT_ENCODING), "br");
    assert_eq!(
        unbrotli(&page.bytes().await.expect("body")),
        new_index.as_bytes()
    );

    // Only the stale encoding is skipped: a fresh gzip copy still goes out.
    std::fs::File::options()
        .write(true)
        .open(app.path().join(format!("{WASM}.br")))
        .and_then(|f| f.set_modified(an_hour_ago))
        .expect("set mtime");
    let asset = get(&format!("http://{}/{WASM}", relay.addr), Some("br, gzip")).await;
    assert_eq!(header_of(&asset, header::CONTENT_ENCODING), "gzip");
    assert_eq!(gunzip(&asset.bytes().await.expect("body")), wasm_bytes());

    relay.stop().await;
}
