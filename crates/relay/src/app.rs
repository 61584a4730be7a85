//! The HTTP surface: `/health` and the app's files.

use std::path::{Path, PathBuf};

use axum::{Json, Router, routing::get};
use serde::Serialize;
use tower_http::services::{ServeDir, ServeFile};

/// Everything a request handler may need. Cloned per request, so it holds only cheap
/// handles.
#[derive(Debug, Clone)]
pub struct AppState {
    pub app_dir: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

/// The relay's router. Paths that are not files get `index.html`, so a reload on a
/// client-side route such as `/p/<id>` still opens the app.
pub fn router(state: AppState) -> Router {
    let index = index_path(&state.app_dir);
    let files = ServeDir::new(&state.app_dir).fallback(ServeFile::new(index));
    Router::new()
        .route("/health", get(health))
        .fallback_service(files)
}

fn index_path(app_dir: &Path) -> PathBuf {
    app_dir.join("index.html")
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}
