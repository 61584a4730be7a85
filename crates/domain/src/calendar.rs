//! Every dated obligation of a partnership as an iCalendar (RFC 5545) file: the download
//! in the app and the subscription feed the relay serves are the same text.
//!
//! - Dates without a time (checkpoints, deadlines, payments due, live windows) are all-day
//!   events, so they fall on the same calendar day in every zone.
//! - A review meeting is a wall-clock time in its zone: `DTSTART;TZID=…` with a
//!   `VTIMEZONE` listing that zone's offsets and clock changes over the years the
//!   calendar spans, worked out from the zone database ([`crate::zone`]) so the file is
//!   self-contained, as RFC 5545 asks.
//! - Each event's UID is its kind and the id of what it comes from, at the document's id:
//!   regenerating the calendar (the feed is fetched again) updates events, never
//!   duplicates them; a date that moves keeps its event.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::{
    day::Day, locale::Lang, partnership::Partnership, payment::PaymentStatus, qbr::MEETING_MINUTES,
    sow::DeliverableStatus, zone::Zone,
};

/// When an event happens.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// All day, `first` to `last` inclusive.
    Days { first: NaiveDate, last: NaiveDate },
    /// From a wall-clock time in a zone, for `minutes`.
    At {
        local: NaiveDateTime,
        zone: Zone,
        minutes: i64,
    },
}

/// One calendar event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Stable across regenerations: the kind and the id of what it comes from.
    pub uid: String,
    pub title: String,
    pub description: String,
    pub when: When,
}

fn all_day(day: NaiveDate) -> When {
    When::Days {
        first: day,
        last: day,
    }
}

/// The partnership's dated obligations as events, titled in `lang`. `today` decides the
/// next check-in (by the agreed cadence).
pub fn events(p: &Partnership, lang: Lang, today: NaiveDate) -> Vec<Event> {
    let mut out = Vec::new();
    let mut push = |uid: String, title: String, description: String, when: When| {
        out.push(Event {
            uid,
            title,
            description,
            when,
        })
    };
    let t = |en: &'static str| lang.text(en);
    let a = &p.agreement;
    for d in a.checkpoints() {
        push(
            format!("checkpoint-{d}"),
            t("Continue/stop checkpoint").into(),
            String::new(),
            all_day(d),
        );
    }
    if let Some(Day(end)) = a.term_end {
        if let Some(deadline) = end.checked_sub_days(Days::new(u64::from(a.renewal_notice_days))) {
            if let Some(opens) =
                deadline.checked_sub_days(Days::new(crate::agreement::NOTICE_WINDOW_DAYS as u64))
            {
                push(
                    "notice-opens".into(),
                    t("The renewal notice window opens").into(),
                    String::new(),
                    all_day(opens),
                );
            }
            push(
                "notice-deadline".into(),
                t("Last day to give notice of non-renewal").into(),
                String::new(),
                all_day(deadline),
            );
        }
        push(
            "term-end".into(),
            t("The agreement's term ends").into(),
            String::new(),
            all_day(end),
        );
    }
    if let Some(Day(until)) = a.usage_rights_until {
        push(
            "usage-rights".into(),
            t("The usage rights end").into(),
            a.usage_rights.as_str().trim().to_owned(),
            all_day(until),
        );
    }
    for (q, quarter) in &p.quarters {
        let sow = &quarter.sow;
        for (id, d) in sow.deliverables_in_order() {
            let what = [d.platform.as_str().trim(), d.format.as_str().trim()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
            let named = |en: &'static str| format!("{}: {what} ({})", t(en), d.market);
            let status = format!("{q} · {}", d.status.words(lang));
            if let Some(Day(from)) = d.live_from {
                let last = d
                    .live_to
                    .map(|Day(x)| x)
                    .filter(|x| *x >= from)
                    .unwrap_or(from);
                push(
                    format!("live-{id}"),
                    named("Live"),
                    status.clone(),
                    When::Days { first: from, last },
                );
            }
            if let Some(draft) = sow.draft_due(d) {
                push(
                    format!("draft-{id}"),
                    named("Draft due"),
                    status.clone(),
                    all_day(draft),
                );
                if d.status != DeliverableStatus::Live
                    && let Some(review) =
                        draft.checked_add_days(Days::new(u64::from(sow.review_days)))
                {
                    push(
                        format!("review-{id}"),
                        named("Review of the draft due"),
                        status,
                        all_day(review),
                    );
                }
            }
        }
    }
    for (id, pay) in p.payments_in_order() {
        let Some(Day(due)) = pay.due else { continue };
        let amount = pay.amount.map(|m| lang.money(&m)).unwrap_or_default();
        let mut title = format!("{}: {}", t("Payment due"), pay.label.as_str().trim());
        if !amount.is_empty() {
            title = format!("{title} — {amount}");
        }
        if pay.status == PaymentStatus::Paid {
            title = format!(
                "{title} ({})",
                PaymentStatus::Paid.words(lang).to_lowercase()
            );
        }
        push(
            format!("payment-{id}"),
            title,
            pay.status.words(lang).into(),
            all_day(due),
        );
    }
    for task in p.registry_tasks() {
        let month = task.month.format("%Y-%m").to_string();
        let mut title = format!("{}: {} {month}", t("Registry report due"), task.platform);
        if p.report(&task.key).reported {
            title = format!("{title} ({})", t("reported"));
        }
        push(
            format!("registry-{}", task.key.replace(':', "-")),
            title,
            String::new(),
            all_day(task.due),
        );
    }
    push(
        "checkin-next".into(),
        t("Next check-in").into(),
        String::new(),
        all_day(p.health(today).next_due),
    );
    for (q, review) in &p.qbrs {
        if let Some(m) = &review.meeting {
            push(
                format!("review-meeting-{q}"),
                lang.fill("Quarterly review {0}", &[q]),
                String::new(),
                When::At {
                    local: m.local,
                    zone: m.zone.clone(),
                    minutes: MEETING_MINUTES,
                },
            );
        }
        for (id, action) in review.actions.iter() {
            if let (false, Some(Day(due))) = (action.done, action.due) {
                let owner = action.owner.as_str().trim();
                push(
                    format!("action-{id}"),
                    format!("{}: {}", t("Action item"), action.text.as_str().trim()),
                    if owner.is_empty() {
                        String::new()
                    } else {
                        format!("{}: {owner}", t("Owner"))
                    },
                    all_day(due),
                );
            }
        }
    }
    out
}

/// The partnership's calendar, titled in `lang`. `uid_base` (the document id) makes each
/// event's UID stable across regenerations and distinct between partnerships; `now` is
/// the DTSTAMP and decides the next check-in.
pub fn ics(p: &Partnership, lang: Lang, uid_base: &str, now: DateTime<Utc>) -> String {
    let name = format!(
        "{} × {}",
        p.brand.as_str().trim(),
        p.creator.as_str().trim()
    );
    let events = events(p, lang, now.date_naive());
    let mut out = Ics::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//Tandem//Partnership calendar//EN");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!("X-WR-CALNAME:{}", escape(&name)));
    out.line(&format!("NAME:{}", escape(&name)));
    // Calendar apps that honour it poll hourly (RFC 7986).
    out.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    out.line("X-PUBLISHED-TTL:PT1H");
    let mut zones: Vec<(&Zone, i32, i32)> = Vec::new();
    for e in &events {
        if let When::At { local, zone, .. } = &e.when {
            match zones.iter_mut().find(|(z, ..)| *z == zone) {
                Some((_, lo, hi)) => {
                    *lo = (*lo).min(local.year());
                    *hi = (*hi).max(local.year());
                }
                None => zones.push((zone, local.year(), local.year())),
            }
        }
    }
    for (zone, lo, hi) in zones {
        vtimezone(&mut out, zone, lo, hi);
    }
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let uid_base = uid_base
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>();
    for e in &events {
        out.line("BEGIN:VEVENT");
        out.line(&format!("UID:{}@{uid_base}.tandem", e.uid));
        out.line(&format!("DTSTAMP:{stamp}"));
        match &e.when {
            When::Days { first, last } => {
                out.line(&format!("DTSTART;VALUE=DATE:{}", first.format("%Y%m%d")));
                let end = last.succ_opt().unwrap_or(*last);
                out.line(&format!("DTEND;VALUE=DATE:{}", end.format("%Y%m%d")));
                out.line("TRANSP:TRANSPARENT");
            }
            When::At {
                local,
                zone,
                minutes,
            } => {
                let end = *local + Duration::minutes(*minutes);
                out.line(&format!(
                    "DTSTART;TZID={}:{}",
                    zone.name(),
                    local.format("%Y%m%dT%H%M%S")
                ));
                out.line(&format!(
                    "DTEND;TZID={}:{}",
                    zone.name(),
                    end.format("%Y%m%dT%H%M%S")
                ));
            }
        }
        out.line(&format!(
            "SUMMARY:{}",
            escape(&format!("{name}: {}", e.title))
        ));
        if !e.description.is_empty() {
            out.line(&format!("DESCRIPTION:{}", escape(&e.description)));
        }
        out.line("END:VEVENT");
    }
    out.line("END:VCALENDAR");
    out.0
}

/// A `VTIMEZONE` for `zone` over the years `lo..=hi` (one either side, too): the offset
/// in force at the start, then one observance per change of the clocks.
fn vtimezone(out: &mut Ics, zone: &Zone, lo: i32, hi: i32) {
    let start = NaiveDate::from_ymd_opt(lo - 1, 1, 1)
        .unwrap_or(NaiveDate::MIN)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let end = NaiveDate::from_ymd_opt(hi + 2, 1, 1)
        .unwrap_or(NaiveDate::MAX)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{}", zone.name()));
    let first = zone.offset_at(start);
    observance(out, first, first, zone.local(start));
    let mut t = start;
    let mut offset = first;
    while t < end {
        let next = t + Duration::days(1);
        let after = zone.offset_at(next);
        if after != offset {
            // The change happened in (t, next]: find its second.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if zone.offset_at(mid) == offset {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let local_before = hi.naive_utc() + Duration::seconds(i64::from(offset));
            observance(out, offset, after, local_before);
            offset = after;
        }
        t = next;
    }
    out.line("END:VTIMEZONE");
}

fn observance(out: &mut Ics, from: i32, to: i32, local_start: NaiveDateTime) {
    let kind = if to > from { "DAYLIGHT" } else { "STANDARD" };
    out.line(&format!("BEGIN:{kind}"));
    out.line(&format!("DTSTART:{}", local_start.format("%Y%m%dT%H%M%S")));
    out.line(&format!("TZOFFSETFROM:{}", utc_offset(from)));
    out.line(&format!("TZOFFSETTO:{}", utc_offset(to)));
    out.line(&format!("END:{kind}"));
}

/// `+0300`, `-0500` (`+053000` with seconds).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// TEXT as RFC 5545 escapes it.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Content lines: CRLF-ended, folded at 75 octets without splitting a character.
#[derive(Default)]
struct Ics(String);

impl Ics {
    fn line(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            let n = c.len_utf8();
            if width + n > 75 {
                self.0.push_str("\r\n ");
                width = 1;
            }
            self.0.push(c);
            width += n;
        }
        self.0.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ids::{DeliverableId, PaymentId},
        market::parse_market_list,
        money::{Currency, Money},
        partnership::{NewPartnership, payments::PaymentDraft, record::DeliverableDraft},
        qbr::MeetingAt,
        quarter::QuarterId,
    };
    use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime};

    fn partnership() -> Partnership {
        let q: QuarterId = "2026-Q4".parse().expect("quarter");
        let mut p = Partnership::new(&NewPartnership {
            brand: "Northwind; Inc, \\ “Co”".into(),
            creator: "Маша".into(),
            markets: parse_market_list("RU, US").expect("markets"),
            first_quarter: q,
            quarters: 2,
        })
        .expect("partnership");
        p.set_term(
            Some("2026-10-01".parse().expect("day")),
            Some("2027-09-30".parse().expect("day")),
        )
        .expect("term");
        p.add_deliverable(
            q,
            DeliverableId::from_random([2; 16]),
            DeliverableDraft {
                platform: "YouTube".into(),
                format: "video".into(),
                count: 1,
                market: "US".parse().expect("market"),
                live_from: Some("2026-11-20".parse().expect("day")),
                live_to: Some("2026-11-27".parse().expect("day")),
                owner: String::new(),
                status: DeliverableStatus::Planned,
                paid: true,
                erid: String::new(),
                reklama_label: false,
            },
        )
        .expect("deliverable");
        p.add_payment(
            PaymentId::from_random([5; 16]),
            PaymentDraft {
                label: "50% on signing".into(),
                quarter: Some(q),
                amount: Some(Money::new(250_000, Currency::USD)),
                due: Some("2026-11-14".parse().expect("day")),
                status: PaymentStatus::Expected,
                paid_on: None,
                reference: String::new(),
                paid_in: None,
            },
        )
        .expect("payment");
        p.set_review_meeting(
            q,
            Some(
                "2026-11-02T10:00 America/New_York"
                    .parse::<MeetingAt>()
                    .expect("meeting"),
            ),
        )
        .expect("meeting");
        p
    }

    fn now() -> DateTime<Utc> {
        "2026-10-20T12:00:00Z".parse().expect("instant")
    }

    fn parsed(text: &str) -> Calendar {
        text.parse::<Calendar>().expect("a parser reads it")
    }

    fn vevents(cal: &Calendar) -> Vec<&icalendar::Event> {
        cal.components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_parser_reads_every_event_with_its_day_or_zone() {
        let text = ics(&partnership(), Lang::En, "doc1", now());
        assert!(text.lines().all(|l| l.len() <= 76), "folded at 75 octets");
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let cal = parsed(&text);
        let events = vevents(&cal);
        let by_uid = |prefix: &str| {
            events
                .iter()
                .find(|e| e.get_uid().is_some_and(|u| u.starts_with(prefix)))
                .unwrap_or_else(|| panic!("{prefix} in {text}"))
        };
        let payment = by_uid("payment-");
        assert_eq!(
            payment.get_start(),
            Some(DatePerhapsTime::Date("2026-11-14".parse().expect("day")))
        );
        assert!(
            payment
                .get_summary()
                .is_some_and(|s| s.contains("Northwind; Inc, \\ “Co” × Маша: Payment due")),
            "{:?}",
            payment.get_summary()
        );
        let live = by_uid("live-");
        assert_eq!(
            live.get_end(),
            Some(DatePerhapsTime::Date("2026-11-28".parse().expect("day"))),
            "the live window's last day is included"
        );
        for prefix in [
            "checkpoint-2027-01-01",
            "notice-opens",
            "notice-deadline",
            "term-end",
            "draft-",
            "review-0",
            "checkin-next",
        ] {
            by_uid(prefix);
        }
        let meeting = by_uid("review-meeting-2026-Q4");
        let Some(DatePerhapsTime::DateTime(start)) = meeting.get_start() else {
            panic!("a timed start: {text}");
        };
        match start {
            icalendar::CalendarDateTime::WithTimezone { date_time, tzid } => {
                assert_eq!(tzid, "America/New_York");
                assert_eq!(date_time.to_string(), "2026-11-02 10:00:00");
                // What a calendar app in Moscow makes of what the parser read.
                use chrono::TimeZone;
                let zone: chrono_tz::Tz = tzid.parse().expect("an IANA zone");
                let moscow = zone
                    .from_local_datetime(&date_time)
                    .single()
                    .expect("one reading")
                    .with_timezone(&chrono_tz::Europe::Moscow);
                assert_eq!(
                    moscow.format("%Y-%m-%d %H:%M").to_string(),
                    "2026-11-02 18:00"
                );
            }
            other => panic!("zoned: {other:?}"),
        }
        assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"));
    }

    #[test]
    fn ten_in_new_york_on_2_november_2026_is_eighteen_in_moscow() {
        // The zone's observances as written: the clocks went back on 1 Nov 2026, so on
        // 2 Nov New York is UTC−5 and 10:00 there is 15:00 UTC, 18:00 in Moscow.
        let text = ics(&partnership(), Lang::En, "doc1", now());
        let tz: Vec<&str> = text
            .split("BEGIN:VTIMEZONE")
            .nth(1)
            .expect("a VTIMEZONE")
            .split("END:VTIMEZONE")
            .next()
            .expect("ends")
            .lines()
            .collect();
        let change = tz
            .windows(4)
            .find(|w| w[1] == "DTSTART:20261101T020000")
            .expect("the November 2026 change");
        assert_eq!(change[0], "BEGIN:STANDARD");
        assert_eq!(change[2], "TZOFFSETFROM:-0400");
        assert_eq!(change[3], "TZOFFSETTO:-0500");
        let ny = Zone::named("America/New_York").expect("zone");
        let msk = Zone::named("Europe/Moscow").expect("zone");
        let start = "2026-11-02T10:00 America/New_York"
            .parse::<MeetingAt>()
            .expect("meeting")
            .start()
            .expect("exists");
        assert_eq!(start.to_rfc3339(), "2026-11-02T15:00:00+00:00");
        assert_eq!(msk.local(start).format("%H:%M").to_string(), "18:00");
        assert_eq!(ny.local(start).format("%H:%M").to_string(), "10:00");
    }

    #[test]
    fn uids_are_stable_and_titles_follow_the_language() {
        let p = partnership();
        let uids = |text: &str| {
            vevents(&parsed(text))
                .iter()
                .filter_map(|e| e.get_uid().map(str::to_owned))
                .collect::<Vec<_>>()
        };
        let first = ics(&p, Lang::En, "doc1", now());
        let later = ics(&p, Lang::En, "doc1", now() + Duration::hours(3));
        assert_eq!(uids(&first), uids(&later));
        let mut unique = uids(&first);
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            uids(&first).len(),
            "no two events share a UID"
        );
        assert!(uids(&first).iter().all(|u| u.ends_with("@doc1.tandem")));
        assert!(
            uids(&ics(&p, Lang::En, "doc2", now()))
                .iter()
                .all(|u| u.ends_with("@doc2.tandem")),
            "another partnership's events never collide"
        );
        let ru = ics(&p, Lang::Ru, "doc1", now());
        assert!(ru.contains("Маша: Срок оплаты"), "{ru}");
        assert_eq!(uids(&ru), uids(&first), "a language is not another event");
    }

    #[test]
    fn text_is_escaped_and_folded() {
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
        let mut out = Ics::default();
        out.line(&"ж".repeat(60));
        assert!(out.0.split("\r\n").all(|l| l.len() <= 75));
        assert_eq!(
            out.0.replace("\r\n ", ""),
            format!("{}\r\n", "ж".repeat(60))
        );
    }
}
