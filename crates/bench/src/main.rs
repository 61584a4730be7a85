//! `tandem-bench trace` writes the large-document trace; `tandem-bench native` replays it
//! natively and times apply, save and load, and a keystroke through Tandem's domain on
//! the resulting document. `bench/large-doc.mjs` runs both and the JavaScript side.

use std::{
    fs,
    path::PathBuf,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, anyhow, bail};
use automerge::{AutoCommit, LoadOptions, TextEncoding};
use serde_json::json;
use tandem_bench::{
    replay,
    trace::{self, Config, Trace},
};
use tandem_domain::{
    document::{PartnershipDoc, Prose},
    partnership::Partnership,
    quarter::QuarterId,
};

const USAGE: &str = "usage:
  tandem-bench trace --out FILE [--seed N] [--typed CHARS] [--field-edits N] [--keystrokes-per-change N]
  tandem-bench native --trace FILE [--save FILE] [--json FILE] [--keystrokes N]
  tandem-bench keystrokes --doc FILE [--keystrokes N]   (for profiling: perf record …)";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| -> Option<&str> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let number = |name: &str, default: usize| -> Result<usize> {
        flag(name).map_or(Ok(default), |v| {
            v.parse().with_context(|| format!("{name} {v}"))
        })
    };
    match args.first().map(String::as_str) {
        Some("trace") => {
            let out = PathBuf::from(flag("--out").ok_or_else(|| anyhow!(USAGE))?);
            let defaults = Config::default();
            let config = Config {
                seed: number("--seed", defaults.seed as usize)? as u64,
                typed: number("--typed", defaults.typed)?,
                field_edits: number("--field-edits", defaults.field_edits)?,
                keystrokes_per_change: number(
                    "--keystrokes-per-change",
                    defaults.keystrokes_per_change,
                )?,
            };
            let trace = trace::generate(config)?;
            if let Some(dir) = out.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::write(&out, serde_json::to_vec(&trace.to_json())?)?;
            println!(
                "trace: {} changes, {} characters typed, {} field edits, {} characters at the end → {}",
                trace.changes.len(),
                trace.typed_units(),
                trace.field_edits(),
                trace.final_units(),
                out.display()
            );
            Ok(())
        }
        Some("native") => {
            let path = flag("--trace").ok_or_else(|| anyhow!(USAGE))?;
            let trace = Trace::from_json(&serde_json::from_slice(&fs::read(path)?)?)?;
            let keystrokes = number("--keystrokes", 200)?;
            native(
                &trace,
                flag("--save").map(PathBuf::from),
                flag("--json").map(PathBuf::from),
                keystrokes,
            )
        }
        Some("keystrokes") => {
            let path = flag("--doc").ok_or_else(|| anyhow!(USAGE))?;
            let bytes = fs::read(path)?;
            let mut doc = PartnershipDoc::load([bytes.as_slice()])
                .map_err(|e| anyhow!("not a partnership: {e}"))?;
            let (samples, increment) =
                keystrokes_through_domain(&mut doc, number("--keystrokes", 200)?)?;
            println!(
                "keystroke through the domain: {:.2} ms mean, {} ms p99, {increment:.0} bytes an increment",
                samples.iter().sum::<f64>() / samples.len().max(1) as f64,
                percentile(&samples, 99.0)
            );
            Ok(())
        }
        _ => bail!(USAGE),
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

/// Keystrokes as Tandem makes them: a domain command through `PartnershipDoc::change`
/// (hydrate, edit, reconcile, commit) appending to the 2027-Q1 theme. Returns the sorted
/// times (ms) and the mean size of the increment a save appends after each.
fn keystrokes_through_domain(doc: &mut PartnershipDoc, n: usize) -> Result<(Vec<f64>, f64)> {
    let q: QuarterId = "2027-Q1".parse().map_err(|_| anyhow!("quarter"))?;
    let mut samples = Vec::with_capacity(n);
    let mut increment_bytes = 0;
    for i in 0..n {
        let heads = doc.heads();
        let started = Instant::now();
        doc.change(
            1_900_000_000_000 + i as i64,
            "changed the 2027-Q1 theme and objectives",
            |p| {
                let text = format!("{}x", p.quarter(q)?.theme.as_str());
                p.set_theme(q, &text)
            },
        )?;
        samples.push(ms(started.elapsed()));
        increment_bytes += doc.save_after(&heads).len();
    }
    samples.sort_by(f64::total_cmp);
    Ok((samples, increment_bytes as f64 / n.max(1) as f64))
}

/// Keystrokes as the roadmap's text fields make them: `PartnershipDoc::set_prose` (one
/// splice into the text object, nothing else read). Returns the sorted times (ms).
fn keystrokes_as_prose(doc: &mut PartnershipDoc, n: usize) -> Result<Vec<f64>> {
    let q: QuarterId = "2027-Q1".parse().map_err(|_| anyhow!("quarter"))?;
    let mut text = doc
        .partnership()
        .map_err(|e| anyhow!("{e}"))?
        .quarter(q)?
        .theme
        .as_str()
        .to_owned();
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        text.push('y');
        let started = Instant::now();
        doc.set_prose(
            1_900_000_100_000 + i as i64,
            "changed the 2027-Q1 theme and objectives",
            Prose::Theme(q),
            &text,
        )?;
        samples.push(ms(started.elapsed()));
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples)
}

/// What one received sync message costs on this document, once two replicas are in sync:
/// one side makes an edit, the message goes across, the reply comes back; the time of
/// each `receive_sync_message` (median over `rounds` keystrokes, both directions).
fn sync_receive(bytes: &[u8], rounds: usize) -> Result<f64> {
    use automerge::{
        sync::{Message, State, SyncDoc},
        transaction::Transactable,
    };
    let options = || LoadOptions::new().text_encoding(TextEncoding::Utf8CodeUnit);
    let mut a = AutoCommit::load_with_options(bytes, options())?;
    let mut b = AutoCommit::load_with_options(bytes, options())?;
    let (mut sa, mut sb) = (State::new(), State::new());
    let mut samples = Vec::new();
    let exchange = |from: &mut AutoCommit,
                    fs: &mut State,
                    to: &mut AutoCommit,
                    ts: &mut State,
                    samples: &mut Vec<f64>|
     -> Result<bool> {
        let Some(msg) = from.sync().generate_sync_message(fs) else {
            return Ok(false);
        };
        let msg = Message::decode(&msg.encode())?;
        let started = Instant::now();
        to.sync().receive_sync_message(ts, msg)?;
        samples.push(ms(started.elapsed()));
        Ok(true)
    };
    // In sync first (the first rounds walk everything: not what is measured).
    for _ in 0..10 {
        let x = exchange(&mut a, &mut sa, &mut b, &mut sb, &mut Vec::new())?;
        let y = exchange(&mut b, &mut sb, &mut a, &mut sa, &mut Vec::new())?;
        if !x && !y {
            break;
        }
    }
    for i in 0..rounds {
        a.put(automerge::ROOT, "bench-sync", i as i64)?;
        a.commit();
        for _ in 0..4 {
            let x = exchange(&mut a, &mut sa, &mut b, &mut sb, &mut samples)?;
            let y = exchange(&mut b, &mut sb, &mut a, &mut sa, &mut samples)?;
            if !x && !y {
                break;
            }
        }
    }
    if a.get_heads() != b.get_heads() {
        return Err(anyhow!("the two replicas did not converge"));
    }
    Ok(median(samples))
}

fn native(
    trace: &Trace,
    save: Option<PathBuf>,
    json_out: Option<PathBuf>,
    keystrokes: usize,
) -> Result<()> {
    // Apply: every change of the trace, from the base document.
    let mut doc = replay::open_base(trace)?;
    let started = Instant::now();
    replay::apply(&mut doc, trace)?;
    let apply = started.elapsed();
    replay::verify(&doc, trace)?;
    let heads: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();

    // Save: a full, compressed snapshot (median of 5).
    let mut bytes = Vec::new();
    let save_ms = median(
        (0..5)
            .map(|_| {
                let started = Instant::now();
                bytes = doc.save();
                ms(started.elapsed())
            })
            .collect(),
    );

    // Load: the Automerge document alone, then as Tandem opens it (load, check the
    // schema, hydrate the whole partnership).
    let load_ms = median(
        (0..5)
            .map(|_| {
                let started = Instant::now();
                let options = LoadOptions::new().text_encoding(TextEncoding::Utf8CodeUnit);
                let loaded = AutoCommit::load_with_options(&bytes, options);
                let elapsed = started.elapsed();
                assert!(loaded.is_ok(), "the saved document loads");
                ms(elapsed)
            })
            .collect(),
    );
    let open_ms = median(
        (0..3)
            .map(|_| {
                let started = Instant::now();
                let opened = PartnershipDoc::load([bytes.as_slice()]);
                let elapsed = started.elapsed();
                assert!(opened.is_ok(), "the saved document opens as a partnership");
                ms(elapsed)
            })
            .collect(),
    );
    let mut partnership = PartnershipDoc::load([bytes.as_slice()])
        .map_err(|e| anyhow!("the replayed document is not a partnership: {e}"))?;
    let hydrate_ms = median(
        (0..5)
            .map(|_| {
                let started = Instant::now();
                // Hydrated afresh (`partnership()` would return its remembered copy).
                let hydrated: Result<Partnership, _> =
                    autosurgeon::hydrate(partnership.automerge());
                let elapsed = started.elapsed();
                assert!(hydrated.is_ok(), "hydrates");
                ms(elapsed)
            })
            .collect(),
    );

    let sync_receive_ms = sync_receive(&bytes, 50)?;
    let (samples, increment_bytes) = keystrokes_through_domain(&mut partnership, keystrokes)?;
    let prose = keystrokes_as_prose(&mut partnership, keystrokes)?;
    let prose_mean = prose.iter().sum::<f64>() / prose.len().max(1) as f64;
    let keystroke_mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;

    if let Some(path) = &save {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(path, &bytes)?;
    }
    let result = json!({
        "implementation": "Tandem: automerge 0.12 (Rust, native, release)",
        "changes": trace.changes.len(),
        "typed_chars": trace.typed_units(),
        "field_edits": trace.field_edits(),
        "final_chars": trace.final_units(),
        "apply_ms": ms(apply),
        "save_ms": save_ms,
        "load_ms": load_ms,
        "open_partnership_ms": open_ms,
        "hydrate_ms": hydrate_ms,
        "saved_bytes": bytes.len(),
        "heads": heads,
        "keystrokes": keystrokes,
        "keystroke_mean_ms": (keystroke_mean * 100.0).round() / 100.0,
        "keystroke_p99_ms": percentile(&samples, 99.0),
        "prose_keystroke_mean_ms": (prose_mean * 1000.0).round() / 1000.0,
        "prose_keystroke_p99_ms": percentile(&prose, 99.0),
        "keystroke_increment_bytes": increment_bytes,
        "sync_receive_ms": sync_receive_ms,
    });
    println!(
        "native: apply {} ms, save {save_ms} ms, load {load_ms} ms, open as a partnership {open_ms} ms (hydrate {hydrate_ms} ms), {} bytes; keystroke through the domain {:.2} ms mean, {} ms p99, {:.0} bytes an increment; as prose (set_prose) {prose_mean:.3} ms mean; a sync message received {sync_receive_ms} ms (median)",
        ms(apply),
        bytes.len(),
        keystroke_mean,
        percentile(&samples, 99.0),
        increment_bytes,
    );
    if let Some(path) = json_out {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(path, serde_json::to_vec_pretty(&result)?)?;
    }
    Ok(())
}
