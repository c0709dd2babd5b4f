//! Built-in OAuth providers, as data: one row of [`PRESETS`] per provider, with the endpoints,
//! scope, checks and profile mapping of v4's `providers/<name>.ts` (4.24; Bitbucket and the
//! `microsoft-entra-id` name from Auth.js, which v4 lacks).
//!
//! Providers whose endpoints live under a tenant-specific issuer need `issuer` in the
//! configuration (the row's `issuer_hint` says what it looks like):
//! * `auth0`: `https://YOUR_TENANT.auth0.com` (or your custom domain);
//! * `keycloak`: `https://HOST/realms/REALM`;
//! * `okta`: `https://YOUR_ORG.okta.com` (or an authorization server, `…/oauth2/default`);
//! * `azure-ad` / `microsoft-entra-id`: `https://login.microsoftonline.com/TENANT_ID/v2.0`
//!   (`common`/`organizations` tenants answer a `{tenantid}` issuer, which is matched against
//!   the ID token's `tid`).
//!
//! Differences from v4, because a preset here is data and not code:
//! * GitHub's fallback to `/user/emails` is the `emails_url` setting (the primary, verified
//!   address is taken).
//! * Discord's avatar is built from `{id}/{avatar}` (PNG); users without an avatar get none
//!   (v4 computes a default-avatar URL).
//! * Entra ID's profile photo is not fetched from Microsoft Graph (v4 inlines it as a data URI).
//! * Logos are left out: the built-in pages load nothing from other hosts.

use super::oauth::{Check, ClientAuth, OAuthProvider, ProfileMapping, ProviderStyle};
use crate::secret::Secret;

/// One built-in provider.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// Name in the configuration (`preset = "github"`).
    pub name: &'static str,
    /// Default provider id (in URLs: `/callback/<id>`).
    pub id: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// Fixed issuer (discovery, and the `iss` check), if the provider has one.
    pub issuer: Option<&'static str>,
    /// What `issuer` looks like, when the configuration must give it.
    pub issuer_hint: Option<&'static str>,
    /// Authorization endpoint (else discovered).
    pub authorization_url: Option<&'static str>,
    /// Token endpoint (else discovered).
    pub token_url: Option<&'static str>,
    /// Userinfo endpoint (else discovered); may carry a query (`?fields=…`).
    pub userinfo_url: Option<&'static str>,
    /// E-mail list endpoint asked when the profile has no address.
    pub emails_url: Option<&'static str>,
    /// Requested scope.
    pub scope: &'static str,
    /// Extra authorization parameters.
    pub params: &'static [(&'static str, &'static str)],
    /// Checks.
    pub checks: &'static [Check],
    /// Whether the profile is the ID token's claims.
    pub id_token: bool,
    /// Token-endpoint authentication, when not left to discovery.
    pub client_auth: Option<ClientAuth>,
    /// Profile mapping: id, name, email, image (`""` = none).
    pub profile: [&'static str; 4],
    /// Button background and text colours.
    pub style: (&'static str, &'static str),
}

const OIDC: [&str; 4] = ["sub", "name", "email", "picture"];

const ENTRA: Preset = Preset {
    name: "azure-ad",
    id: "azure-ad",
    display_name: "Azure Active Directory",
    issuer: None,
    issuer_hint: Some("https://login.microsoftonline.com/TENANT_ID/v2.0"),
    authorization_url: None,
    token_url: None,
    userinfo_url: None,
    emails_url: None,
    scope: "openid profile email",
    params: &[],
    checks: &[Check::State],
    id_token: true,
    client_auth: None,
    profile: ["sub", "name", "email", ""],
    style: ("#fff", "#0072c6"),
};

/// Every preset.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "github",
        id: "github",
        display_name: "GitHub",
        issuer: Some("https://github.com/login/oauth"),
        issuer_hint: None,
        authorization_url: Some("https://github.com/login/oauth/authorize"),
        token_url: Some("https://github.com/login/oauth/access_token"),
        userinfo_url: Some("https://api.github.com/user"),
        emails_url: Some("https://api.github.com/user/emails"),
        scope: "read:user user:email",
        params: &[],
        checks: &[Check::State],
        id_token: false,
        client_auth: None,
        profile: ["id", "name|login", "email", "avatar_url"],
        style: ("#24292f", "#fff"),
    },
    Preset {
        name: "google",
        id: "google",
        display_name: "Google",
        issuer: Some("https://accounts.google.com"),
        issuer_hint: None,
        authorization_url: None,
        token_url: None,
        userinfo_url: None,
        emails_url: None,
        scope: "openid email profile",
        params: &[],
        checks: &[Check::Pkce, Check::State],
        id_token: true,
        client_auth: None,
        profile: OIDC,
        style: ("#fff", "#000"),
    },
    Preset {
        name: "gitlab",
        id: "gitlab",
        display_name: "GitLab",
        issuer: None,
        issuer_hint: None,
        authorization_url: Some("https://gitlab.com/oauth/authorize"),
        token_url: Some("https://gitlab.com/oauth/token"),
        userinfo_url: Some("https://gitlab.com/api/v4/user"),
        emails_url: None,
        scope: "read_user",
        params: &[],
        checks: &[Check::Pkce, Check::State],
        id_token: false,
        client_auth: None,
        profile: ["id", "name|username", "email", "avatar_url"],
        style: ("#fff", "#FC6D26"),
    },
    Preset {
        name: "discord",
        id: "discord",
        display_name: "Discord",
        issuer: None,
        issuer_hint: None,
        authorization_url: Some("https://discord.com/api/oauth2/authorize"),
        token_url: Some("https://discord.com/api/oauth2/token"),
        userinfo_url: Some("https://discord.com/api/users/@me"),
        emails_url: None,
        scope: "identify email",
        params: &[],
        checks: &[Check::State],
        id_token: false,
        client_auth: None,
        profile: [
            "id",
            "username",
            "email",
            "https://cdn.discordapp.com/avatars/{id}/{avatar}.png",
        ],
        style: ("#fff", "#7289DA"),
    },
    ENTRA,
    Preset {
        name: "microsoft-entra-id",
        id: "microsoft-entra-id",
        display_name: "Microsoft Entra ID",
        ..ENTRA
    },
    Preset {
        name: "apple",
        id: "apple",
        display_name: "Apple",
        issuer: Some("https://appleid.apple.com"),
        issuer_hint: None,
        authorization_url: None,
        token_url: None,
        userinfo_url: None,
        emails_url: None,
        scope: "name email",
        params: &[("response_mode", "form_post")],
        checks: &[Check::Pkce],
        id_token: true,
        client_auth: None,
        profile: ["sub", "name", "email", ""],
        style: ("#000", "#fff"),
    },
    Preset {
        name: "auth0",
        id: "auth0",
        display_name: "Auth0",
        issuer: None,
        issuer_hint: Some("https://YOUR_TENANT.auth0.com"),
        authorization_url: None,
        token_url: None,
        userinfo_url: None,
        emails_url: None,
        scope: "openid email profile",
        params: &[],
        checks: &[Check::Pkce],
        id_token: true,
        client_auth: None,
        profile: ["sub", "nickname", "email", "picture"],
        style: ("#fff", "#EB5424"),
    },
    Preset {
        name: "keycloak",
        id: "keycloak",
        display_name: "Keycloak",
        issuer: None,
        issuer_hint: Some("https://HOST/realms/REALM"),
        authorization_url: None,
        token_url: None,
        userinfo_url: None,
        emails_url: None,
        scope: "openid email profile",
        params: &[],
        checks: &[Check::Pkce, Check::State],
        id_token: true,
        client_auth: None,
        profile: ["sub", "name|preferred_username", "email", "picture"],
        style: ("#fff", "#000"),
    },
    Preset {
        name: "okta",
        id: "okta",
        display_name: "Okta",
        issuer: None,
        issuer_hint: Some("https://YOUR_ORG.okta.com"),
        authorization_url: None,
        token_url: None,
        userinfo_url: None,
        emails_url: None,
        scope: "openid email profile",
        params: &[],
        checks: &[Check::State],
        id_token: true,
        client_auth: None,
        profile: ["sub", "name|preferred_username", "email", "picture"],
        style: ("#fff", "#000"),
    },
    Preset {
        name: "slack",
        id: "slack",
        display_name: "Slack",
        issuer: Some("https://slack.com"),
        issuer_hint: None,
        authorization_url: None,
        token_url: None,
        userinfo_url: None,
        emails_url: None,
        scope: "openid profile email",
        params: &[],
        checks: &[Check::State],
        id_token: true,
        client_auth: None,
        profile: OIDC,
        style: ("#fff", "#000"),
    },
    Preset {
        name: "twitch",
        id: "twitch",
        display_name: "Twitch",
        issuer: Some("https://id.twitch.tv/oauth2"),
        issuer_hint: None,
        authorization_url: None,
        token_url: None,
        userinfo_url: None,
        emails_url: None,
        scope: "openid user:read:email",
        params: &[(
            "claims",
            r#"{"id_token":{"email":null,"picture":null,"preferred_username":null}}"#,
        )],
        checks: &[Check::State],
        id_token: true,
        client_auth: None,
        profile: ["sub", "preferred_username", "email", "picture"],
        style: ("#fff", "#9146FF"),
    },
    Preset {
        name: "linkedin",
        id: "linkedin",
        display_name: "LinkedIn",
        issuer: Some("https://www.linkedin.com/oauth"),
        issuer_hint: None,
        authorization_url: None,
        token_url: None,
        userinfo_url: None,
        emails_url: None,
        scope: "openid profile email",
        params: &[],
        checks: &[Check::State],
        id_token: true,
        client_auth: Some(ClientAuth::ClientSecretPost),
        profile: OIDC,
        style: ("#fff", "#069"),
    },
    Preset {
        name: "facebook",
        id: "facebook",
        display_name: "Facebook",
        issuer: None,
        issuer_hint: None,
        authorization_url: Some("https://www.facebook.com/v11.0/dialog/oauth"),
        token_url: Some("https://graph.facebook.com/oauth/access_token"),
        userinfo_url: Some("https://graph.facebook.com/me?fields=id,name,email,picture"),
        emails_url: None,
        scope: "email",
        params: &[],
        checks: &[Check::State],
        id_token: false,
        client_auth: None,
        profile: ["id", "name", "email", "picture.data.url"],
        style: ("#fff", "#006aff"),
    },
    Preset {
        name: "spotify",
        id: "spotify",
        display_name: "Spotify",
        issuer: None,
        issuer_hint: None,
        authorization_url: Some("https://accounts.spotify.com/authorize"),
        token_url: Some("https://accounts.spotify.com/api/token"),
        userinfo_url: Some("https://api.spotify.com/v1/me"),
        emails_url: None,
        scope: "user-read-email",
        params: &[],
        checks: &[Check::State],
        id_token: false,
        client_auth: None,
        profile: ["id", "display_name", "email", "images.0.url"],
        style: ("#fff", "#2ebd59"),
    },
    Preset {
        name: "bitbucket",
        id: "bitbucket",
        display_name: "Bitbucket",
        issuer: None,
        issuer_hint: None,
        authorization_url: Some("https://bitbucket.org/site/oauth2/authorize"),
        token_url: Some("https://bitbucket.org/site/oauth2/access_token"),
        userinfo_url: Some("https://api.bitbucket.org/2.0/user"),
        emails_url: None,
        scope: "account",
        params: &[],
        checks: &[Check::State],
        id_token: false,
        client_auth: None,
        profile: [
            "account_id",
            "display_name|username",
            "",
            "links.avatar.href",
        ],
        style: ("#205081", "#fff"),
    },
];

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl Preset {
    /// The provider this row describes, for a client.
    pub fn provider(&self, client_id: &str, client_secret: Secret) -> OAuthProvider {
        let [id, name, email, image] = self.profile;
        OAuthProvider {
            issuer: self.issuer.map(str::to_string),
            client_id: client_id.to_string(),
            client_secret,
            authorization_url: self.authorization_url.map(str::to_string),
            token_url: self.token_url.map(str::to_string),
            userinfo_url: self.userinfo_url.map(str::to_string),
            jwks_url: None,
            scope: Some(self.scope.to_string()),
            checks: self.checks.to_vec(),
            id_token: self.id_token,
            id_token_signed_response_alg: None,
            emails_url: self.emails_url.map(str::to_string),
            issuer_hint: self.issuer_hint.map(str::to_string),
            client_auth: self.client_auth,
            authorization_params: self
                .params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            profile: ProfileMapping {
                id: id.to_string(),
                name: opt(name),
                email: opt(email),
                image: opt(image),
            },
            allow_dangerous_email_account_linking: false,
            refresh: false,
            federated_logout: false,
            backchannel_logout: false,
            style: ProviderStyle {
                logo: None,
                bg: opt(self.style.0),
                text: opt(self.style.1),
            },
        }
    }
}

/// The row named `name`.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// A preset by name (`github`, `google`, …) with the client's id and secret: its default
/// provider id and the provider. `None` for an unknown name.
pub fn preset(
    name: &str,
    client_id: &str,
    client_secret: Secret,
) -> Option<(String, OAuthProvider)> {
    let p = find(name)?;
    Some((p.id.to_string(), p.provider(client_id, client_secret)))
}

/// Names of every preset.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

/// The display name of a preset (for `name` when the configuration gives none).
pub fn display_name(name: &str) -> Option<&'static str> {
    find(name).map(|p| p.display_name)
}

#[cfg(test)]
mod oauth_tests;
