//! OAuth 2.0 / OpenID Connect provider settings.
//!
//! Ports the provider shape of v4 (`providers/oauth.ts`, spec §11.1). An `oidc` provider is an
//! OAuth provider with an `issuer` whose discovery document supplies the endpoints.

use crate::error::ConfigError;
use crate::secret::Secret;

/// One of v4's `checks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// `state`, kept in the `next-auth.state` cookie.
    State,
    /// PKCE `S256`, the verifier kept in `next-auth.pkce.code_verifier`.
    Pkce,
    /// OIDC `nonce`, kept in `next-auth.nonce`.
    Nonce,
}

impl Check {
    /// Parses `state`, `pkce` or `nonce`.
    pub fn parse(s: &str) -> Option<Check> {
        match s {
            "state" => Some(Check::State),
            "pkce" => Some(Check::Pkce),
            "nonce" => Some(Check::Nonce),
            _ => None,
        }
    }

    /// The name used in configuration and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::State => "state",
            Check::Pkce => "pkce",
            Check::Nonce => "nonce",
        }
    }
}

/// The claims in which a JWT session keeps the tokens of its sign-in when the provider has
/// `refresh` or `federated_logout` (the names of v4's `jwt` callback recipe, camelCase on
/// purpose):
///
/// * `accessToken`, `refreshToken`, `idToken`: the token endpoint's `access_token`,
///   `refresh_token`, `id_token` (each only when the IdP sent it);
/// * `expiresAt`: the access token's expiry, Unix time in seconds (the token response's
///   `expires_at`, or `expires_in` added to the time of the exchange);
/// * `tokenType`, `scope`: the token response's `token_type` and `scope` (what `GET token`
///   answers beside the access token);
/// * `provider`: the id of the provider that signed the session in.
///
/// The `jwt` and `session` callbacks (and so every webhook and `[session.expose]`) never see
/// them, and `GET session` never answers them: they live in the encrypted cookie only.
pub const KEPT_CLAIMS: &[&str] = &[
    "accessToken",
    "refreshToken",
    "idToken",
    "expiresAt",
    "tokenType",
    "scope",
    "provider",
];

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with form-encoded id and secret (openid-client's default).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// No secret (public client, PKCE only).
    None,
}

impl ClientAuth {
    /// Parses the OAuth metadata name.
    pub fn parse(s: &str) -> Option<ClientAuth> {
        match s {
            "client_secret_basic" => Some(ClientAuth::ClientSecretBasic),
            "client_secret_post" => Some(ClientAuth::ClientSecretPost),
            "none" => Some(ClientAuth::None),
            _ => None,
        }
    }
}

/// Which profile fields give the user's id, name, e-mail and image.
///
/// Each entry is a small expression over the provider's profile JSON (userinfo response or ID-token
/// claims), evaluated by the OAuth callback:
/// * a field name (`email`) or a dotted path into nested objects and arrays (`picture.data.url`,
///   `images.0.url`);
/// * alternatives separated by `|`, the first that gives a non-empty value wins (`name|login`,
///   like v4's `profile.name ?? profile.login`);
/// * a template with `{path}` placeholders (`https://cdn.example.com/{id}/{avatar}.png`), which
///   gives nothing unless every placeholder does.
///
/// Numbers become strings (`id: 12345` → `"12345"`, as v4's `profile.id.toString()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileMapping {
    /// Field of the user id (`sub` for OIDC).
    pub id: String,
    /// Field of the display name.
    pub name: Option<String>,
    /// Field of the e-mail address.
    pub email: Option<String>,
    /// Field of the avatar URL.
    pub image: Option<String>,
}

impl Default for ProfileMapping {
    /// The OIDC standard claims.
    fn default() -> Self {
        ProfileMapping {
            id: "sub".into(),
            name: Some("name".into()),
            email: Some("email".into()),
            image: Some("picture".into()),
        }
    }
}

/// Colours and logo of the provider's button on the sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProviderStyle {
    /// Logo URL or data URI.
    pub logo: Option<String>,
    /// Button background.
    pub bg: Option<String>,
    /// Button text colour.
    pub text: Option<String>,
}

/// An OAuth 2.0 or OpenID Connect provider.
#[derive(Debug, Clone)]
pub struct OAuthProvider {
    /// OIDC issuer: `iss` (callback parameter and ID-token claim) must equal it, and the endpoints
    /// not configured below come from `<issuer>/.well-known/openid-configuration`.
    pub issuer: Option<String>,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: Secret,
    /// Authorization endpoint (overrides discovery).
    pub authorization_url: Option<String>,
    /// Token endpoint (overrides discovery).
    pub token_url: Option<String>,
    /// Userinfo endpoint (overrides discovery).
    pub userinfo_url: Option<String>,
    /// JWKS endpoint (overrides discovery).
    pub jwks_url: Option<String>,
    /// Requested scope; `openid` when unset, as openid-client does.
    pub scope: Option<String>,
    /// The checks; `[state]` when unset, as v4.
    pub checks: Vec<Check>,
    /// Whether the token response carries an ID token whose claims are the profile.
    pub id_token: bool,
    /// The only JWS algorithm accepted for ID tokens (openid-client's
    /// `id_token_signed_response_alg`). `None`: any asymmetric algorithm the JWK set has a
    /// matching key for (RS*, PS*, ES256/384, EdDSA); `none` and HMAC are always refused.
    pub id_token_signed_response_alg: Option<String>,
    /// A URL listing the user's e-mail addresses (`[{email, primary, verified}]`), asked when the
    /// profile has no e-mail: GitHub's `/user/emails`, as v4's GitHub provider does.
    pub emails_url: Option<String>,
    /// For presets whose endpoints live under a tenant-specific issuer (Auth0, Keycloak, Okta,
    /// Entra ID): what `issuer` looks like, for the error message when it is missing.
    pub issuer_hint: Option<String>,
    /// Token-endpoint client authentication; chosen from discovery when unset.
    pub client_auth: Option<ClientAuth>,
    /// Extra authorization parameters.
    pub authorization_params: Vec<(String, String)>,
    /// How the profile maps to a user.
    pub profile: ProfileMapping,
    /// v4 `allowDangerousEmailAccountLinking`.
    pub allow_dangerous_email_account_linking: bool,
    /// `refresh = true`: keep the sign-in's tokens (the refresh token among them). JWT sessions
    /// carry them in the session JWE ([`KEPT_CLAIMS`]); database sessions have them in the
    /// account row, as v4's adapters store them.
    pub refresh: bool,
    /// `federated_logout = true`: `POST signout` of a session from this provider also ends the
    /// IdP session (OpenID Connect RP-Initiated Logout 1.0, the discovered
    /// `end_session_endpoint`). Keeps the sign-in's tokens as [`Self::refresh`] does (the ID
    /// token is the logout's `id_token_hint`).
    pub federated_logout: bool,
    /// Button style.
    pub style: ProviderStyle,
    /// OpenID Connect Back-Channel Logout 1.0: accept logout tokens from the IdP at
    /// `POST {base}/backchannel-logout/<id>` and end the sessions they name
    /// ([`crate::flows::oauth::backchannel`]). Needs `issuer` and an adapter. Default `false`.
    pub backchannel_logout: bool,
}

impl OAuthProvider {
    /// An OIDC provider discovered from `issuer`.
    pub fn oidc(issuer: impl Into<String>, client_id: impl Into<String>, secret: Secret) -> Self {
        OAuthProvider {
            issuer: Some(issuer.into()),
            client_id: client_id.into(),
            client_secret: secret,
            authorization_url: None,
            token_url: None,
            userinfo_url: None,
            jwks_url: None,
            scope: Some("openid email profile".into()),
            checks: vec![Check::Pkce, Check::State],
            id_token: true,
            id_token_signed_response_alg: None,
            emails_url: None,
            issuer_hint: None,
            client_auth: None,
            authorization_params: Vec::new(),
            profile: ProfileMapping::default(),
            allow_dangerous_email_account_linking: false,
            refresh: false,
            federated_logout: false,
            style: ProviderStyle::default(),
            backchannel_logout: false,
        }
    }

    /// Whether a JWT session from this provider keeps the sign-in's tokens ([`KEPT_CLAIMS`]):
    /// with `refresh` or `federated_logout`.
    pub fn keeps_tokens(&self) -> bool {
        self.refresh || self.federated_logout
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.client_id.is_empty() {
            return Err("`client_id` is empty".into());
        }
        let url_ok = |name: &str, v: &Option<String>| -> Result<(), ConfigError> {
            if let Some(v) = v {
                let u = url::Url::parse(v).map_err(|e| format!("`{name}` = {v:?}: {e}"))?;
                if u.scheme() != "http" && u.scheme() != "https" {
                    return Err(format!("`{name}` = {v:?}: must be an http(s) URL").into());
                }
            }
            Ok(())
        };
        url_ok("issuer", &self.issuer)?;
        url_ok("authorization_url", &self.authorization_url)?;
        url_ok("token_url", &self.token_url)?;
        url_ok("userinfo_url", &self.userinfo_url)?;
        url_ok("jwks_url", &self.jwks_url)?;
        url_ok("emails_url", &self.emails_url)?;
        if let Some(alg) = &self.id_token_signed_response_alg
            && !supported_id_token_alg(alg)
        {
            return Err(format!(
                "`id_token_signed_response_alg` = {alg:?}: use RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA"
            ).into());
        }
        if self.issuer.is_none() {
            if let Some(hint) = &self.issuer_hint
                && self.authorization_url.is_none()
            {
                return Err(format!("`issuer` is required for this preset, e.g. {hint}").into());
            }
            if self.authorization_url.is_none() || self.token_url.is_none() {
                return Err(
                    "without `issuer`, both `authorization_url` and `token_url` are required"
                        .into(),
                );
            }
            if self.id_token {
                return Err(
                    "`id_token = true` needs `issuer`: the ID token's `iss` must equal it".into(),
                );
            }
            if !self.id_token && self.userinfo_url.is_none() {
                return Err("without an ID token, `userinfo_url` is required".into());
            }
        }
        if self.backchannel_logout && self.issuer.is_none() {
            return Err(
                "`backchannel_logout = true` needs `issuer`: a logout token's `iss` must equal it"
                    .into(),
            );
        }
        if self.checks.contains(&Check::Nonce) && !self.id_token {
            return Err("the `nonce` check needs an ID token (`id_token = true`)".into());
        }
        Ok(())
    }
}

/// Whether `alg` is a JWS algorithm accepted for ID tokens: asymmetric only (`none` and HMAC,
/// whose key would be the client secret, are refused).
pub(crate) fn supported_id_token_alg(alg: &str) -> bool {
    matches!(
        alg,
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "EdDSA"
    )
}
