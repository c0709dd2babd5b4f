//! The error codes a browser sees in `?error=` (spec §18).

use std::fmt;

/// The v4 error codes. `Display` writes the exact v4 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Server misconfiguration (500 page).
    Configuration,
    /// The `signIn` callback refused (403 page).
    AccessDenied,
    /// An e-mail link that is unknown, used or expired (403 page).
    Verification,
    /// Building the authorization URL failed.
    OAuthSignin,
    /// A check, the token exchange, the ID token or userinfo failed.
    OAuthCallback,
    /// Creating the user of an OAuth sign-in failed.
    OAuthCreateAccount,
    /// Creating the user of an e-mail sign-in failed.
    EmailCreateAccount,
    /// The IdP answered `?error=`, or another sign-in step failed.
    Callback,
    /// The e-mail belongs to a user who signed in another way.
    OAuthAccountNotLinked,
    /// The e-mail address is invalid, or the mail could not be sent.
    EmailSignin,
    /// The credentials were refused.
    CredentialsSignin,
    /// A page needs a session (client side).
    SessionRequired,
}

impl ErrorCode {
    /// The v4 string.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Configuration => "Configuration",
            ErrorCode::AccessDenied => "AccessDenied",
            ErrorCode::Verification => "Verification",
            ErrorCode::OAuthSignin => "OAuthSignin",
            ErrorCode::OAuthCallback => "OAuthCallback",
            ErrorCode::OAuthCreateAccount => "OAuthCreateAccount",
            ErrorCode::EmailCreateAccount => "EmailCreateAccount",
            ErrorCode::Callback => "Callback",
            ErrorCode::OAuthAccountNotLinked => "OAuthAccountNotLinked",
            ErrorCode::EmailSignin => "EmailSignin",
            ErrorCode::CredentialsSignin => "CredentialsSignin",
            ErrorCode::SessionRequired => "SessionRequired",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Codes that `GET /error` sends back to the sign-in page, where they show inline
/// (case-sensitive, as in v4 `core/index.ts`).
pub const INLINE_ERRORS: [&str; 10] = [
    "Signin",
    "OAuthSignin",
    "OAuthCallback",
    "OAuthCreateAccount",
    "EmailCreateAccount",
    "Callback",
    "OAuthAccountNotLinked",
    "EmailSignin",
    "CredentialsSignin",
    "SessionRequired",
];

/// The sentence the sign-in page shows for `?error=` (spec §17.2; keys case-sensitive).
pub fn signin_error_message(code: &str) -> &'static str {
    match code {
        "Signin" | "OAuthSignin" | "OAuthCallback" | "OAuthCreateAccount"
        | "EmailCreateAccount" | "Callback" => "Try signing in with a different account.",
        "OAuthAccountNotLinked" => {
            "To confirm your identity, sign in with the same account you used originally."
        }
        "EmailSignin" => "The e-mail could not be sent.",
        "CredentialsSignin" => "Sign in failed. Check the details you provided are correct.",
        "SessionRequired" => "Please sign in to access this page.",
        _ => "Unable to sign in.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_v4_strings() {
        for (c, s) in [
            (ErrorCode::Configuration, "Configuration"),
            (ErrorCode::AccessDenied, "AccessDenied"),
            (ErrorCode::Verification, "Verification"),
            (ErrorCode::OAuthSignin, "OAuthSignin"),
            (ErrorCode::OAuthCallback, "OAuthCallback"),
            (ErrorCode::OAuthCreateAccount, "OAuthCreateAccount"),
            (ErrorCode::EmailCreateAccount, "EmailCreateAccount"),
            (ErrorCode::Callback, "Callback"),
            (ErrorCode::OAuthAccountNotLinked, "OAuthAccountNotLinked"),
            (ErrorCode::EmailSignin, "EmailSignin"),
            (ErrorCode::CredentialsSignin, "CredentialsSignin"),
            (ErrorCode::SessionRequired, "SessionRequired"),
        ] {
            assert_eq!(c.to_string(), s);
        }
        assert_eq!(signin_error_message("callback"), "Unable to sign in.");
    }
}
