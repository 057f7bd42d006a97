//! HMAC with the key schedule done once: the "keyed state" kept per token.
//!
//! HMAC(K, m) = H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). The first compression of each hash only
//! depends on the key, so it is run once when the token is loaded and the two chaining states are
//! kept (zeroized on drop). An OTP message is an 8-byte counter, so each code then costs exactly
//! two compressions — one for the inner hash, one for the outer — which is the floor for HMAC.
//!
//! The padding is written by hand here because the message length is fixed; a property test checks
//! every algorithm against the `hmac` crate for keys of every length, including keys longer than a
//! block (which HMAC first hashes).

use sha1::Digest;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::otp::Algorithm;

const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];
const SHA512_IV: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// Inner and outer chaining states after absorbing `K ⊕ ipad` and `K ⊕ opad`.
///
/// Every variant fills the same 128 bytes (`fill` is zeros): moving a `Pads` copies its whole
/// size, so the bytes a smaller variant left unused would carry whatever its source slot held
/// before (such as another token's SHA-512 state) into the heap, where no wipe reaches them. The
/// memcheck crate's import/export test caught one in a freed session.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
enum Pads {
    Sha1 {
        inner: [u32; 5],
        outer: [u32; 5],
        fill: [u32; 22],
    },
    Sha256 {
        inner: [u32; 8],
        outer: [u32; 8],
        fill: [u32; 16],
    },
    Sha512 {
        inner: [u64; 8],
        outer: [u64; 8],
    },
}

/// A precomputed HMAC key for 8-byte messages. Zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct KeyedHmac {
    pads: Pads,
}

/// Builds the ipad and opad blocks for a key, hashing it first when longer than a block.
fn pad_blocks<const B: usize>(key: &[u8], hash: impl Fn(&[u8]) -> Vec<u8>) -> ([u8; B], [u8; B]) {
    let mut block = [0u8; B];
    if key.len() > B {
        let mut digest = hash(key);
        block[..digest.len()].copy_from_slice(&digest);
        digest.zeroize();
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut ipad = [0x36u8; B];
    let mut opad = [0x5cu8; B];
    for i in 0..B {
        ipad[i] ^= block[i];
        opad[i] ^= block[i];
    }
    block.zeroize();
    (ipad, opad)
}

/// The key schedule of a 32-bit-word hash: the chaining states after `K ⊕ ipad` and `K ⊕ opad`.
fn schedule_32<const N: usize>(
    key: &[u8],
    iv: [u32; N],
    compress: fn(&mut [u32; N], &[[u8; 64]]),
    hash: impl Fn(&[u8]) -> Vec<u8>,
) -> ([u32; N], [u32; N]) {
    let (mut ipad, mut opad) = pad_blocks::<64>(key, hash);
    let (mut inner, mut outer) = (iv, iv);
    compress(&mut inner, std::slice::from_ref(&ipad));
    compress(&mut outer, std::slice::from_ref(&opad));
    ipad.zeroize();
    opad.zeroize();
    (inner, outer)
}

fn sha1_compress(state: &mut [u32; 5], blocks: &[[u8; 64]]) {
    sha1::block_api::compress(state, blocks);
}

fn sha256_compress(state: &mut [u32; 8], blocks: &[[u8; 64]]) {
    sha2::block_api::compress256(state, blocks);
}

/// Runs one final block of a 32-bit-word hash (SHA-1, SHA-256): `data` after one absorbed key block.
#[inline(always)]
fn finish_32<const N: usize>(
    mut state: [u32; N],
    data: &[u8],
    compress: fn(&mut [u32; N], &[[u8; 64]]),
) -> [u32; N] {
    let mut block = [0u8; 64];
    block[..data.len()].copy_from_slice(data);
    block[data.len()] = 0x80;
    let bit_len = ((64 + data.len()) as u64) * 8;
    block[56..].copy_from_slice(&bit_len.to_be_bytes());
    compress(&mut state, std::slice::from_ref(&block));
    state
}

/// The same for SHA-512 (128-byte blocks, 64-bit words, 128-bit length field).
#[inline(always)]
fn finish_512(mut state: [u64; 8], data: &[u8]) -> [u64; 8] {
    let mut block = [0u8; 128];
    block[..data.len()].copy_from_slice(data);
    block[data.len()] = 0x80;
    let bit_len = ((128 + data.len()) as u128) * 8;
    block[112..].copy_from_slice(&bit_len.to_be_bytes());
    sha2::block_api::compress512(&mut state, std::slice::from_ref(&block));
    state
}

/// The first `N` words of a state as big-endian bytes (the digest of SHA-1 / SHA-256).
#[inline(always)]
fn digest_32<const N: usize>(state: &[u32; N]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state.iter()) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn digest_64(state: &[u64; 8]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (chunk, word) in out.chunks_exact_mut(8).zip(state.iter()) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// RFC 4226 dynamic truncation read straight from the digest words (no byte round trip): the
/// offset is the low nibble of the digest's last byte, the value the 31 bits at that offset.
#[inline(always)]
fn truncate_32<const N: usize>(digest: &[u32; N]) -> u32 {
    let offset = (digest[N - 1] & 0x0f) as usize;
    let (word, shift) = (offset / 4, offset % 4);
    let pair = (u64::from(digest[word]) << 32) | u64::from(digest[word + 1]);
    ((pair >> (32 - 8 * shift)) as u32) & 0x7fff_ffff
}

#[inline(always)]
fn truncate_64(digest: &[u64; 8]) -> u32 {
    let offset = (digest[7] & 0x0f) as usize;
    let (word, shift) = (offset / 8, offset % 8);
    let pair = (u128::from(digest[word]) << 64) | u128::from(digest[word + 1]);
    ((pair >> (96 - 8 * shift)) as u32) & 0x7fff_ffff
}

impl KeyedHmac {
    /// Runs the key schedule for `algorithm` (two compressions, done once per token).
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        let pads = match algorithm {
            Algorithm::Sha1 => {
                let (inner, outer) = schedule_32(key, SHA1_IV, sha1_compress, |k| {
                    sha1::Sha1::digest(k).to_vec()
                });
                Pads::Sha1 {
                    inner,
                    outer,
                    fill: [0; 22],
                }
            }
            Algorithm::Sha256 => {
                let (inner, outer) = schedule_32(key, SHA256_IV, sha256_compress, |k| {
                    sha2::Sha256::digest(k).to_vec()
                });
                Pads::Sha256 {
                    inner,
                    outer,
                    fill: [0; 16],
                }
            }
            Algorithm::Sha512 => {
                let (mut ipad, mut opad) =
                    pad_blocks::<128>(key, |k| sha2::Sha512::digest(k).to_vec());
                let mut inner = SHA512_IV;
                sha2::block_api::compress512(&mut inner, std::slice::from_ref(&ipad));
                let mut outer = SHA512_IV;
                sha2::block_api::compress512(&mut outer, std::slice::from_ref(&opad));
                ipad.zeroize();
                opad.zeroize();
                Pads::Sha512 { inner, outer }
            }
        };
        Self { pads }
    }

    /// The RFC 4226 truncated 31-bit value of HMAC(counter): exactly two compressions.
    pub(crate) fn truncated(&self, counter: u64) -> u32 {
        let message = counter.to_be_bytes();
        match &self.pads {
            Pads::Sha1 { inner, outer, .. } => {
                let inner_digest = digest_32(&finish_32(*inner, &message, sha1_compress));
                truncate_32(&finish_32(*outer, &inner_digest[..20], sha1_compress))
            }
            Pads::Sha256 { inner, outer, .. } => {
                let inner_digest = digest_32(&finish_32(*inner, &message, sha256_compress));
                truncate_32(&finish_32(*outer, &inner_digest, sha256_compress))
            }
            Pads::Sha512 { inner, outer } => {
                let inner_digest = digest_64(&finish_512(*inner, &message));
                truncate_64(&finish_512(*outer, &inner_digest))
            }
        }
    }

    /// The inner and outer chaining states as they lie in memory (native-endian words): what a
    /// memory-hygiene test searches freed blocks for.
    #[cfg(feature = "test-support")]
    pub(crate) fn state_bytes(&self) -> [Vec<u8>; 2] {
        // Sized up front: a buffer that grew would free smaller copies of the state, which a
        // later allocation could carry into a block the memory test scans.
        fn words32(words: &[u32]) -> Vec<u8> {
            let mut out = Vec::with_capacity(words.len() * 4);
            words.iter().for_each(|w| out.extend(w.to_ne_bytes()));
            out
        }
        fn words64(words: &[u64]) -> Vec<u8> {
            let mut out = Vec::with_capacity(words.len() * 8);
            words.iter().for_each(|w| out.extend(w.to_ne_bytes()));
            out
        }
        match &self.pads {
            Pads::Sha1 { inner, outer, .. } => [words32(inner), words32(outer)],
            Pads::Sha256 { inner, outer, .. } => [words32(inner), words32(outer)],
            Pads::Sha512 { inner, outer } => [words64(inner), words64(outer)],
        }
    }

    /// The full HMAC of an 8-byte message, for checking this module against the `hmac` crate.
    #[cfg(test)]
    fn mac(&self, message: &[u8; 8]) -> Vec<u8> {
        match &self.pads {
            Pads::Sha1 { inner, outer, .. } => {
                let inner_digest = digest_32(&finish_32(*inner, message, sha1_compress));
                digest_32(&finish_32(*outer, &inner_digest[..20], sha1_compress))[..20].to_vec()
            }
            Pads::Sha256 { inner, outer, .. } => {
                let inner_digest = digest_32(&finish_32(*inner, message, sha256_compress));
                digest_32(&finish_32(*outer, &inner_digest, sha256_compress)).to_vec()
            }
            Pads::Sha512 { inner, outer } => {
                let inner_digest = digest_64(&finish_512(*inner, message));
                digest_64(&finish_512(*outer, &inner_digest)).to_vec()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, KeyInit, Mac as _};
    use proptest::prelude::*;

    use super::*;

    fn reference(algorithm: Algorithm, key: &[u8], message: &[u8; 8]) -> Vec<u8> {
        match algorithm {
            Algorithm::Sha1 => {
                let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
                m.update(message);
                m.finalize().into_bytes().to_vec()
            }
            Algorithm::Sha256 => {
                let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
                m.update(message);
                m.finalize().into_bytes().to_vec()
            }
            Algorithm::Sha512 => {
                let mut m = Hmac::<sha2::Sha512>::new_from_slice(key).unwrap();
                m.update(message);
                m.finalize().into_bytes().to_vec()
            }
        }
    }

    /// RFC 4226 §5.3 on bytes, as the RFC writes it.
    fn reference_truncate(mac: &[u8]) -> u32 {
        let offset = usize::from(mac[mac.len() - 1] & 0x0f);
        u32::from_be_bytes([
            mac[offset] & 0x7f,
            mac[offset + 1],
            mac[offset + 2],
            mac[offset + 3],
        ])
    }

    proptest! {
        #[test]
        fn matches_the_hmac_crate(
            key in proptest::collection::vec(any::<u8>(), 0..300),
            counter in any::<u64>(),
            which in 0usize..3,
        ) {
            let algorithm = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512][which];
            let message = counter.to_be_bytes();
            let fast = KeyedHmac::new(algorithm, &key).mac(&message);
            let expected = reference(algorithm, &key, &message);
            prop_assert_eq!(&fast, &expected);
            prop_assert_eq!(KeyedHmac::new(algorithm, &key).truncated(counter), reference_truncate(&expected));
        }
    }

    #[test]
    fn block_boundary_key_lengths() {
        for len in [0, 1, 63, 64, 65, 127, 128, 129, 200] {
            let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
            for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
                let message = 0x0102_0304_0506_0708u64.to_be_bytes();
                assert_eq!(
                    KeyedHmac::new(algorithm, &key).mac(&message),
                    reference(algorithm, &key, &message),
                    "{algorithm:?} key length {len}"
                );
            }
        }
    }
}
