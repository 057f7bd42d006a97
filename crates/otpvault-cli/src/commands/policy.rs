//! `otpvault policy POLICY`: when the PIN is asked.

use otpvault_core::Pin;

use crate::args::PolicyArg;
use crate::context::Context;
use crate::failure::Outcome;
use crate::render::Report;

pub fn run(ctx: &Context, policy: Option<PolicyArg>) -> Outcome<Report> {
    let Some(policy) = policy else {
        // No argument: show the policy (it is sealed, so this needs the PIN or the agent).
        return Ok(Report::Policy(ctx.access()?.policy()?));
    };
    let vault = ctx.open()?;
    let pin = Pin::new(&ctx.ask_pin(&vault, "PIN: ")?)?;
    vault.set_policy(&pin, policy.into())?;
    Ok(Report::Policy(policy.into()))
}
