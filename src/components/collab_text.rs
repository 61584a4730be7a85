//! A textarea that two people type into at once.
//!
//! Setting a focused textarea's value (as a plain `prop:value` binding does when a remote
//! edit arrives) moves the caret to the end, so the next keystrokes land in the wrong
//! place. This component applies remote text by hand and carries the caret and selection
//! across the change: positions before the changed region stay, positions after it shift
//! by the length difference.

use leptos::{html, prelude::*};

/// Caret positions are in UTF-16 code units, as the DOM counts them.
fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

/// Where a caret at `pos` in `old` belongs in `new`.
pub fn carry_caret(old: &[u16], new: &[u16], pos: usize) -> usize {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    if pos <= prefix {
        pos
    } else if pos >= old.len() - suffix {
        pos + new.len() - old.len()
    } else {
        // Inside the replaced region: after the replacement.
        new.len() - suffix
    }
}

/// How many rows a textarea needs for `text` to show whole, from `min` to `max` (then it
/// scrolls): its lines, each wrapped at about 60 characters. Counted, not measured, so a
/// 235,000-character text costs no layout (CSS `field-sizing: content` made opening such a
/// partnership 1.5 s slower).
pub fn rows_for(text: &str, min: u32, max: u32) -> u32 {
    const WRAP: usize = 60;
    let mut rows: u32 = 0;
    for line in text.split('\n') {
        let chars = line.chars().count();
        rows = rows.saturating_add(u32::try_from(chars.div_ceil(WRAP).max(1)).unwrap_or(u32::MAX));
        if rows >= max {
            return max;
        }
    }
    rows.clamp(min, max)
}

#[component]
pub fn CollabTextarea(
    /// The element id (for its label).
    id: String,
    test_id: String,
    #[prop(default = 3)] rows: u32,
    #[prop(into)] placeholder: String,
    /// The text as the document holds it.
    #[prop(into)]
    value: Signal<String>,
    /// Called with the whole new text on every input.
    on_input: impl Fn(String) + 'static,
) -> impl IntoView {
    let node = NodeRef::<html::Textarea>::new();
    Effect::new(move |_| {
        let want = value.get();
        let Some(el) = node.get() else { return };
        let shown = el.value();
        if shown == want {
            return;
        }
        let (old, new) = (utf16(&shown), utf16(&want));
        let start = el.selection_start().ok().flatten().map(|p| p as usize);
        let end = el.selection_end().ok().flatten().map(|p| p as usize);
        el.set_value(&want);
        if let (Some(start), Some(end)) = (start, end) {
            let start = carry_caret(&old, &new, start) as u32;
            let end = carry_caret(&old, &new, end) as u32;
            let _ = el.set_selection_range(start, end);
        }
    });
    view! {
        // Grows with its text (up to 16 rows, then it scrolls), so nothing is cut off.
        <textarea node_ref=node id=id data-testid=test_id placeholder=placeholder
            rows=move || value.with(|v| rows_for(v, rows, rows.max(16)))
            on:input=move |ev| on_input(event_target_value(&ev))
        ></textarea>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn carry(old: &str, new: &str, pos: usize) -> usize {
        carry_caret(&utf16(old), &utf16(new), pos)
    }

    #[test]
    fn a_textarea_grows_with_its_text_within_bounds() {
        assert_eq!(rows_for("", 3, 16), 3);
        assert_eq!(rows_for("one line", 3, 16), 3);
        assert_eq!(rows_for("a\nb\nc\nd\ne", 3, 16), 5);
        assert_eq!(
            rows_for(&"x".repeat(150), 2, 16),
            3,
            "150 characters wrap onto 3 rows"
        );
        assert_eq!(
            rows_for(&"word ".repeat(50_000), 3, 16),
            16,
            "a long text stops at the maximum"
        );
    }

    #[test]
    fn the_caret_keeps_its_place_around_remote_edits() {
        // Someone appends while I type at the start.
        assert_eq!(carry("Big Winter", "Big Winter in Moscow", 3), 3);
        // Someone inserts before my caret.
        assert_eq!(carry("Winter launch", "Big Winter launch", 6), 10);
        // Someone deletes before my caret.
        assert_eq!(carry("Big Winter launch", "Winter launch", 10), 6);
        // Cyrillic counts in UTF-16 units, as the DOM does.
        assert_eq!(carry("Запуск", "Большой Запуск", 6), 14);
    }
}
