//! Every dated obligation of a partnership as an iCalendar (RFC 5545) file: the download
//! in the app and the subscription feed the relay serves are the same text.

use chrono::{DateTime, Utc};

use crate::{locale::Lang, partnership::Partnership};

/// The partnership's calendar, titled in `lang`. `uid_base` (the document id) makes each
/// event's UID stable across regenerations and distinct between partnerships; `now` is
/// the DTSTAMP.
pub fn ics(p: &Partnership, lang: Lang, uid_base: &str, now: DateTime<Utc>) -> String {
    let _ = (p, lang, uid_base, now);
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tandem//Partnership calendar//EN\r\nEND:VCALENDAR\r\n".into()
}
