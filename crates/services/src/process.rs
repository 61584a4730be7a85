//! What a server costs the machine, read from Linux's `/proc`: memory and CPU time of a
//! process together with its children (PostgreSQL runs one process per connection).

/// Memory and CPU time of a process tree at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// Proportional set size summed over the processes, KiB: shared memory (PostgreSQL's
    /// shared buffers, the binary's pages) counts once in all, not once per process as the
    /// resident set size would.
    pub pss_kib: u64,
    /// User + system CPU time used so far, seconds, including children that have exited.
    pub cpu_seconds: f64,
}

/// `pid` and its living children. Unreadable processes (gone meanwhile) count as zero.
pub fn tree_usage(pid: u32) -> Usage {
    let mut usage = Usage {
        pss_kib: pss_kib(pid).unwrap_or(0),
        cpu_seconds: cpu_ticks(pid, true).unwrap_or(0) as f64 / TICKS_PER_SECOND,
    };
    for child in children(pid) {
        usage.pss_kib += pss_kib(child).unwrap_or(0);
        usage.cpu_seconds += cpu_ticks(child, false).unwrap_or(0) as f64 / TICKS_PER_SECOND;
    }
    usage
}

/// Linux reports CPU times in USER_HZ, which is 100 on every architecture it exposes.
const TICKS_PER_SECOND: f64 = 100.0;

/// `Pss` from `/proc/<pid>/smaps_rollup`, KiB.
fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The fields of `/proc/<pid>/stat` after the command name (which may hold spaces).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    Some(after.split_whitespace().map(str::to_owned).collect())
}

/// utime + stime (fields 14 and 15 of the line), and with `waited` the exited children's
/// cutime + cstime (16 and 17): a PostgreSQL backend that ends moves its time there.
fn cpu_ticks(pid: u32, waited: bool) -> Option<u64> {
    let fields = stat_fields(pid)?;
    let field = |n: usize| fields.get(n)?.parse::<u64>().ok();
    let own = field(11)? + field(12)?;
    Some(if waited {
        own + field(13)? + field(14)?
    } else {
        own
    })
}

/// The processes whose parent is `pid` (field 4 of the line, 2 after the name).
fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&candidate| {
            stat_fields(candidate)
                .and_then(|f| f.get(1)?.parse::<u32>().ok())
                .is_some_and(|parent| parent == pid)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_memory_and_has_spent_cpu() {
        // Spend a little CPU so the figure cannot be zero at 10 ms resolution.
        let mut x = 0u64;
        let began = std::time::Instant::now();
        while began.elapsed() < std::time::Duration::from_millis(30) {
            x = x.wrapping_mul(31).wrapping_add(7);
        }
        std::hint::black_box(x);
        let usage = tree_usage(std::process::id());
        assert!(usage.pss_kib > 0, "{usage:?}");
        assert!(usage.cpu_seconds > 0.0, "{usage:?}");
    }

    #[test]
    fn a_child_process_is_counted_with_its_parent() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep starts");
        let found = children(std::process::id()).contains(&child.id());
        let _ = child.kill();
        let _ = child.wait();
        assert!(found);
    }
}
