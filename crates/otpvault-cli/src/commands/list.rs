//! `otpvault list [--group G]`: the tokens, without codes; `tag`, `note` and `favourite`: what
//! was organised about one of them.

use otpvault_core::{TokenInfo, VaultError};

use crate::access::{Access, DetailsEdit};
use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context, group: Option<&str>) -> Outcome<Report> {
    let mut tokens = ctx.access()?.list()?;
    if let Some(group) = group {
        let group = group.trim().to_lowercase();
        tokens.retain(|t| t.groups.iter().any(|g| g.to_lowercase() == group));
    }
    Ok(Report::Tokens(tokens))
}

fn find(access: &Access, id: i64) -> Outcome<TokenInfo> {
    Ok(access
        .list()?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(VaultError::NotFound)?)
}

/// `tag ID [GROUP…] [--remove]`.
pub fn tag(ctx: &Context, id: i64, groups: &[String], remove: bool) -> Outcome<Report> {
    let access = ctx.access()?;
    let current = find(&access, id)?;
    if groups.is_empty() {
        return Ok(Report::Details(current));
    }
    let wanted: Vec<String> = if remove {
        let gone: Vec<String> = groups.iter().map(|g| g.trim().to_lowercase()).collect();
        current
            .groups
            .into_iter()
            .filter(|g| !gone.contains(&g.to_lowercase()))
            .collect()
    } else {
        current
            .groups
            .into_iter()
            .chain(groups.iter().cloned())
            .collect()
    };
    Ok(Report::Details(
        access.edit_details(id, DetailsEdit::Groups(wanted))?,
    ))
}

/// `note ID [TEXT | --clear]`.
pub fn note(ctx: &Context, id: i64, text: Option<String>) -> Outcome<Report> {
    let access = ctx.access()?;
    Ok(Report::Details(match text {
        Some(text) => access.edit_details(id, DetailsEdit::Note(text))?,
        None => find(&access, id)?,
    }))
}

/// `favourite ID [--off]`.
pub fn favourite(ctx: &Context, id: i64, on: bool) -> Outcome<Report> {
    Ok(Report::Details(
        ctx.access()?.edit_details(id, DetailsEdit::Favourite(on))?,
    ))
}
