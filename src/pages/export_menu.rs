//! Taking a partnership out: Markdown (roadmap; agreement with the current statement of
//! work), CSV (KPIs and results), a print-ready page (the browser's "Save as PDF"), and
//! the whole document as `.automerge`.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use tandem_domain::{
    document_id::DocumentId,
    export::{agreement_markdown, results_csv, roadmap_markdown},
    partnership::Partnership,
    qbr_pack::qbr_markdown,
    quarter::QuarterId,
};

use crate::i18n::{lang, t, tf};
use crate::{browser::download, editor::Editor, state::Tandem};

/// The quarter whose statement of work is "current" today (see
/// [`Partnership::current_quarter`]).
pub fn current_quarter(p: &Partnership) -> Option<QuarterId> {
    p.current_quarter(crate::components::fields::today())
}

fn file_name(p: &Partnership, what: &str, ext: &str) -> String {
    let name = format!("{} × {} — {what}", p.brand.as_str(), p.creator.as_str());
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -—×".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.{ext}", safe.trim())
}

/// The export buttons on a partnership page.
#[component]
pub fn ExportMenu() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let failed = RwSignal::new(None::<String>);
    let save = move |name: String, text: String, mime: &str| {
        if let Err(e) = download(&name, text.as_bytes(), mime) {
            failed.set(Some(e));
        }
    };
    let roadmap = move |_| {
        let p = editor.view.get_untracked();
        save(
            file_name(&p, t("roadmap"), "md"),
            roadmap_markdown(&p, lang()),
            "text/markdown;charset=utf-8",
        );
    };
    let agreement = move |_| {
        let p = editor.view.get_untracked();
        let Some(q) = current_quarter(&p) else {
            return failed.set(Some(t("this partnership has no quarters").into()));
        };
        save(
            file_name(&p, &tf("agreement and {0} SOW", &[&q]), "md"),
            agreement_markdown(&p, q, lang()),
            "text/markdown;charset=utf-8",
        );
    };
    let results = move |_| {
        let p = editor.view.get_untracked();
        save(
            file_name(&p, t("KPIs and results"), "csv"),
            results_csv(&p),
            "text/csv;charset=utf-8",
        );
    };
    // The same calendar the relay's subscription feed serves, as a file to import.
    let calendar = move |_| {
        let p = editor.view.get_untracked();
        save(
            file_name(&p, t("calendar"), "ics"),
            tandem_domain::calendar::ics(
                &p,
                lang(),
                &editor.id.to_string(),
                chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64)
                    .unwrap_or_default(),
            ),
            "text/calendar;charset=utf-8",
        );
    };
    let automerge = move |_| {
        let Some(bytes) = editor.tandem().export(&editor.id) else {
            return;
        };
        let p = editor.view.get_untracked();
        let name = file_name(&p, t("partnership"), "automerge");
        if let Err(e) = download(&name, &bytes, "application/octet-stream") {
            failed.set(Some(e));
        }
    };
    let id = editor.id;
    view! {
        <details class="export-menu" data-testid="export-menu">
            <summary class="small-button">{t("Export")}</summary>
            <div class="export-items">
                <button type="button" class="small-button" data-testid="export-roadmap-md" on:click=roadmap>{t("Roadmap (Markdown)")}</button>
                <button type="button" class="small-button" data-testid="export-agreement-md" on:click=agreement>{t("Agreement + current SOW (Markdown)")}</button>
                <button type="button" class="small-button" data-testid="export-csv" on:click=results>{t("KPIs & results (CSV)")}</button>
                <button type="button" class="small-button" data-testid="export-ics" on:click=calendar>{t("Every date and deadline (calendar, .ics)")}</button>
                <a class="small-button button" data-testid="print-roadmap" href=format!("/p/{id}/print?doc=roadmap")>{t("Roadmap — print / PDF")}</a>
                <a class="small-button button" data-testid="print-agreement" href=format!("/p/{id}/print?doc=agreement")>{t("Agreement + SOW — print / PDF")}</a>
                <button type="button" class="small-button" data-testid="export-automerge" on:click=automerge>{t("Whole partnership (.automerge)")}</button>
            </div>
            {move || failed.get().map(|e| view! { <p class="error" role="alert">{t("The file could not be saved: ")} {e}</p> })}
        </details>
    }
}

/// Inline Markdown as Tandem writes it: `**bold**` and backslash escapes.
fn inline(text: &str) -> AnyView {
    let mut parts: Vec<AnyView> = Vec::new();
    let mut plain = String::new();
    let mut bold = false;
    let mut chars = text.chars().peekable();
    let flush = |plain: &mut String, bold: bool, parts: &mut Vec<AnyView>| {
        if plain.is_empty() {
            return;
        }
        let t = std::mem::take(plain);
        parts.push(if bold {
            view! { <strong>{t}</strong> }.into_any()
        } else {
            t.into_any()
        });
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    plain.push(next);
                }
            }
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                flush(&mut plain, bold, &mut parts);
                bold = !bold;
            }
            _ => plain.push(c),
        }
    }
    flush(&mut plain, bold, &mut parts);
    parts.into_any()
}

/// Splits a table row into its cells, honouring `\|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut out = vec![String::new()];
    let mut current = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push('\\');
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            '|' => {
                if let Some(last) = out.last_mut() {
                    *last = std::mem::take(&mut current);
                }
                out.push(String::new());
            }
            _ => current.push(c),
        }
    }
    if let Some(last) = out.last_mut() {
        *last = current;
    }
    out.into_iter().map(|s| s.trim().to_owned()).collect()
}

/// Renders the Markdown Tandem writes (headings, paragraphs, lists, tables, quotes) as
/// elements — never as HTML strings, so nothing typed can become markup.
/// The chip class of a RAG word in either language, if it is one.
fn rag_class(word: &str) -> Option<&'static str> {
    match word.trim() {
        "green" | "зелёный" => Some("rag green"),
        "amber" | "жёлтый" => Some("rag amber"),
        "red" | "красный" => Some("rag red"),
        _ => None,
    }
}

pub fn render_markdown(md: &str) -> AnyView {
    let mut blocks: Vec<AnyView> = Vec::new();
    let lines: Vec<&str> = md.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim().is_empty() {
            i += 1;
        } else if let Some(h) = line.strip_prefix("## ") {
            blocks.push(view! { <h2>{inline(h)}</h2> }.into_any());
            i += 1;
        } else if let Some(h) = line.strip_prefix("# ") {
            blocks.push(view! { <h1>{inline(h)}</h1> }.into_any());
            i += 1;
        } else if line.starts_with('|') {
            let header = cells(line);
            let mut rows = Vec::new();
            i += 2; // the header and the |---| line
            while i < lines.len() && lines[i].starts_with('|') {
                rows.push(cells(lines[i]));
                i += 1;
            }
            // The scorecard's RAG column reads as coloured chips with their word.
            let rag_column = header
                .iter()
                .position(|h| matches!(h.trim(), "RAG" | "Статус"));
            blocks.push(view! {
                <table class="print-table">
                    <thead><tr>{header.iter().map(|h| view! { <th scope="col">{inline(h)}</th> }).collect_view()}</tr></thead>
                    <tbody>{rows.iter().map(|r| view! {
                        <tr>{r.iter().enumerate().map(|(n, c)| match (Some(n) == rag_column).then(|| rag_class(c)).flatten() {
                            Some(class) => view! { <td><span class=class>{c.trim().to_owned()}</span></td> }.into_any(),
                            None => view! { <td>{inline(c)}</td> }.into_any(),
                        }).collect_view()}</tr>
                    }).collect_view()}</tbody>
                </table>
            }.into_any());
        } else if line.starts_with("- ") {
            let mut items = Vec::new();
            while i < lines.len() && lines[i].starts_with("- ") {
                items.push(lines[i][2..].to_owned());
                i += 1;
            }
            blocks.push(view! { <ul>{items.iter().map(|t| view! { <li>{inline(t)}</li> }).collect_view()}</ul> }.into_any());
        } else if let Some(q) = line.strip_prefix("> ") {
            blocks.push(view! { <blockquote>{inline(q)}</blockquote> }.into_any());
            i += 1;
        } else {
            // A paragraph: lines ending in two spaces are line breaks.
            let mut para = Vec::new();
            while i < lines.len()
                && !lines[i].trim().is_empty()
                && !lines[i].starts_with(['#', '|', '>'])
                && !lines[i].starts_with("- ")
            {
                para.push(lines[i].trim_end().to_owned());
                i += 1;
            }
            blocks.push(
                view! {
                    <p>{para.iter().enumerate().map(|(n, l)| view! {
                        {(n > 0).then(|| view! { <br/> })}{inline(l)}
                    }).collect_view()}</p>
                }
                .into_any(),
            );
        }
    }
    blocks.into_any()
}

/// `/p/:id/print?doc=roadmap|agreement`: a clean page for the browser's print / Save as PDF.
#[component]
pub fn PrintPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let tandem = expect_context::<Tandem>();
    let id = params.read_untracked().get("id").unwrap_or_default();
    let doc = query
        .read_untracked()
        .get("doc")
        .unwrap_or_else(|| "roadmap".into());
    let partnership = id
        .parse::<DocumentId>()
        .ok()
        .and_then(|d| tandem.with_doc(&d, |doc| doc.partnership()))
        .ok_or_else(|| t("This partnership is not in this browser.").to_owned())
        .and_then(|p| p.map_err(|e| e.to_string()));
    let body = match partnership {
        Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
        Ok(p) => {
            let chosen = query
                .read_untracked()
                .get("q")
                .and_then(|q| q.parse::<QuarterId>().ok())
                .or_else(|| current_quarter(&p));
            let md = match (doc.as_str(), chosen) {
                ("roadmap", _) => roadmap_markdown(&p, lang()),
                (_, None) => t("This partnership has no quarters.").to_owned(),
                ("qbr", Some(q)) => qbr_markdown(&p, q, lang(), crate::components::fields::today()),
                (_, Some(q)) => agreement_markdown(&p, q, lang()),
            };
            render_markdown(&md)
        }
    };
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <div class="print-actions no-print">
            <a href=format!("/p/{id}")>{t("Back to the partnership")}</a>
            <button type="button" class="primary" data-testid="print" on:click=print>{t("Print / Save as PDF")}</button>
        </div>
        <article class="printable" data-testid="printable">{body}</article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn table_cells_keep_escaped_pipes() {
        assert_eq!(
            cells("| a \\| b | c |"),
            vec!["a \\| b".to_owned(), "c".to_owned()]
        );
        assert_eq!(cells("| — |"), vec!["—".to_owned()]);
    }
}
