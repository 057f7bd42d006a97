//! CPace on ristretto255 with SHA-512 (draft-irtf-cfrg-cpace-21, initiator-responder mode).
//!
//! Written here on `curve25519-dalek` and `sha2` rather than taken from a crate: the published
//! CPace crates implement older drafts (a different generator string and ISK transcript, so
//! their keys do not match the current test vectors) or have not been reviewed; the group
//! operations themselves — the part that is hard to get right — come from dalek. The test
//! vectors of the draft's appendix B.3 are in `tests/vectors/cpace-ristretto255.json`.
//!
//! - `generator_string = lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid)`, hashed with SHA-512
//!   to 64 bytes and mapped with ristretto255's element derivation ("from uniform bytes").
//! - `Y = y·g`, encoded; `K = y·decode(X)`, refused when `X` does not decode or `K` is the identity.
//! - `ISK = SHA-512(lv_cat(DSI‖"_ISK", sid, K) ‖ lv_cat(Ya, ADa) ‖ lv_cat(Yb, ADb))`.
//! - Key confirmation (§10.4): `mac_key = SHA-512("CPaceMac" ‖ sid ‖ ISK)`,
//!   `Ta = HMAC-SHA-512(mac_key, lv_cat(Ya, ADa))`, `Tb = HMAC-SHA-512(mac_key, lv_cat(Yb, ADb))`.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

pub use otpvault_crypto::encoding::leb128;

/// The domain-separation identifier of the ristretto255 cipher suite.
pub const DSI: &[u8] = b"CPaceRistretto255";
/// SHA-512's input block size (`H.s_in_bytes`).
const S_IN_BYTES: usize = 128;
/// Length of an encoded group element.
pub const POINT_LEN: usize = 32;
/// Length of the ISK and of a confirmation tag (SHA-512 output).
pub const ISK_LEN: usize = 64;

/// Appends `data` with its length prepended as LEB128 (the draft's `prepend_len`).
pub fn prepend_len(out: &mut Vec<u8>, data: &[u8]) {
    leb128(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// The draft's `lv_cat`: every part with its length prepended.
pub fn lv_cat(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 2).sum());
    for part in parts {
        prepend_len(&mut out, part);
    }
    out
}

fn prepended_len(data: &[u8]) -> usize {
    let mut length = data.len();
    let mut n = 1;
    while length >= 0x80 {
        length >>= 7;
        n += 1;
    }
    n + data.len()
}

/// The generator string for `PRS`, `CI` and `sid` (zeroizing: it holds the password).
pub fn generator_string(prs: &[u8], ci: &[u8], sid: &[u8]) -> Zeroizing<Vec<u8>> {
    let len_zpad = S_IN_BYTES.saturating_sub(prepended_len(prs) + prepended_len(DSI) + 1);
    let zeros = vec![0u8; len_zpad];
    Zeroizing::new(lv_cat(&[DSI, prs, &zeros, ci, sid]))
}

/// The secret generator `g` derived from the password: SHA-512 of the generator string mapped
/// to the group.
pub fn calculate_generator(prs: &[u8], ci: &[u8], sid: &[u8]) -> RistrettoPoint {
    let mut hash = Zeroizing::new([0u8; 64]);
    hash.copy_from_slice(&Sha512::digest(generator_string(prs, ci, sid).as_slice()));
    RistrettoPoint::from_uniform_bytes(&hash)
}

/// A secret scalar from 32 random bytes, as the draft recommends: the bits above the 252nd
/// cleared, read little-endian.
pub fn sample_scalar(mut random: [u8; 32]) -> Zeroizing<Scalar> {
    random[31] &= 0x0f;
    let scalar = Zeroizing::new(Scalar::from_bytes_mod_order(random));
    random.zeroize();
    scalar
}

/// `G.scalar_mult(y, g)`: the public share `Y`, encoded.
pub fn scalar_mult(y: &Scalar, g: &RistrettoPoint) -> [u8; POINT_LEN] {
    (g * y).compress().to_bytes()
}

/// `G.scalar_mult_vfy(y, X)`: `K = y·decode(X)`, or `None` (the draft's `G.I`: abort) when `X` is
/// not the canonical encoding of a group element or the result is the identity.
pub fn scalar_mult_vfy(y: &Scalar, x: &[u8]) -> Option<Zeroizing<[u8; POINT_LEN]>> {
    let bytes: [u8; POINT_LEN] = x.try_into().ok()?;
    let point = CompressedRistretto(bytes).decompress()?;
    let k = point * y;
    if k.is_identity() {
        return None;
    }
    Some(Zeroizing::new(k.compress().to_bytes()))
}

/// The intermediate session key of the initiator-responder transcript.
pub fn isk(
    sid: &[u8],
    k: &[u8],
    ya: &[u8],
    ada: &[u8],
    yb: &[u8],
    adb: &[u8],
) -> Zeroizing<[u8; ISK_LEN]> {
    let dsi_isk = [DSI, b"_ISK"].concat();
    let mut hash = Sha512::new();
    let mut prefix = Zeroizing::new(lv_cat(&[&dsi_isk, sid, k]));
    hash.update(prefix.as_slice());
    prefix.zeroize();
    hash.update(lv_cat(&[ya, ada]));
    hash.update(lv_cat(&[yb, adb]));
    let mut out = Zeroizing::new([0u8; ISK_LEN]);
    out.copy_from_slice(&hash.finalize());
    out
}

/// The key-confirmation MAC key: `SHA-512("CPaceMac" ‖ sid ‖ ISK)`.
pub fn mac_key(sid: &[u8], isk: &[u8]) -> Zeroizing<[u8; ISK_LEN]> {
    let mut hash = Sha512::new();
    hash.update(b"CPaceMac");
    hash.update(sid);
    hash.update(isk);
    let mut out = Zeroizing::new([0u8; ISK_LEN]);
    out.copy_from_slice(&hash.finalize());
    out
}

/// A confirmation tag over one party's message: `HMAC-SHA-512(mac_key, lv_cat(Y, AD))`.
pub fn tag(mac_key: &[u8], y: &[u8], ad: &[u8]) -> [u8; ISK_LEN] {
    let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(mac_key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(&lv_cat(&[y, ad]));
    let mut out = [0u8; ISK_LEN];
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// Constant-time comparison of a received tag with the expected one.
pub fn tag_matches(expected: &[u8], received: &[u8]) -> bool {
    expected.ct_eq(received).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn prepend_len_matches_the_draft() {
        let mut out = Vec::new();
        prepend_len(&mut out, b"1234");
        assert_eq!(hex(&out), "0431323334");
        let long: Vec<u8> = (0..128u8).collect();
        let mut out = Vec::new();
        prepend_len(&mut out, &long);
        assert_eq!(&out[..3], &[0x80, 0x01, 0x00]);
        assert_eq!(prepended_len(&long), out.len());
        assert_eq!(
            hex(&lv_cat(&[b"1234", b"5", b"", b"6789"])),
            "04313233340135000436373839"
        );
    }
}
