//! `platen token user|app`: development tokens signed by the built-in issuer.

use crate::cli::{TokenCommand, TokenCommon};
use platen_auth::{DevClaims, DevIssuer, PRINTER_ADMINISTRATOR_ROLE};
use std::time::Duration;

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

fn mint(common: &TokenCommon, claims: DevClaims) -> anyhow::Result<()> {
    let issuer = DevIssuer::load_or_create(&common.data_dir)?;
    let token = issuer.mint_shifted(
        &DevClaims {
            audience: common.audience.clone(),
            ..claims
        },
        Duration::from_secs(common.expires_in),
        common.issued_at_offset,
    )?;
    println!("{token}");
    Ok(())
}

pub fn run(cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::User(u) => {
            let scopes = words(&u.scopes);
            anyhow::ensure!(
                !scopes.is_empty(),
                "--scopes must name at least one delegated permission"
            );
            mint(
                &u.common,
                DevClaims {
                    tenant_id: u.tenant,
                    object_id: u.user,
                    upn: u.upn,
                    name: u.name,
                    app_id: u.app,
                    app_display_name: None,
                    scopes,
                    roles: vec![],
                    directory_roles: if u.admin {
                        vec![PRINTER_ADMINISTRATOR_ROLE.to_string()]
                    } else {
                        vec![]
                    },
                    groups: words(&u.groups),
                    audience: String::new(),
                },
            )
        }
        TokenCommand::App(a) => {
            let roles = words(&a.roles);
            anyhow::ensure!(
                !roles.is_empty(),
                "--roles must name at least one application permission"
            );
            mint(
                &a.common,
                DevClaims {
                    tenant_id: a.tenant,
                    // Empty: the dev issuer derives the service principal's id from tenant and app.
                    object_id: a.service_principal.unwrap_or_default(),
                    upn: None,
                    name: None,
                    app_id: Some(a.app),
                    app_display_name: a.name,
                    scopes: vec![],
                    roles,
                    directory_roles: vec![],
                    groups: vec![],
                    audience: String::new(),
                },
            )
        }
    }
}
