#!/usr/bin/env python3
"""Writes dictionaries.txt: the ranked word lists of the backup passphrase estimator.

The lists are the frequency lists that zxcvbn publishes (MIT licence; common passwords from
leaked sets, English Wikipedia, US TV and film, US census names and surnames), taken from the
`zxcvbn` package on PyPI, so that the estimator in `src/strength.rs` and the estimator it is
tested against rank the same words. Nothing else is taken from that package: the matching and
scoring in `strength.rs` are written here.

Format (read by `strength.rs`), made to deflate well (the build script deflates it): the lists
are merged (zxcvbn's lists never repeat a word) and the words grouped by rank into buckets that
grow by half each time (bucket b holds ranks in [1.5^b, 1.5^(b+1)); the estimator counts a word at
its bucket's geometric middle, within 23 % of its rank). Each bucket starts with a line
`%P B`, P = 1 for common passwords and 0 for other words, B the bucket; then its words in
alphabetical order, each as a digit (how many leading characters it shares with the word before,
at most 9) and the rest of the word. Words of one letter or with characters outside printable
ASCII are left out. Run from anywhere:

    python3 crates/otpvault-transfer/data/generate.py
"""
import importlib
import math
import os
import subprocess
import sys
import tempfile

ORDER = ["passwords", "english_wikipedia", "female_names", "surnames", "us_tv_and_film",
         "male_names"]
# The most frequent entries of each list: the whole of every list, except the long tails of the
# English and TV lists (rarer words there rank above 10^4, where a word alone is already refused
# and a phrase of two such words is accepted by both estimators anyway).
KEEP = {"passwords": 30000, "english_wikipedia": 30000, "female_names": 3712, "surnames": 10000,
        "us_tv_and_film": 19160, "male_names": 983}
VERSION = "4.5.0"
# Rank buckets grow by this factor (strength.rs: RANK_BUCKET_RATIO).
RATIO = 1.5


def frequency_lists():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                               "--target", tmp, f"zxcvbn=={VERSION}"])
        sys.path.insert(0, tmp)
        module = importlib.import_module("zxcvbn.frequency_lists")
        return {name: list(words) for name, words in module.FREQUENCY_LISTS.items()}


def main():
    lists = frequency_lists()
    buckets = {}
    best = {}
    for name in ORDER:
        for rank, word in enumerate(lists[name][:KEEP[name]], 1):
            word = word.lower()
            if len(word) > 1 and all(0x21 <= ord(c) < 0x7f for c in word):
                key = (1 if name == "passwords" else 0, int(math.log(rank) / math.log(RATIO)))
                if word not in best or key[1] < best[word][1]:
                    best[word] = key
    for word, key in best.items():
        buckets.setdefault(key, []).append(word)
    out = []
    for key in sorted(buckets):
        out.append(f"%{key[0]} {key[1]}")
        previous = ""
        for word in sorted(buckets[key]):
            shared = 0
            while shared < min(len(previous), len(word), 9) and previous[shared] == word[shared]:
                shared += 1
            out.append(f"{shared}{word[shared:]}")
            previous = word
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dictionaries.txt")
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("\n".join(out) + "\n")
    print(f"{path}: {len(best)} words in {len(buckets)} buckets")


if __name__ == "__main__":
    main()
