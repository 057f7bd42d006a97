//! `otpvault code [QUERY]`: the current codes of the matching tokens.

use otpvault_core::{OtpKind, TokenInfo};

use crate::context::{Context, now};
use crate::failure::{Failure, Outcome};
use crate::render::{CodeRow, Report, RowCode};

fn matches_query(t: &TokenInfo, query: &str) -> bool {
    if query.parse::<i64>().is_ok_and(|id| id == t.id) {
        return true;
    }
    let q = query.to_lowercase();
    t.issuer.to_lowercase().contains(&q) || t.account.to_lowercase().contains(&q)
}

pub fn run(ctx: &Context, query: Option<&str>, at: Option<u64>) -> Outcome<Report> {
    let access = ctx.access()?;
    let tokens = access.list()?;
    let selected: Vec<TokenInfo> = tokens
        .into_iter()
        .filter(|t| query.is_none_or(|q| matches_query(t, q)))
        .collect();
    if selected.is_empty() {
        return Err(Failure::invalid("no token matches"));
    }
    let unix = at.unwrap_or_else(now);
    let mut rows = Vec::new();
    for token in selected {
        let code = match token.kind {
            OtpKind::Hotp { .. } if query.is_some() => {
                let (value, counter) = access.next_hotp(token.id)?;
                RowCode::Hotp { value, counter }
            }
            OtpKind::Hotp { .. } => continue,
            _ => RowCode::Totp(access.code(token.id, unix)?),
        };
        rows.push(CodeRow { token, code });
    }
    Ok(Report::Codes(rows))
}
