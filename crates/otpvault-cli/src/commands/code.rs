//! `otpvault code [QUERY]` and `otpvault next QUERY`: the current codes of the selected tokens.
//!
//! Selection never burns an HOTP code by accident: a number that is a token's id selects exactly
//! that token; otherwise the query selects the tokens whose issuer or account contains it
//! (case-insensitive). An HOTP code is drawn only when exactly one HOTP token is selected by
//! `code`, or by `next`; every other HOTP row is listed as "press to generate" without touching
//! its counter. `code` with no query lists every token, HOTP ones included.

use otpvault_core::{OtpKind, TokenInfo};

use crate::context::{Context, now};
use crate::failure::{Failure, Outcome};
use crate::render::{CodeRow, Report, RowCode};

/// The tokens `query` selects: an exact id first, else a case-insensitive name match.
pub fn select(tokens: Vec<TokenInfo>, query: Option<&str>) -> Vec<TokenInfo> {
    let Some(query) = query else {
        return tokens;
    };
    if let Ok(id) = query.trim().parse::<i64>()
        && tokens.iter().any(|t| t.id == id)
    {
        return tokens.into_iter().filter(|t| t.id == id).collect();
    }
    let q = query.to_lowercase();
    tokens
        .into_iter()
        .filter(|t| t.issuer.to_lowercase().contains(&q) || t.account.to_lowercase().contains(&q))
        .collect()
}

fn is_hotp(token: &TokenInfo) -> bool {
    matches!(token.kind, OtpKind::Hotp { .. })
}

/// `otpvault code [QUERY]`.
pub fn run(ctx: &Context, query: Option<&str>, at: Option<u64>) -> Outcome<Report> {
    let access = ctx.access()?;
    let all = access.list()?;
    if all.is_empty() {
        return Ok(Report::Codes(Vec::new()));
    }
    let selected = select(all, query);
    if selected.is_empty() {
        return Err(Failure::invalid(
            "no token matches (give its id, or part of its issuer or account name)",
        ));
    }
    let draw_hotp = query.is_some() && selected.len() == 1;
    let unix = at.unwrap_or_else(now);
    let mut rows = Vec::with_capacity(selected.len());
    for token in selected {
        let code = match token.kind {
            OtpKind::Hotp { .. } if draw_hotp => {
                let (value, counter) = access.next_hotp(token.id)?;
                RowCode::Hotp { value, counter }
            }
            OtpKind::Hotp { counter } => RowCode::HotpPending { counter },
            _ => RowCode::Totp(access.code(token.id, unix)?),
        };
        rows.push(CodeRow { token, code });
    }
    Ok(Report::Codes(rows))
}

/// `otpvault next QUERY`: draws the next code of exactly one HOTP token.
pub fn next(ctx: &Context, query: &str) -> Outcome<Report> {
    let access = ctx.access()?;
    let selected: Vec<TokenInfo> = select(access.list()?, Some(query))
        .into_iter()
        .filter(is_hotp)
        .collect();
    match selected.len() {
        0 => Err(Failure::invalid("no HOTP token matches")),
        1 => {
            let token = selected
                .into_iter()
                .next()
                .ok_or_else(|| Failure::invalid("no HOTP token matches"))?;
            let (value, counter) = access.next_hotp(token.id)?;
            Ok(Report::Codes(vec![CodeRow {
                token,
                code: RowCode::Hotp { value, counter },
            }]))
        }
        n => Err(Failure::invalid(format!(
            "{n} HOTP tokens match: give the id of one (otpvault list shows them); no counter was advanced"
        ))),
    }
}
