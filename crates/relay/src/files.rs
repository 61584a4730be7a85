//! The app's files: the brotli or gzip copy the build wrote beside each file when the
//! browser accepts it, and caching headers that let a phone keep the big assets for good.
//!
//! - Trunk names the JavaScript, WebAssembly and CSS after a hash of their content
//!   (`tandem-<hash>_bg.wasm`): a new build means new names, so those are cached for a
//!   year and never revalidated (`immutable`).
//! - `index.html` (also when served for a client-side route such as `/p/<id>`), `sw.js`,
//!   the manifest and the icons keep their names across builds: `no-cache`, so the browser
//!   asks every time and gets a 304 (by `Last-Modified`) when nothing changed.
//! - Every file answer says `Vary: Accept-Encoding`, since its bytes depend on it.
//! - A compressed copy older than its file is never sent: a file replaced by hand (or a
//!   build that skipped the compression step) must not be answered by the old build's
//!   bytes, which for `index.html` would name assets that no longer exist.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    Router,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::Response,
};
use tower_http::services::{ServeDir, ServeFile};

/// A year: what browsers treat as "forever" for a hashed asset.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// A service for the files in `app_dir`; paths that are not files get `index.html`.
pub fn service(app_dir: &Path) -> Router {
    let index = ServeFile::new(app_dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(app_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(caching_headers))
        .layer(middleware::from_fn_with_state(
            Arc::new(app_dir.to_path_buf()),
            skip_stale_copies,
        ))
}

/// The precompressed copies the build writes, by `Accept-Encoding` name.
const COPIES: [(&str, &str); 3] = [("br", "br"), ("gzip", "gz"), ("x-gzip", "gz")];

/// Drops from the request's `Accept-Encoding` each encoding whose copy of the file that
/// will be served is older than the file, so the file itself (or a fresh copy) goes out.
async fn skip_stale_copies(
    State(app_dir): State<Arc<PathBuf>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(accepted) = request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    {
        let file = file_for(&app_dir, request.uri().path());
        let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let stale = |extension: &str| -> bool {
            let mut copy = file.clone().into_os_string();
            copy.push(".");
            copy.push(extension);
            let copy = PathBuf::from(copy);
            match (modified(&file), modified(&copy)) {
                (Some(file), Some(copy)) => copy < file,
                _ => false,
            }
        };
        let kept: Vec<&str> = accepted
            .split(',')
            .map(str::trim)
            .filter(|coding| {
                let name = coding.split(';').next().unwrap_or_default().trim();
                !COPIES
                    .iter()
                    .any(|(encoding, ext)| name.eq_ignore_ascii_case(encoding) && stale(ext))
            })
            .collect();
        let kept = if kept.is_empty() {
            "identity".to_owned()
        } else {
            kept.join(", ")
        };
        if kept != accepted
            && let Ok(value) = HeaderValue::from_str(&kept)
        {
            request.headers_mut().insert(header::ACCEPT_ENCODING, value);
        }
    }
    next.run(request).await
}

/// The file `ServeDir` (with its `index.html` fallback) answers `path` with.
fn file_for(app_dir: &Path, path: &str) -> PathBuf {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut file = app_dir.to_path_buf();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            ".." => return app_dir.join("index.html"),
            part => file.push(part),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    if file.is_file() {
        file
    } else {
        app_dir.join("index.html")
    }
}

async fn caching_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        // The fallback answers any path with index.html: judge by what was sent.
        let html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let policy = if hashed && !html {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// Whether the last segment of `path` carries Trunk's content hash: `name-<hex>.ext` or
/// `name-<hex>_bg.wasm`, the hex at least 10 digits (Trunk writes a 64-bit hash in hex).
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _ext)) = name.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    (10..=16).contains(&hash.len())
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn trunks_hashed_names_are_recognised() {
        assert!(is_hashed_asset("/tandem-4f1c2a9b8e7d6c5b_bg.wasm"));
        assert!(is_hashed_asset("/tandem-4f1c2a9b8e7d6c5b.js"));
        assert!(is_hashed_asset("/main-0a1b2c3d4e5f6a7b.css"));
    }

    #[test]
    fn names_that_survive_a_build_are_not() {
        for path in [
            "/",
            "/index.html",
            "/sw.js",
            "/manifest.webmanifest",
            "/public/icon-192.png",
            "/public/favicon.svg",
            "/p/some-partnership",
            "/public/boot.js",
            "/x-abcdefghij.js",
        ] {
            assert!(!is_hashed_asset(path), "{path}");
        }
    }
}
