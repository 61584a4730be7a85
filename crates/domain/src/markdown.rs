//! Text the partners typed, escaped for Markdown (the exports and the QBR pack), so a
//! name or a note can never turn into a heading, a link or a table column.

/// Escapes text for Markdown prose and table cells (one line: newlines become spaces in
/// cells, `<br>`-free).
pub(crate) fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '<' | '>' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

pub(crate) fn md_cell(text: &str) -> String {
    // Line breaks and runs of spaces become one space; no-break spaces (in numbers and
    // money as Russian writes them) stay.
    let one_line: String = text
        .split(|c: char| c.is_ascii_whitespace() || c == '\u{2028}' || c == '\u{2029}')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let escaped = md(&one_line);
    if escaped.is_empty() {
        "—".to_owned()
    } else {
        escaped
    }
}

/// A prose block: each line escaped, paragraphs kept.
pub(crate) fn md_prose(text: &str) -> String {
    text.trim()
        .lines()
        .map(|l| md(l.trim_end()))
        .collect::<Vec<_>>()
        .join("  \n")
}
