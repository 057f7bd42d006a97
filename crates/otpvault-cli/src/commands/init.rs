//! `otpvault init`: create the vault with a new 5-digit PIN.

use otpvault_core::{CreateOptions, Vault};

use crate::args::PolicyArg;
use crate::context::Context;
use crate::failure::{Failure, Outcome};
use crate::render::Report;

pub fn run(ctx: &Context, policy: PolicyArg, kdf_iterations: Option<u32>) -> Outcome<Report> {
    if ctx.vault_path.exists() {
        return Err(Failure::invalid(format!(
            "a vault already exists at {} — use it, or choose another file with --vault",
            ctx.vault_path.display()
        )));
    }
    ctx.create_vault_dir()?;
    let pin = ctx.pins.new_pin()?;
    let policy = policy.into();
    let mut options = CreateOptions::new(policy);
    options.kdf_iterations = kdf_iterations;
    let vault = Vault::create(&ctx.vault_path, &pin, options)?;
    Ok(Report::Created {
        path: ctx.vault_path.clone(),
        kdf_iterations: vault.status().kdf_iterations,
        policy,
    })
}
