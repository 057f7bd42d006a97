//! How many guesses a passphrase would take: the check every encrypted export passes first.
//!
//! A compact estimator in the manner of zxcvbn (Wheeler, "zxcvbn: Low-Budget Password Strength
//! Estimation", USENIX Security 2016), written here so that the library does not carry zxcvbn's
//! 2.9 MiB of tables and regex engine. The passphrase is covered by the cheapest sequence of
//! patterns an attacker would try:
//! - **words** from ranked lists (common passwords, English, names, surnames, TV and film; see
//!   `data/generate.py`) and the vault's own names, also reversed, capitalised or in l33t;
//! - **sequences** (`abcd`, `9876`), **repeats** (`aaaa`, `abcabc`), **keyboard walks** (`qwerty`,
//!   `zxcvbn`, `7531` on a keypad), **dates** (`13/05/1987`, `1987`);
//! - anything else is guessed character by character (ten guesses a character, as zxcvbn).
//!
//! A cover of `n` patterns costs `n! × Π guesses + 10000^(n−1)` (an attacker does not know the
//! order or the number of patterns); the cheapest cover is found by dynamic programming over end
//! positions and pattern counts. The score follows zxcvbn's scale: below 10^3 guesses 0, 10^6 1,
//! 10^8 2, 10^10 3, else 4; a backup needs 3 (at least 10^8 guesses).
//!
//! `tests/strength.rs` compares the verdicts with zxcvbn's own over generated passphrases.
//!
//! Nothing here keeps the passphrase: matches hold positions only, and the lowered copies are
//! wiped.

use std::collections::HashMap;
use std::sync::OnceLock;

use zeroize::Zeroizing;

/// The ranked word lists (see `data/generate.py`), deflated by the build script.
const DICTIONARIES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/dictionaries.deflate"));
/// The inflated lists are at most this size (the build script checks it); more is refused.
const DICTIONARIES_MAX: usize = 1 << 20;
/// Only the first this many characters are examined (longer ones are only harder to guess).
const MAX_CHARS: usize = 100;
/// Guesses per character of a part no pattern explains (zxcvbn's brute-force cardinality).
const BRUTEFORCE_CARDINALITY: f64 = 10.0;
/// The least a single-character part of a longer passphrase can cost.
const MIN_GUESSES_SINGLE_CHAR: f64 = 10.0;
/// The least a longer part of a longer passphrase can cost.
const MIN_GUESSES_MULTI_CHAR: f64 = 50.0;
/// The additive penalty per extra pattern in a cover.
const MIN_GUESSES_BEFORE_GROWING_SEQUENCE: f64 = 10_000.0;
/// The year dates are measured from.
const REFERENCE_YEAR: i32 = 2026;
/// The fewest years a date or year pattern counts for.
const MIN_YEAR_SPACE: i32 = 20;

/// The verdict on one passphrase.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The guesses an attacker needs, as a power of ten.
    pub guesses_log10: f64,
    /// zxcvbn's scale: 0 (< 10^3 guesses), 1 (< 10^6), 2 (< 10^8), 3 (< 10^10), 4.
    pub score: u8,
    /// What made it weak, in words for the person (never quoting the passphrase).
    pub hint: Option<&'static str>,
}

/// What a part of the passphrase was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    CommonPassword,
    Word,
    VaultName,
    Sequence,
    Repeat,
    Keyboard,
    Date,
    Bruteforce,
}

#[derive(Debug, Clone, Copy)]
struct Match {
    start: usize,
    end: usize, // inclusive
    guesses: f64,
    pattern: Pattern,
}

/// Estimates `passphrase`; `user_inputs` (the vault's issuers and accounts) count as words an
/// attacker would try first.
pub fn estimate(passphrase: &str, user_inputs: &[&str]) -> Estimate {
    let chars: Zeroizing<Vec<char>> = Zeroizing::new(passphrase.chars().take(MAX_CHARS).collect());
    if chars.is_empty() {
        return Estimate {
            guesses_log10: 0.0,
            score: 0,
            hint: Some(HINT_EMPTY),
        };
    }
    let mut matches = Vec::new();
    dictionary_matches(&chars, user_inputs, &mut matches);
    sequence_matches(&chars, &mut matches);
    repeat_matches(&chars, user_inputs, &mut matches);
    keyboard_matches(&chars, &mut matches);
    date_matches(&chars, &mut matches);
    let (guesses_log10, cover) = cheapest_cover(chars.len(), &mut matches);
    let score = score(guesses_log10);
    let hint = (score < 3).then(|| hint(&cover));
    Estimate {
        guesses_log10,
        score,
        hint,
    }
}

fn score(guesses_log10: f64) -> u8 {
    // zxcvbn adds a delta of 5 guesses to each threshold.
    let guesses = 10f64.powf(guesses_log10);
    match guesses {
        g if g < 1e3 + 5.0 => 0,
        g if g < 1e6 + 5.0 => 1,
        g if g < 1e8 + 5.0 => 2,
        g if g < 1e10 + 5.0 => 3,
        _ => 4,
    }
}

const HINT_EMPTY: &str = "choose a passphrase";
const HINT_COMMON: &str = "this is a commonly used password: add uncommon words";
const HINT_WORD: &str = "words alone are easy to guess: add another word or two, uncommon ones";
const HINT_NAME: &str = "avoid the names of your accounts: add uncommon words";
const HINT_SEQUENCE: &str = "sequences like abc or 6543 are easy to guess";
const HINT_REPEAT: &str = "repeats like aaa or abcabc are easy to guess";
const HINT_KEYBOARD: &str = "keyboard patterns like qwerty are easy to guess";
const HINT_DATE: &str = "dates and years are easy to guess";
const HINT_SHORT: &str = "make it longer: four or five uncommon words";

/// The hint for the pattern that carries the most of the cover (the one that let it down).
fn hint(cover: &[Match]) -> &'static str {
    let longest = cover
        .iter()
        .filter(|m| m.pattern != Pattern::Bruteforce)
        .max_by_key(|m| m.end - m.start);
    match longest.map(|m| m.pattern) {
        Some(Pattern::CommonPassword) => HINT_COMMON,
        Some(Pattern::Word) => HINT_WORD,
        Some(Pattern::VaultName) => HINT_NAME,
        Some(Pattern::Sequence) => HINT_SEQUENCE,
        Some(Pattern::Repeat) => HINT_REPEAT,
        Some(Pattern::Keyboard) => HINT_KEYBOARD,
        Some(Pattern::Date) => HINT_DATE,
        Some(Pattern::Bruteforce) | None => HINT_SHORT,
    }
}

// ---------------------------------------------------------------------------------------------
// Words

/// Ranks are kept in buckets that grow by this factor (`data/generate.py`'s `RATIO`).
const RANK_BUCKET_RATIO: f64 = 1.5;

/// Word → (rank, is it from the common-password list).
fn ranked_words() -> &'static HashMap<String, (u32, bool)> {
    static WORDS: OnceLock<HashMap<String, (u32, bool)>> = OnceLock::new();
    WORDS.get_or_init(|| {
        // Built into the library by build.rs from checked-in text: it inflates, or the build
        // is broken (an empty list would only make the check stricter, never weaker).
        let text =
            miniz_oxide::inflate::decompress_to_vec_with_limit(DICTIONARIES, DICTIONARIES_MAX)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .unwrap_or_default();
        decode_words(&text)
    })
}

/// Reads the bucketed, front-coded lists that `data/generate.py` writes.
fn decode_words(text: &str) -> HashMap<String, (u32, bool)> {
    let mut words = HashMap::with_capacity(100_000);
    let (mut rank, mut passwords) = (1u32, false);
    let mut previous = String::new();
    for line in text.lines() {
        if let Some(header) = line.strip_prefix('%') {
            let mut fields = header.split(' ');
            passwords = fields.next() == Some("1");
            let bucket: i32 = fields.next().and_then(|b| b.parse().ok()).unwrap_or(0);
            // The geometric middle of [ratio^b, ratio^(b+1)).
            rank = RANK_BUCKET_RATIO
                .powf(f64::from(bucket) + 0.5)
                .round()
                .max(1.0) as u32;
            previous.clear();
            continue;
        }
        let Some(shared) = line.chars().next().and_then(|c| c.to_digit(10)) else {
            continue;
        };
        previous.truncate((shared as usize).min(previous.len()));
        previous.push_str(&line[1..]);
        words.insert(previous.clone(), (rank, passwords));
    }
    words
}

/// The letters each l33t character may stand for.
fn unl33t(c: char) -> &'static [char] {
    match c {
        '4' | '@' => &['a'],
        '8' => &['b'],
        '(' | '{' | '[' | '<' => &['c'],
        '3' => &['e'],
        '6' | '9' => &['g'],
        '1' => &['i', 'l'],
        '!' => &['i'],
        '|' => &['i', 'l'],
        '7' => &['l', 't'],
        '0' => &['o'],
        '$' | '5' => &['s'],
        '+' => &['t'],
        '%' => &['x'],
        '2' => &['z'],
        _ => &[],
    }
}

fn binomial(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// How many capitalisations an attacker tries for this part (zxcvbn's uppercase variations).
fn uppercase_variations(word: &[char]) -> f64 {
    let upper = word.iter().filter(|c| c.is_uppercase()).count();
    let lower = word.iter().filter(|c| c.is_lowercase()).count();
    if upper == 0 {
        return 1.0;
    }
    let first_only = word[0].is_uppercase() && upper == 1;
    let last_only = word[word.len() - 1].is_uppercase() && upper == 1;
    if first_only || last_only || lower == 0 {
        return 2.0;
    }
    (1..=upper.min(lower))
        .map(|i| binomial(upper + lower, i))
        .sum::<f64>()
}

/// How many l33t spellings an attacker tries, given the substitutions made (`subs`: for each
/// substituted letter, how many times it was substituted and how many times it was not).
fn l33t_variations(subs: &[(usize, usize)]) -> f64 {
    subs.iter()
        .map(|&(subbed, unsubbed)| {
            if subbed == 0 || unsubbed == 0 {
                2.0
            } else {
                (1..=subbed.min(unsubbed))
                    .map(|i| binomial(subbed + unsubbed, i))
                    .sum()
            }
        })
        .product()
}

fn dictionary_matches(chars: &[char], user_inputs: &[&str], out: &mut Vec<Match>) {
    let words = ranked_words();
    let names: HashMap<String, u32> = user_inputs
        .iter()
        .map(|n| n.to_lowercase())
        .filter(|n| n.chars().count() > 1)
        .enumerate()
        .map(|(i, n)| (n, i as u32 + 1))
        .collect();
    let lower: Zeroizing<Vec<char>> = Zeroizing::new(
        chars
            .iter()
            .map(|c| c.to_lowercase().next().unwrap_or(*c))
            .collect(),
    );
    let n = chars.len();
    let mut candidate = Zeroizing::new(String::new());
    for start in 0..n {
        for end in start + 1..n.min(start + 32) {
            let part = &lower[start..=end];
            let upper = uppercase_variations(&chars[start..=end]);
            for reversed in [false, true] {
                candidate.clear();
                if reversed {
                    candidate.extend(part.iter().rev());
                } else {
                    candidate.extend(part.iter());
                }
                let factor = upper * if reversed { 2.0 } else { 1.0 };
                lookup(&candidate, words, &names, factor, start, end, out);
                if !reversed && part.iter().any(|c| !unl33t(*c).is_empty()) {
                    l33t_lookups(part, words, &names, upper, start, end, out);
                }
            }
        }
    }
}

fn lookup(
    word: &str,
    words: &HashMap<String, (u32, bool)>,
    names: &HashMap<String, u32>,
    factor: f64,
    start: usize,
    end: usize,
    out: &mut Vec<Match>,
) {
    if let Some(&rank) = names.get(word) {
        out.push(Match {
            start,
            end,
            guesses: f64::from(rank) * factor,
            pattern: Pattern::VaultName,
        });
    }
    if let Some(&(rank, password)) = words.get(word) {
        out.push(Match {
            start,
            end,
            guesses: f64::from(rank) * factor,
            pattern: if password {
                Pattern::CommonPassword
            } else {
                Pattern::Word
            },
        });
    }
}

/// Every reading of `part` with its l33t characters turned back into letters (at most 16 per
/// part: a character that stands for two letters doubles them).
fn l33t_lookups(
    part: &[char],
    words: &HashMap<String, (u32, bool)>,
    names: &HashMap<String, u32>,
    upper: f64,
    start: usize,
    end: usize,
    out: &mut Vec<Match>,
) {
    let mut readings: Vec<Zeroizing<Vec<char>>> = vec![Zeroizing::new(Vec::new())];
    for &c in part {
        let options = unl33t(c);
        if options.is_empty() {
            readings.iter_mut().for_each(|r| r.push(c));
            continue;
        }
        let mut next = Vec::new();
        for reading in &readings {
            // A character may also stand for itself (a digit in a word is not always l33t).
            for &o in options.iter().chain(std::iter::once(&c)) {
                if next.len() < 16 {
                    let mut r = reading.clone();
                    r.push(o);
                    next.push(r);
                }
            }
        }
        readings = next;
    }
    let mut text = Zeroizing::new(String::new());
    for reading in readings {
        if reading.as_slice() == part {
            continue;
        }
        text.clear();
        text.extend(reading.iter());
        // For each letter substituted: how many times it was, and how many times it was not.
        let mut subs: Vec<(char, usize, usize)> = Vec::new();
        for (&original, &read) in part.iter().zip(reading.iter()) {
            if original == read {
                continue;
            }
            if !subs.iter().any(|s| s.0 == read) {
                let subbed = part
                    .iter()
                    .zip(reading.iter())
                    .filter(|(o, r)| **r == read && **o != read)
                    .count();
                let unsubbed = part.iter().filter(|o| **o == read).count();
                subs.push((read, subbed, unsubbed));
            }
        }
        let counts: Vec<(usize, usize)> = subs.iter().map(|s| (s.1, s.2)).collect();
        let factor = upper * l33t_variations(&counts);
        lookup(&text, words, names, factor, start, end, out);
    }
}

// ---------------------------------------------------------------------------------------------
// Sequences, repeats, keyboard walks, dates

fn sequence_matches(chars: &[char], out: &mut Vec<Match>) {
    let n = chars.len();
    if n < 3 {
        return;
    }
    let delta = |i: usize| chars[i] as i64 - chars[i - 1] as i64;
    let mut start = 0;
    while start + 2 < n {
        let d = delta(start + 1);
        let mut end = start + 1;
        while end + 1 < n && delta(end + 1) == d {
            end += 1;
        }
        if end - start >= 2 && d != 0 && d.abs() <= 5 && same_class(&chars[start..=end]) {
            let first = chars[start];
            let base = if "aAzZ019".contains(first) {
                4.0
            } else if first.is_ascii_digit() {
                10.0
            } else {
                26.0
            };
            let direction = if d > 0 { 1.0 } else { 2.0 };
            out.push(Match {
                start,
                end,
                guesses: base * direction * (end - start + 1) as f64,
                pattern: Pattern::Sequence,
            });
        }
        start = end;
    }
}

fn same_class(part: &[char]) -> bool {
    part.iter().all(|c| c.is_ascii_lowercase())
        || part.iter().all(|c| c.is_ascii_uppercase())
        || part.iter().all(|c| c.is_ascii_digit())
}

fn repeat_matches(chars: &[char], user_inputs: &[&str], out: &mut Vec<Match>) {
    let n = chars.len();
    for start in 0..n {
        // The shortest unit that repeats from here, at least twice.
        for unit in 1..=(n - start) / 2 {
            let mut count = 1;
            while start + (count + 1) * unit <= n
                && chars[start..start + unit]
                    == chars[start + count * unit..start + (count + 1) * unit]
            {
                count += 1;
            }
            if count < 2 || (unit == 1 && count < 3) {
                continue;
            }
            let text: Zeroizing<String> =
                Zeroizing::new(chars[start..start + unit].iter().collect());
            let base = estimate_part(&text, user_inputs);
            out.push(Match {
                start,
                end: start + count * unit - 1,
                guesses: base * count as f64,
                pattern: Pattern::Repeat,
            });
            break;
        }
    }
}

/// The guesses for a repeated unit on its own.
fn estimate_part(text: &str, user_inputs: &[&str]) -> f64 {
    let chars: Zeroizing<Vec<char>> = Zeroizing::new(text.chars().collect());
    let mut matches = Vec::new();
    dictionary_matches(&chars, user_inputs, &mut matches);
    sequence_matches(&chars, &mut matches);
    keyboard_matches(&chars, &mut matches);
    date_matches(&chars, &mut matches);
    10f64.powf(cheapest_cover(chars.len(), &mut matches).0)
}

/// A keyboard as rows of keys, each key a pair (unshifted, shifted), with each row's offset in
/// half keys (a staggered keyboard) or none (a keypad).
struct Layout {
    rows: &'static [(&'static str, &'static str)],
    staggered: bool,
}

const QWERTY: Layout = Layout {
    rows: &[
        ("`1234567890-=", "~!@#$%^&*()_+"),
        ("qwertyuiop[]\\", "QWERTYUIOP{}|"),
        ("asdfghjkl;'", "ASDFGHJKL:\""),
        ("zxcvbnm,./", "ZXCVBNM<>?"),
    ],
    staggered: true,
};

const KEYPAD: Layout = Layout {
    rows: &[
        (" /*-", " /*-"),
        ("789+", "789+"),
        ("456", "456"),
        ("123", "123"),
        (" 0.", " 0."),
    ],
    staggered: false,
};

/// A layout's keys: char → (x, y, shifted) with x in half-key units.
fn key_positions(layout: &Layout) -> HashMap<char, (i32, i32, bool)> {
    let mut keys = HashMap::new();
    for (y, (plain, shifted)) in layout.rows.iter().enumerate() {
        let offset = if layout.staggered { y as i32 } else { 0 };
        for (x, (p, s)) in plain.chars().zip(shifted.chars()).enumerate() {
            let pos = (2 * x as i32 + offset, y as i32);
            if p != ' ' {
                keys.entry(p).or_insert((pos.0, pos.1, false));
            }
            if s != ' ' && s != p {
                keys.entry(s).or_insert((pos.0, pos.1, true));
            }
        }
    }
    keys
}

/// Two keys touch: on a staggered keyboard, a key's six neighbours; on a keypad, eight.
fn adjacent(a: (i32, i32), b: (i32, i32), staggered: bool) -> Option<u8> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    // The direction (0..8) is what a "turn" changes.
    let direction = match (dx, dy, staggered) {
        (2, 0, _) => 0,
        (-2, 0, _) => 1,
        (1, 1, true) | (0, 1, false) => 2,
        (-1, 1, true) | (-2, 1, false) => 3,
        (1, -1, true) | (0, -1, false) => 4,
        (-1, -1, true) | (2, -1, false) => 5,
        (2, 1, false) => 6,
        (-2, -1, false) => 7,
        _ => return None,
    };
    Some(direction)
}

fn keyboard_matches(chars: &[char], out: &mut Vec<Match>) {
    for (layout, starts, degree) in [(&QWERTY, 94.0, 4.6), (&KEYPAD, 15.0, 5.07)] {
        let keys = key_positions(layout);
        let n = chars.len();
        let mut start = 0;
        while start + 2 < n {
            let mut end = start;
            let mut turns = 0;
            let mut shifted = 0;
            let mut last_direction = None;
            if keys.get(&chars[start]).is_some_and(|k| k.2) {
                shifted += 1;
            }
            while end + 1 < n {
                let (Some(a), Some(b)) = (keys.get(&chars[end]), keys.get(&chars[end + 1])) else {
                    break;
                };
                let Some(direction) = adjacent((a.0, a.1), (b.0, b.1), layout.staggered) else {
                    break;
                };
                if last_direction != Some(direction) {
                    turns += 1;
                    last_direction = Some(direction);
                }
                if b.2 {
                    shifted += 1;
                }
                end += 1;
            }
            let len = end - start + 1;
            if len >= 3 {
                out.push(Match {
                    start,
                    end,
                    guesses: keyboard_guesses(len, turns, shifted, starts, degree),
                    pattern: Pattern::Keyboard,
                });
                start = end;
            } else {
                start += 1;
            }
        }
    }
}

/// zxcvbn's count of keyboard walks of `len` keys with at most `turns` changes of direction.
fn keyboard_guesses(len: usize, turns: usize, shifted: usize, starts: f64, degree: f64) -> f64 {
    let mut guesses = 0.0;
    for i in 2..=len {
        for j in 1..=turns.min(i - 1) {
            guesses += binomial(i - 1, j - 1) * starts * degree.powi(j as i32);
        }
    }
    let unshifted = len - shifted;
    if shifted > 0 {
        guesses *= if unshifted == 0 {
            2.0
        } else {
            (1..=shifted.min(unshifted)).map(|i| binomial(len, i)).sum()
        };
    }
    guesses
}

fn date_matches(chars: &[char], out: &mut Vec<Match>) {
    let n = chars.len();
    let year_guesses = |year: i32| f64::from((year - REFERENCE_YEAR).abs().max(MIN_YEAR_SPACE));
    for start in 0..n {
        // A year alone: 1900–2099.
        if start + 4 <= n {
            let part: String = chars[start..start + 4].iter().collect();
            if let Ok(year) = part.parse::<i32>()
                && (1900..=2099).contains(&year)
                && part.chars().all(|c| c.is_ascii_digit())
            {
                out.push(Match {
                    start,
                    end: start + 3,
                    guesses: year_guesses(year),
                    pattern: Pattern::Date,
                });
            }
        }
        // Day, month and year in some order, 4 to 8 digits, or with one kind of separator.
        for len in 4..=10 {
            if start + len > n {
                break;
            }
            let part = &chars[start..start + len];
            if let Some((year, separator)) = read_date(part) {
                let guesses = year_guesses(year) * 365.0 * if separator { 4.0 } else { 1.0 };
                out.push(Match {
                    start,
                    end: start + len - 1,
                    guesses,
                    pattern: Pattern::Date,
                });
            }
        }
    }
}

/// The year of a plausible date written in `part`, and whether it uses separators.
fn read_date(part: &[char]) -> Option<(i32, bool)> {
    let separators: Vec<char> = part
        .iter()
        .filter(|c| !c.is_ascii_digit())
        .copied()
        .collect();
    let numbers: Vec<String> = if separators.is_empty() {
        Vec::new()
    } else {
        let sep = separators[0];
        if separators.len() != 2 || separators[1] != sep || !" -/\\_.".contains(sep) {
            return None;
        }
        part.iter()
            .collect::<String>()
            .split(sep)
            .map(str::to_string)
            .collect()
    };
    let candidates: Vec<[String; 3]> = if separators.is_empty() {
        if !(4..=8).contains(&part.len()) {
            return None;
        }
        let digits: String = part.iter().collect();
        // Every split into three non-empty runs of at most 4 digits.
        let mut out = Vec::new();
        for i in 1..digits.len() - 1 {
            for j in i + 1..digits.len() {
                let (a, b, c) = (&digits[..i], &digits[i..j], &digits[j..]);
                if a.len() <= 4 && b.len() <= 2 && c.len() <= 4 {
                    out.push([a.to_string(), b.to_string(), c.to_string()]);
                }
            }
        }
        out
    } else {
        let [a, b, c] = <[String; 3]>::try_from(numbers).ok()?;
        vec![[a, b, c]]
    };
    for [a, b, c] in candidates {
        let (Ok(x), Ok(y), Ok(z)) = (a.parse::<i32>(), b.parse::<i32>(), c.parse::<i32>()) else {
            continue;
        };
        let two_digit = |v: i32, s: &str| {
            if s.len() == 2 {
                Some(if v > 50 { 1900 + v } else { 2000 + v })
            } else if s.len() == 4 && (1000..=2050).contains(&v) {
                Some(v)
            } else {
                None
            }
        };
        let day_month = |d: i32, m: i32| (1..=31).contains(&d) && (1..=12).contains(&m);
        // year first or last; day and month either way round.
        if c.len() != 1
            && let Some(year) = two_digit(z, &c)
            && (day_month(x, y) || day_month(y, x))
            && a.len() <= 2
        {
            return Some((year, !separators.is_empty()));
        }
        if a.len() != 1
            && let Some(year) = two_digit(x, &a)
            && (day_month(y, z) || day_month(z, y))
            && c.len() <= 2
        {
            return Some((year, !separators.is_empty()));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The cheapest cover

/// The fewest guesses (log10) that cover `n` characters with the `matches` found, filling the
/// gaps with brute force, and the patterns of that cover.
fn cheapest_cover(n: usize, matches: &mut [Match]) -> (f64, Vec<Match>) {
    // Work in log10 to keep factorials and products finite.
    let min_log = |m: &Match| {
        let min = if m.end - m.start + 1 == n {
            1.0
        } else if m.start == m.end {
            MIN_GUESSES_SINGLE_CHAR
        } else {
            MIN_GUESSES_MULTI_CHAR
        };
        m.guesses.max(min).log10()
    };
    matches.sort_by_key(|m| (m.end, m.start));
    // best[k][l]: the least Σ log10(guesses) of l patterns covering chars[..=k], with the last
    // pattern and the previous end.
    let max_patterns = n;
    let inf = f64::INFINITY;
    let mut best = vec![vec![(inf, None::<Match>, usize::MAX); max_patterns + 1]; n];
    let bruteforce = |start: usize, end: usize| Match {
        start,
        end,
        guesses: BRUTEFORCE_CARDINALITY.powi((end - start + 1) as i32),
        pattern: Pattern::Bruteforce,
    };
    for k in 0..n {
        let mut candidates: Vec<Match> = matches.iter().filter(|m| m.end == k).copied().collect();
        // Brute force from any earlier point to here.
        for start in 0..=k {
            candidates.push(bruteforce(start, k));
        }
        for m in candidates {
            let log = min_log(&m);
            if m.start == 0 {
                if log < best[k][1].0 {
                    best[k][1] = (log, Some(m), usize::MAX);
                }
                continue;
            }
            let prev = m.start - 1;
            for l in 1..max_patterns {
                let (prev_log, ref prev_match, _) = best[prev][l];
                if prev_log.is_infinite() {
                    continue;
                }
                // Two brute-force runs side by side are one run.
                if m.pattern == Pattern::Bruteforce
                    && prev_match.is_some_and(|p| p.pattern == Pattern::Bruteforce)
                {
                    continue;
                }
                let total = prev_log + log;
                if total < best[k][l + 1].0 {
                    best[k][l + 1] = (total, Some(m), prev);
                }
            }
        }
    }
    // Choose the count of patterns that minimises l! × Π + 10000^(l−1).
    let last = n - 1;
    let mut answer = (inf, 0);
    for (l, &(product, _, _)) in best[last].iter().enumerate().skip(1) {
        if product.is_infinite() {
            continue;
        }
        let log_factorial: f64 = (2..=l).map(|i| (i as f64).log10()).sum();
        let a = product + log_factorial;
        let b = (l as f64 - 1.0) * MIN_GUESSES_BEFORE_GROWING_SEQUENCE.log10();
        // log10(10^a + 10^b)
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        let total = hi + (1.0 + 10f64.powf(lo - hi)).log10();
        if total < answer.0 {
            answer = (total, l);
        }
    }
    // Walk back through the chosen cover.
    let mut cover = Vec::new();
    let (mut k, mut l) = (last, answer.1);
    while l > 0 {
        let (_, m, prev) = best[k][l];
        let Some(m) = m else { break };
        cover.push(m);
        if prev == usize::MAX {
            break;
        }
        k = prev;
        l -= 1;
    }
    cover.reverse();
    (answer.0, cover)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score_of(p: &str) -> u8 {
        estimate(p, &[]).score
    }

    #[test]
    fn common_passwords_words_and_patterns_are_weak() {
        for weak in [
            "password",
            "P@ssw0rd",
            "123456789",
            "qwertyuiop",
            "iloveyou",
            "drowssap",
            "abcdefghij",
            "aaaaaaaaaaaa",
            "abcabcabcabc",
            "13/05/1987",
            "zxcvbnm,./",
            "Monkey2024",
        ] {
            assert!(score_of(weak) < 3, "{weak}: {:?}", estimate(weak, &[]));
        }
    }

    #[test]
    fn long_passphrases_and_random_strings_are_strong() {
        for strong in [
            "violin tundra marble compass 1887",
            "correct horse battery staple",
            "correct horse",
            "x7#Kq2!pLw9v",
            "Tr0ub4dor&3 plus some more words",
        ] {
            assert!(
                score_of(strong) >= 3,
                "{strong}: {:?}",
                estimate(strong, &[])
            );
        }
    }

    #[test]
    fn the_vaults_names_count_against_a_passphrase() {
        let phrase = "acmecorpalicewonder";
        assert!(score_of(phrase) >= 3, "{:?}", estimate(phrase, &[]));
        let with_names = estimate(phrase, &["AcmeCorp", "alicewonder"]);
        assert!(with_names.score < 3, "{with_names:?}");
        assert_eq!(with_names.hint, Some(HINT_NAME));
    }

    #[test]
    fn the_hint_names_the_pattern_not_the_passphrase() {
        assert_eq!(estimate("password", &[]).hint, Some(HINT_COMMON));
        assert_eq!(estimate("", &[]).hint, Some(HINT_EMPTY));
        assert_eq!(estimate("qwertyuiop", &[]).hint, Some(HINT_COMMON));
        assert_eq!(estimate("zxcvbnm,./", &[]).hint, Some(HINT_KEYBOARD));
        assert_eq!(estimate("13/05/1987", &[]).hint, Some(HINT_DATE));
        assert_eq!(
            estimate("violin tundra marble compass 1887", &[]).hint,
            None
        );
    }

    #[test]
    fn uppercase_and_l33t_variations_follow_the_counting_rules() {
        assert_eq!(uppercase_variations(&['a', 'b', 'c']), 1.0);
        assert_eq!(uppercase_variations(&['A', 'b', 'c']), 2.0);
        assert_eq!(uppercase_variations(&['A', 'B', 'C']), 2.0);
        // aBcD: 2 upper, 2 lower: C(4,1) + C(4,2) = 10.
        assert_eq!(uppercase_variations(&['a', 'B', 'c', 'D']), 10.0);
        assert_eq!(l33t_variations(&[(1, 0)]), 2.0);
        // Two of four e's substituted: C(4,1) + C(4,2) = 10.
        assert_eq!(l33t_variations(&[(2, 2)]), 10.0);
    }

    #[test]
    fn long_input_is_bounded() {
        let long = "a".repeat(10_000);
        assert!(estimate(&long, &[]).score < 3);
        let random: String = (0..10_000)
            .map(|i| char::from(b'!' + (i * 37 % 90) as u8))
            .collect();
        let _ = estimate(&random, &[]);
    }
}
