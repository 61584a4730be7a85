//! A KPI campaign over campaign as an SVG line with its threshold, plus the same figures
//! as a table for screen readers (no JavaScript charting library).

use leptos::prelude::*;

use crate::i18n::{lang, t, tf};
use tandem_domain::{
    kpi::{Kpi, Unit, format_value_in},
    verdict::TrendPoint,
};

const W: f64 = 560.0;
const H: f64 = 180.0;
const PAD_L: f64 = 48.0;
const PAD_R: f64 = 12.0;
const PAD_T: f64 = 12.0;
const PAD_B: f64 = 36.0;

/// Percent metrics read as percent; costs and ratios as plain numbers (the currency of a
/// cost metric is that of the costs entered).
fn unit_of(kpi: &Kpi) -> Unit {
    if kpi.metric.is_percent() {
        Unit::Percent
    } else {
        Unit::Ratio
    }
}

#[component]
pub fn TrendChart(kpi: Kpi, points: Vec<TrendPoint>) -> impl IntoView {
    let unit = unit_of(&kpi);
    let values: Vec<f64> = points
        .iter()
        .filter_map(|p| p.value.as_ref().ok().copied())
        .collect();
    let max = values
        .iter()
        .copied()
        .fold(kpi.threshold, f64::max)
        .max(f64::EPSILON)
        * 1.15;
    let n = points.len().max(1);
    let x = move |i: usize| PAD_L + (W - PAD_L - PAD_R) * (i as f64 + 0.5) / n as f64;
    let y = move |v: f64| PAD_T + (H - PAD_T - PAD_B) * (1.0 - v / max);
    // Consecutive points with data are joined; a gap ("not enough data") breaks the line.
    let mut segments: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, p) in points.iter().enumerate() {
        match &p.value {
            Ok(v) => {
                let cmd = if current.is_empty() { 'M' } else { 'L' };
                current.push_str(&format!("{cmd}{:.1},{:.1} ", x(i), y(*v)));
            }
            Err(_) => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    let ty = y(kpi.threshold);
    let summary = tf(
        "{0} ({1}) in {2}, campaign over campaign; threshold {3}.",
        &[
            &kpi.metric.name(lang()),
            &kpi.metric.formula_in(lang()),
            &kpi.market,
            &format_value_in(kpi.threshold, unit, lang()),
        ],
    );
    let dots: Vec<_> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let label: String = p.campaign.chars().take(14).collect();
            match &p.value {
                Ok(v) => view! {
                    <circle cx=format!("{:.1}", x(i)) cy=format!("{:.1}", y(*v)) r="4" class="dot"/>
                    // Each point says its value, so the chart is read without the table.
                    <text x=format!("{:.1}", x(i)) y=format!("{:.1}", (y(*v) - 9.0).max(PAD_T + 2.0)) class="value" text-anchor="middle"
                        data-testid="trend-value">{format_value_in(*v, unit, lang())}</text>
                    <text x=format!("{:.1}", x(i)) y=format!("{:.1}", H - 14.0) class="axis" text-anchor="middle">{label}</text>
                }
                .into_any(),
                Err(_) => view! {
                    <text x=format!("{:.1}", x(i)) y=format!("{:.1}", H - PAD_B - 4.0) class="gap" text-anchor="middle">{t("no data")}</text>
                    <text x=format!("{:.1}", x(i)) y=format!("{:.1}", H - 14.0) class="axis" text-anchor="middle">{label}</text>
                }
                .into_any(),
            }
        })
        .collect();
    let rows: Vec<_> = points
        .iter()
        .map(|p| {
            let value = match &p.value {
                Ok(v) => format_value_in(*v, unit, lang()),
                Err(e) => e.describe(lang()),
            };
            view! { <tr><td>{p.campaign.clone()}</td><td>{value}</td></tr> }
        })
        .collect();
    view! {
        <figure class="trend" data-testid="trend-chart">
            // Never drawn narrower than legible: on a phone the chart scrolls sideways.
            <div class="trend-scroll" tabindex="0" role="group" aria-label=summary.clone()>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary.clone() preserveAspectRatio="xMidYMid meet">
                <title>{summary.clone()}</title>
                <line x1=PAD_L y1=PAD_T x2=PAD_L y2=H - PAD_B class="axis-line"/>
                <line x1=PAD_L y1=H - PAD_B x2=W - PAD_R y2=H - PAD_B class="axis-line"/>
                <line x1=PAD_L y1=format!("{ty:.1}") x2=W - PAD_R y2=format!("{ty:.1}") class="threshold" data-testid="threshold-line"/>
                <text x=PAD_L - 4.0 y=format!("{:.1}", ty + 4.0) class="axis" text-anchor="end">{format_value_in(kpi.threshold, unit, lang())}</text>
                {segments.into_iter().map(|d| view! { <path d=d class="series"/> }).collect_view()}
                {dots}
            </svg>
            </div>
            <figcaption class="muted">{summary}</figcaption>
            <table class="sr-only">
                <caption>{tf("{0} per campaign in {1}", &[&kpi.metric.name(lang()), &kpi.market])}</caption>
                <thead><tr><th scope="col">{t("Campaign")}</th><th scope="col">{t("Value")}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
}
