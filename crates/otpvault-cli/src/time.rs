//! Times as users type them for `--at` / `--now`: a Unix time (`1700000000` or `@1700000000`, as
//! `date +%s` and GNU date print them) or an ISO-8601 / RFC 3339 time (`2023-11-14T22:13:20Z`,
//! `2023-11-14 22:13:20 UTC`, `2023-11-14T23:13:20+01:00`, `2023-11-14`: midnight UTC). A time
//! without a zone is UTC (a code must not depend on the machine's time zone).

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian; Howard Hinnant's method).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn number(text: &str, digits: usize) -> Option<u32> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Parses a time for `--at`; `None` when it is neither form.
pub fn parse_time(text: &str) -> Option<u64> {
    let text = text.trim();
    let unix = text.strip_prefix('@').unwrap_or(text);
    if !unix.is_empty() && unix.bytes().all(|b| b.is_ascii_digit()) {
        return unix.parse().ok();
    }
    let (date, rest) = text.split_at(text.len().min(10));
    let mut parts = date.split('-');
    let year = i64::from(number(parts.next()?, 4)?);
    let month = number(parts.next()?, 2)?;
    let day = number(parts.next()?, 2)?;
    if parts.next().is_some()
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
    {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    let rest = rest.trim_start_matches(['T', 't', ' ']);
    let (clock, zone) = match rest.find(['Z', 'z', '+', '-', ' ']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if !clock.is_empty() {
        let mut fields = clock.split(':');
        let hour = number(fields.next()?, 2)?;
        let minute = number(fields.next()?, 2)?;
        let second = match fields.next() {
            // Fractions of a second are dropped.
            Some(s) => number(s.split('.').next()?, 2)?,
            None => 0,
        };
        if fields.next().is_some() || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        seconds += i64::from(hour * 3600 + minute * 60 + second);
    }
    let zone = zone.trim();
    let offset = match zone {
        "" | "Z" | "z" | "UTC" | "GMT" => 0,
        _ => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
            let hours = number(digits.get(..2)?, 2)?;
            let minutes = match digits.get(2..) {
                Some("") | None => 0,
                Some(m) => number(m, 2)?,
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * i64::from(hours * 3600 + minutes * 60)
        }
    };
    u64::try_from(seconds - offset).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_and_iso_times() {
        assert_eq!(parse_time("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_time("@59"), Some(59));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Some(1_700_000_000));
        assert_eq!(parse_time("2023-11-14 22:13:20 UTC"), Some(1_700_000_000));
        assert_eq!(parse_time("2023-11-14T23:13:20+01:00"), Some(1_700_000_000));
        assert_eq!(parse_time("2023-11-14T17:13:20-0500"), Some(1_700_000_000));
        assert_eq!(parse_time("2023-11-14T22:13:20.75Z"), Some(1_700_000_000));
        assert_eq!(parse_time("1970-01-01"), Some(0));
        // RFC 6238 Appendix B times.
        assert_eq!(parse_time("2005-03-18 01:58:29 UTC"), Some(1_111_111_109));
        assert_eq!(parse_time("2603-10-11 11:33:20 UTC"), Some(20_000_000_000));
        assert_eq!(parse_time("2024-02-29"), Some(1_709_164_800));
        for bad in [
            "",
            "yesterday",
            "2023-02-29",
            "2023-13-01",
            "2023-11-14T25:00",
            "@-5",
            "2023-11-14T10:00+25:00",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
