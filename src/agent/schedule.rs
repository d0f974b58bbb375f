//! When the next periodic Inform is due (TR-181 Device.ManagementServer.
//! PeriodicInformInterval / PeriodicInformTime).
//!
//! PeriodicInformTime only sets the phase: every periodic Inform happens at
//! that reference time plus or minus a whole number of intervals, and the
//! reference may lie arbitrarily far in the past or the future. Without a
//! reference (the Unknown Time 0001-01-01T00:00:00Z, or no clock), the
//! interval simply counts from the last periodic Inform.

/// Seconds since the Unix epoch of the first periodic Inform strictly after
/// `now`. `last` is when the previous periodic Inform (or the agent start)
/// happened, used only when there is no `phase` reference.
pub fn next_periodic_inform(now: i64, last: i64, interval_secs: u32, phase: Option<i64>) -> i64 {
    let interval = i64::from(interval_secs.max(1));
    match phase {
        Some(reference) => {
            // Smallest reference + j·interval (j any integer) that is > now.
            let offset = (now - reference).rem_euclid(interval);
            now - offset + interval
        }
        None => {
            let due = last.saturating_add(interval);
            if due > now {
                due
            } else {
                // Missed while asleep or busy: go now-ish, then keep the beat.
                now + (interval - (now - last).rem_euclid(interval))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_to_a_reference_in_the_past() {
        // Reference at 1000, interval 600: informs at ..., 1600, 2200, 2800.
        assert_eq!(next_periodic_inform(2000, 0, 600, Some(1000)), 2200);
        assert_eq!(next_periodic_inform(2200, 0, 600, Some(1000)), 2800);
        assert_eq!(next_periodic_inform(2199, 0, 600, Some(1000)), 2200);
    }

    #[test]
    fn aligned_to_a_reference_in_the_future() {
        // A reference far ahead still only fixes the phase.
        assert_eq!(next_periodic_inform(100, 0, 60, Some(10_000)), 160);
        assert_eq!(next_periodic_inform(-5, 0, 60, Some(10_000)), 40);
    }

    #[test]
    fn without_reference_counts_from_the_last_inform() {
        assert_eq!(next_periodic_inform(1000, 1000, 600, None), 1600);
        assert_eq!(next_periodic_inform(1599, 1000, 600, None), 1600);
        // Late by 50 s: the next one comes at the next beat, not in a burst.
        assert_eq!(next_periodic_inform(1650, 1000, 600, None), 2200);
    }

    #[test]
    fn zero_interval_is_treated_as_one_second() {
        assert_eq!(next_periodic_inform(10, 10, 0, None), 11);
    }
}
