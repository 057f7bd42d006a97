//! Android's preferences XML (`shared_prefs/*.xml` from a rooted phone): a `<map>` of
//! `<string name="…">text</string>` elements beside `<long>`, `<boolean>`… ones. Several apps keep
//! their tokens in one (Authy, FreeOTP, Battle.net, TOTP Authenticator); this reads the strings,
//! into zeroizing buffers (they hold secrets).

use zeroize::Zeroizing;

/// Replaces XML's character references and the five predefined entities (into a zeroizing
/// buffer sized once: the text holds secrets).
pub(super) fn xml_unescape(text: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let end = tail.find(';').filter(|e| *e <= 10)?;
        let entity = &tail[..end];
        let c = match entity {
            "quot" => '"',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse().ok()?
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Every `<string name="…">…</string>` of Android preferences XML: (name, unescaped text).
pub(super) fn string_elements(text: &str) -> Option<Vec<(Zeroizing<String>, Zeroizing<String>)>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("<string") {
        let element = &rest[at + "<string".len()..];
        let open_end = element.find('>')?;
        let open = &element[..open_end];
        let name_at = open.find("name=")? + "name=".len();
        let quote = open[name_at..].chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let name_text = &open[name_at + 1..];
        let name = xml_unescape(&name_text[..name_text.find(quote)?])?;
        if open.ends_with('/') {
            out.push((name, Zeroizing::new(String::new())));
            rest = &element[open_end + 1..];
            continue;
        }
        let body = &element[open_end + 1..];
        let close = body.find("</string>")?;
        out.push((name, xml_unescape(&body[..close])?));
        rest = &body[close + "</string>".len()..];
        super::check_entries(out.len()).ok()?;
    }
    Some(out)
}
