//! The passphrase estimator against zxcvbn itself (a dev-dependency only: the library does not
//! link it). Over more than a thousand generated passphrases of every kind people choose (common
//! passwords and their variations, words, names, phrases, keyboard walks, sequences, repeats,
//! dates, random strings), the accept/refuse verdicts at score 3 must agree at least 95 % of the
//! time, and no passphrase that zxcvbn scores 0 or 1 may be accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use otpvault_transfer::backup::MIN_PASSPHRASE_SCORE;
use otpvault_transfer::strength::estimate;

const DICTIONARIES: &str = include_str!("../data/dictionaries.txt");

/// A small deterministic generator (SplitMix64), so every run checks the same passphrases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The common passwords (`passwords`) or every other word, most common first (the lists'
/// rank buckets in order; alphabetical within a bucket).
fn list(passwords: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut wanted = false;
    let mut previous = String::new();
    for line in DICTIONARIES.lines() {
        if let Some(header) = line.strip_prefix('%') {
            wanted = header.starts_with('1') == passwords;
            previous.clear();
            continue;
        }
        let shared = line[..1].parse::<usize>().unwrap();
        previous.truncate(shared);
        previous.push_str(&line[1..]);
        if wanted {
            out.push(previous.clone());
        }
    }
    out
}

/// Words weighted towards the common end of a ranked list, as people choose them.
fn common<'a>(rng: &mut Rng, words: &[&'a str]) -> &'a str {
    let limit = [100, 1_000, 10_000, words.len()][rng.below(4)].min(words.len());
    words[rng.below(limit)]
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn l33t(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'a' => '@',
            'e' => '3',
            'i' => '1',
            'o' => '0',
            's' => '$',
            't' => '7',
            c => c,
        })
        .collect()
}

fn random_string(rng: &mut Rng, alphabet: &str, len: usize) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    (0..len).map(|_| chars[rng.below(chars.len())]).collect()
}

fn passphrases() -> Vec<(String, Vec<String>)> {
    let mut rng = Rng(0x0717_2026);
    let passwords = list(true);
    let words = list(false);
    let passwords: Vec<&str> = passwords.iter().map(String::as_str).collect();
    let english: Vec<&str> = words.iter().map(String::as_str).collect();
    // Names, surnames and film words are in the same merged list; the test draws from the whole.
    let (names, surnames, tv) = (english.clone(), english.clone(), english.clone());
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut push = |p: String| out.push((p, Vec::new()));
    for _ in 0..150 {
        push(common(&mut rng, &passwords).to_string());
    }
    for _ in 0..150 {
        let word = common(&mut rng, &passwords);
        let variant = match rng.below(6) {
            0 => capitalise(word),
            1 => format!("{word}{}", rng.below(100)),
            2 => format!("{}{}", capitalise(word), 1950 + rng.below(75)),
            3 => l33t(word),
            4 => word.chars().rev().collect(),
            _ => format!("{word}!"),
        };
        push(variant);
    }
    for _ in 0..100 {
        let source = [&english, &names, &surnames, &tv][rng.below(4)];
        push(common(&mut rng, source).to_string());
    }
    for _ in 0..200 {
        let count = 2 + rng.below(3);
        let separator = rng.pick(&["", " ", "-", ".", "_"]);
        let words: Vec<&str> = (0..count).map(|_| common(&mut rng, &english)).collect();
        let mut phrase = words.join(separator);
        if rng.below(3) == 0 {
            phrase = format!("{}{}", capitalise(&phrase), rng.below(1000));
        }
        push(phrase);
    }
    for _ in 0..50 {
        let words: Vec<&str> = (0..4).map(|_| rng.pick(&english)).collect();
        push(words.join(" "));
    }
    let walks = [
        "qwerty",
        "qwertyuiop",
        "asdfgh",
        "asdfghjkl",
        "zxcvbn",
        "zxcvbnm",
        "1qaz2wsx",
        "qazwsx",
        "!QAZ2wsx",
        "poiuytrewq",
        "mnbvcxz",
        "7894561230",
        "159753",
        "147258369",
        "qwer1234",
        "asdf;lkj",
        "zaq12wsx",
        "1q2w3e4r5t",
        "QWERTY123",
        "wasd",
    ];
    for _ in 0..100 {
        let walk = rng.pick(&walks);
        let variant = match rng.below(4) {
            0 => walk.to_string(),
            1 => format!("{walk}{walk}"),
            2 => format!("{walk}{}", rng.below(10_000)),
            _ => format!("{}{walk}", common(&mut rng, &english)),
        };
        push(variant);
    }
    for _ in 0..100 {
        let p = match rng.below(6) {
            0 => "abcdefghijklmnopqrstuvwxyz"[..3 + rng.below(20)].to_string(),
            1 => "0123456789"[rng.below(3)..4 + rng.below(6)].to_string(),
            2 => rng
                .pick(&["a", "z", "1", "x", "ab", "abc", "123", "hi"])
                .repeat(3 + rng.below(8)),
            3 => format!(
                "{:02}/{:02}/{}",
                1 + rng.below(28),
                1 + rng.below(12),
                1940 + rng.below(85)
            ),
            4 => format!(
                "{:02}{:02}{}",
                1 + rng.below(28),
                1 + rng.below(12),
                1940 + rng.below(85)
            ),
            _ => format!("{}{}", capitalise(rng.pick(&names)), 1940 + rng.below(85)),
        };
        push(p);
    }
    let alphabets = [
        "abcdefghijklmnopqrstuvwxyz",
        "0123456789",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_=+",
    ];
    for _ in 0..200 {
        let alphabet = alphabets[rng.below(alphabets.len())];
        let len = 4 + rng.below(15);
        push(random_string(&mut rng, alphabet, len));
    }
    // The vault's names as words the passphrase must not be built from.
    for _ in 0..60 {
        let issuer = capitalise(common(&mut rng, &tv));
        let account = common(&mut rng, &names).to_string();
        let phrase = match rng.below(3) {
            0 => format!("{}{}", issuer.to_lowercase(), account),
            1 => format!("{account} {} {}", issuer.to_lowercase(), rng.below(100)),
            _ => format!("{}-{}", issuer, common(&mut rng, &english)),
        };
        out.push((phrase, vec![issuer, account]));
    }
    out
}

#[test]
fn verdicts_agree_with_zxcvbn_and_never_accept_what_it_scores_0_or_1() {
    let cases = passphrases();
    assert!(cases.len() >= 1_000, "{} passphrases", cases.len());
    let mut agree = 0;
    let mut ours_only = Vec::new();
    let mut theirs_only = Vec::new();
    let mut dangerous = Vec::new();
    for (phrase, names) in &cases {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let ours = estimate(phrase, &names);
        let theirs = zxcvbn::zxcvbn(phrase, &names);
        let their_score = u8::from(theirs.score());
        let we_accept = ours.score >= MIN_PASSPHRASE_SCORE;
        let they_accept = their_score >= MIN_PASSPHRASE_SCORE;
        if we_accept == they_accept {
            agree += 1;
        } else if we_accept {
            ours_only.push((phrase, ours.guesses_log10, theirs.guesses_log10()));
        } else {
            theirs_only.push((phrase, ours.guesses_log10, theirs.guesses_log10()));
        }
        if we_accept && their_score <= 1 {
            dangerous.push((phrase, ours.guesses_log10, theirs.guesses_log10()));
        }
    }
    let rate = f64::from(agree) / cases.len() as f64;
    println!(
        "strength: {agree} of {} verdicts agree with zxcvbn ({:.1} %); accepted only by us: {}, \
         only by zxcvbn: {}",
        cases.len(),
        rate * 100.0,
        ours_only.len(),
        theirs_only.len()
    );
    for (phrase, ours, theirs) in ours_only.iter().chain(&theirs_only).take(40) {
        println!("  {phrase:?}: ours 10^{ours:.2}, zxcvbn 10^{theirs:.2}");
    }
    assert!(
        dangerous.is_empty(),
        "accepted what zxcvbn scores 0 or 1: {dangerous:?}"
    );
    assert!(rate >= 0.95, "agreement {:.3}", rate);
}
