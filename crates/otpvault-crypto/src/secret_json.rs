//! JSON documents that carry secrets: the import files read as JSON, the Aegis export and the
//! backup's contents. A [`SecretJson`] wipes every string in its tree (and every object key) when
//! it is dropped, and writes its text through a buffer that wipes each smaller copy it leaves
//! behind as it grows: serde_json's own `Value` and `to_string` give that memory back to the
//! allocator with the secrets still in it (the memcheck crate's import/export test finds them).

use std::ops::{Deref, DerefMut};

use serde_json::Value;
use zeroize::{Zeroize, Zeroizing};

/// A JSON tree whose strings are wiped on drop.
pub struct SecretJson(Value);

impl SecretJson {
    /// Wraps a tree built in memory (`json!`).
    pub fn new(value: Value) -> Self {
        SecretJson(value)
    }

    /// Parses JSON text.
    pub fn parse(text: impl AsRef<[u8]>) -> serde_json::Result<Self> {
        serde_json::from_slice(text.as_ref()).map(SecretJson)
    }

    /// The compact JSON text.
    pub fn text(&self) -> serde_json::Result<Zeroizing<String>> {
        let mut out = WipingBuffer::default();
        serde_json::to_writer(&mut out, &self.0)?;
        out.into_string()
    }

    /// The JSON text indented for people.
    pub fn pretty(&self) -> serde_json::Result<Zeroizing<String>> {
        let mut out = WipingBuffer::default();
        serde_json::to_writer_pretty(&mut out, &self.0)?;
        out.into_string()
    }
}

impl Deref for SecretJson {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.0
    }
}

impl DerefMut for SecretJson {
    fn deref_mut(&mut self) -> &mut Value {
        &mut self.0
    }
}

impl Drop for SecretJson {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Wipes every string of `value` (object keys too). Numbers are left: no format stores a secret
/// as a JSON number.
fn wipe(value: &mut Value) {
    match value {
        Value::String(text) => text.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => {
            for (mut key, mut item) in std::mem::take(map) {
                key.zeroize();
                wipe(&mut item);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A byte buffer that grows by copying into a larger allocation and wiping the old one (a `Vec`
/// left to grow by itself frees its old blocks as they were). Write into it with `io::Write`.
#[derive(Default)]
pub struct WipingBuffer(Zeroizing<Vec<u8>>);

impl WipingBuffer {
    /// The bytes written so far.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Nothing written yet.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bytes written, wiped when dropped.
    pub fn into_bytes(mut self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(std::mem::take(&mut *self.0))
    }

    fn into_string(mut self) -> serde_json::Result<Zeroizing<String>> {
        let bytes = std::mem::take(&mut *self.0);
        String::from_utf8(bytes).map(Zeroizing::new).map_err(|err| {
            err.into_bytes().zeroize();
            serde_json::Error::io(std::io::Error::from(std::io::ErrorKind::InvalidData))
        })
    }
}

impl std::io::Write for WipingBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let needed = self.0.len() + data.len();
        if needed > self.0.capacity() {
            let mut grown = Vec::with_capacity(needed.max(self.0.capacity() * 2).max(256));
            grown.extend_from_slice(&self.0);
            // Zeroizing wipes the old allocation (its whole capacity) as it is replaced.
            self.0 = Zeroizing::new(grown);
        }
        self.0.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

    use super::*;

    #[test]
    fn wipe_empties_every_string_and_key_and_keeps_the_rest() {
        let mut value = serde_json::json!({
            "secret": "JBSWY3DPEHPK3PXP",
            "list": ["a", {"nested": "b"}, 7, true, null],
        });
        wipe(&mut value);
        assert_eq!(value, serde_json::json!({}));
        let mut list = serde_json::json!(["JBSWY3DPEHPK3PXP", 30, ["x"], false]);
        wipe(&mut list);
        assert_eq!(list, serde_json::json!(["", 30, [""], false]));
    }

    #[test]
    fn text_is_what_serde_json_writes_at_every_size() {
        for n in [0usize, 1, 100, 5_000] {
            let value = serde_json::json!({"items": vec!["ß€ secret"; n], "n": n});
            let doc = SecretJson::new(value.clone());
            assert_eq!(doc.text().unwrap().as_str(), value.to_string());
            assert_eq!(
                doc.pretty().unwrap().as_str(),
                serde_json::to_string_pretty(&value).unwrap()
            );
        }
    }
}
