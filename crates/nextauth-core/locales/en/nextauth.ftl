# nextauth-rs built-in pages and mails: English (v4's wording, byte for byte).
# Every other catalogue has exactly these keys (a unit test fails otherwise).

## Page titles
title-signin = Sign In
title-signout = Sign Out
title-verify-request = Verify Request
title-error = Error

## Sign-in page
signin-heading = Sign in
signin-with = Sign in with { $provider }
signin-email-label = Email
signin-error-default = Try signing in with a different account.
signin-error-account-not-linked = To confirm your identity, sign in with the same account you used originally.
signin-error-email = The e-mail could not be sent.
signin-error-credentials = Sign in failed. Check the details you provided are correct.
signin-error-session-required = Please sign in to access this page.
signin-error-rate-limited = Too many sign-in attempts. Try again later.
signin-error-unknown = Unable to sign in.

## Sign-out page
signout-heading = Sign out
signout-question = Are you sure you want to sign out?
signout-button = Sign out

## Verify-request page
verify-heading = Check your email
verify-text = A sign in link has been sent to your email address.

## The confirm page of an e-mail link (`confirm = true`)
confirm-heading = Sign in
confirm-text = Continue to sign in as { $email }.
confirm-button = Continue

## Error page
error-heading = Error
error-signin-button = Sign in
error-request-id = Request id:
error-rate-limited-heading = Too many attempts
error-rate-limited-text = There were too many sign-in attempts.
error-try-later = Try again later.
error-try-again-seconds = { $n ->
    [one] Try again in { $n } second.
   *[other] Try again in { $n } seconds.
}
error-try-again-minutes = { $n ->
    [one] Try again in { $n } minute.
   *[other] Try again in { $n } minutes.
}
error-try-again-hours = { $n ->
    [one] Try again in { $n } hour.
   *[other] Try again in { $n } hours.
}
error-configuration-heading = Server error
error-configuration-text = There is a problem with the server configuration.
error-configuration-hint = Check the server logs for more information.
error-access-denied-heading = Access Denied
error-access-denied-text = You do not have permission to sign in.
error-verification-heading = Unable to sign in
error-verification-text = The sign in link is no longer valid.
error-verification-hint = It may have been used already or it may have expired.

## Why a sign-in failed (the `reason=` codes)
reason-state_cookie_missing = The sign-in was not started in this browser, cookies are blocked, or this sign-in link was already used.
reason-state_cookie_expired = The sign-in took longer than 15 minutes. Start again.
reason-state_cookie_invalid = The sign-in cookie could not be read. Start again.
reason-state_cookie_other_provider = A sign-in with another provider was started in this browser after this one. Start again.
reason-pkce_cookie_missing = The sign-in was not started in this browser, cookies are blocked, or this sign-in link was already used.
reason-pkce_cookie_expired = The sign-in took longer than 15 minutes. Start again.
reason-pkce_cookie_invalid = The sign-in cookie could not be read. Start again.
reason-pkce_cookie_other_provider = A sign-in with another provider was started in this browser after this one. Start again.
reason-nonce_cookie_missing = The sign-in was not started in this browser, cookies are blocked, or this sign-in link was already used.
reason-nonce_cookie_expired = The sign-in took longer than 15 minutes. Start again.
reason-nonce_cookie_invalid = The sign-in cookie could not be read. Start again.
reason-nonce_cookie_other_provider = A sign-in with another provider was started in this browser after this one. Start again.
reason-state_mismatch = The answer of the identity provider does not belong to the sign-in started in this browser. Start again.
reason-state_param_invalid = The answer of the identity provider is incomplete. Start again.
reason-issuer_mismatch = The answer came from another identity provider than the one asked.
reason-code_missing = The answer of the identity provider has no authorization code.
reason-idp_access_denied = The sign-in was cancelled or refused at the identity provider.
reason-idp_interaction_required = The identity provider needs you to sign in or consent there first.
reason-idp_unavailable = The identity provider is unavailable. Try again later.
reason-idp_error = The identity provider refused the request (its configuration for this site may be wrong).
reason-token_endpoint_refused = The identity provider did not accept the sign-in (it may have been used already). Start again.
reason-idp_unreachable = The identity provider could not be reached. Try again later.
reason-idp_bad_response = The identity provider answered something unusable.
reason-id_token_invalid = The identity provider's ID token was not valid.
reason-id_token_nonce_mismatch = The identity provider's answer does not belong to the sign-in started in this browser. Start again.
reason-id_token_expired = The identity provider's ID token has expired (are the clocks right?).
reason-id_token_signature = The identity provider's ID token signature could not be verified.
reason-oauth_failed = A step of the sign-in with the identity provider failed.
reason-authorization_url_failed = The sign-in with the identity provider could not be started.
reason-account_not_linked = This e-mail address belongs to an account that signs in another way.
reason-create_user_failed = The account could not be created.
reason-email_address_invalid = The e-mail address is not valid.
reason-email_not_sent = The sign-in e-mail could not be sent. Try again later.
reason-link_expired = The sign-in link has expired. Ask for a new one.
reason-link_used_or_unknown = The sign-in link was already used, or it is not the latest one sent.
reason-link_malformed = The sign-in link is incomplete. Open it exactly as it was sent.
reason-credentials_refused = The details you provided were not accepted.
reason-webhook_failed = The sign-in check failed on the server. Try again later.
reason-webhook_unreachable = The sign-in check could not be reached. Try again later.
reason-storage_failed = The server could not store the sign-in. Try again later.
reason-jwt_callback_failed = The session could not be created. Try again later.
reason-signin_refused = This account may not sign in here.
reason-rate_limited = There were too many attempts.

## The sign-in e-mail
mail-subject = Sign in to { $host }
mail-button = Sign in
mail-ignore = If you did not request this email you can safely ignore it.
