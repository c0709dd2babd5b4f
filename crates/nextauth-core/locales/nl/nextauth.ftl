# nextauth-rs built-in pages and mails: Dutch. Same keys as ../en/nextauth.ftl.

title-signin = Inloggen
title-signout = Uitloggen
title-verify-request = Controleer je e-mail
title-error = Fout
signin-heading = Inloggen
signin-with = Inloggen met { $provider }
signin-email-label = E-mail
signin-error-default = Probeer in te loggen met een ander account.
signin-error-account-not-linked = Log ter bevestiging van je identiteit in met hetzelfde account dat je oorspronkelijk gebruikte.
signin-error-email = De e-mail kon niet worden verzonden.
signin-error-credentials = Inloggen mislukt. Controleer of de opgegeven gegevens kloppen.
signin-error-session-required = Log in om deze pagina te bekijken.
signin-error-rate-limited = Te veel inlogpogingen. Probeer het later opnieuw.
signin-error-unknown = Inloggen niet mogelijk.
signout-heading = Uitloggen
signout-question = Weet je zeker dat je wilt uitloggen?
signout-button = Uitloggen
verify-heading = Controleer je e-mail
verify-text = Er is een inloglink naar je e-mailadres verzonden.
confirm-heading = Inloggen
confirm-text = Doorgaan met inloggen als { $email }.
confirm-button = Doorgaan
error-heading = Fout
error-signin-button = Inloggen
error-request-id = Verzoek-ID:
error-rate-limited-heading = Te veel pogingen
error-rate-limited-text = Er waren te veel inlogpogingen.
error-try-later = Probeer het later opnieuw.
error-try-again-seconds = { $n ->
    [one] Probeer het over { $n } seconde opnieuw.
   *[other] Probeer het over { $n } seconden opnieuw.
}
error-try-again-minutes = { $n ->
    [one] Probeer het over { $n } minuut opnieuw.
   *[other] Probeer het over { $n } minuten opnieuw.
}
error-try-again-hours = { $n ->
    [one] Probeer het over { $n } uur opnieuw.
   *[other] Probeer het over { $n } uur opnieuw.
}
error-configuration-heading = Serverfout
error-configuration-text = Er is een probleem met de serverconfiguratie.
error-configuration-hint = Bekijk de serverlogboeken voor meer informatie.
error-access-denied-heading = Toegang geweigerd
error-access-denied-text = Je hebt geen toestemming om in te loggen.
error-verification-heading = Inloggen niet mogelijk
error-verification-text = De inloglink is niet meer geldig.
error-verification-hint = Hij is misschien al gebruikt of verlopen.
reason-state_cookie_missing = Het inloggen is niet in deze browser begonnen, cookies worden geblokkeerd, of deze inloglink is al gebruikt.
reason-state_cookie_expired = Het inloggen duurde langer dan 15 minuten. Begin opnieuw.
reason-state_cookie_invalid = De inlogcookie kon niet worden gelezen. Begin opnieuw.
reason-state_cookie_other_provider = Na deze is in deze browser een inlogpoging bij een andere aanbieder begonnen. Begin opnieuw.
reason-pkce_cookie_missing = Het inloggen is niet in deze browser begonnen, cookies worden geblokkeerd, of deze inloglink is al gebruikt.
reason-pkce_cookie_expired = Het inloggen duurde langer dan 15 minuten. Begin opnieuw.
reason-pkce_cookie_invalid = De inlogcookie kon niet worden gelezen. Begin opnieuw.
reason-pkce_cookie_other_provider = Na deze is in deze browser een inlogpoging bij een andere aanbieder begonnen. Begin opnieuw.
reason-nonce_cookie_missing = Het inloggen is niet in deze browser begonnen, cookies worden geblokkeerd, of deze inloglink is al gebruikt.
reason-nonce_cookie_expired = Het inloggen duurde langer dan 15 minuten. Begin opnieuw.
reason-nonce_cookie_invalid = De inlogcookie kon niet worden gelezen. Begin opnieuw.
reason-nonce_cookie_other_provider = Na deze is in deze browser een inlogpoging bij een andere aanbieder begonnen. Begin opnieuw.
reason-state_mismatch = Het antwoord van de identiteitsaanbieder hoort niet bij het inloggen dat in deze browser begon. Begin opnieuw.
reason-state_param_invalid = Het antwoord van de identiteitsaanbieder is onvolledig. Begin opnieuw.
reason-issuer_mismatch = Het antwoord kwam van een andere identiteitsaanbieder dan de gevraagde.
reason-code_missing = Het antwoord van de identiteitsaanbieder bevat geen autorisatiecode.
reason-idp_access_denied = Het inloggen is bij de identiteitsaanbieder geannuleerd of geweigerd.
reason-idp_interaction_required = De identiteitsaanbieder wil dat je daar eerst inlogt of toestemming geeft.
reason-idp_unavailable = De identiteitsaanbieder is niet beschikbaar. Probeer het later opnieuw.
reason-idp_error = De identiteitsaanbieder heeft het verzoek geweigerd (de configuratie voor deze site is mogelijk onjuist).
reason-token_endpoint_refused = De identiteitsaanbieder heeft het inloggen niet geaccepteerd (het is mogelijk al gebruikt). Begin opnieuw.
reason-idp_unreachable = De identiteitsaanbieder is niet bereikbaar. Probeer het later opnieuw.
reason-idp_bad_response = De identiteitsaanbieder gaf een onbruikbaar antwoord.
reason-id_token_invalid = Het ID-token van de identiteitsaanbieder was ongeldig.
reason-id_token_nonce_mismatch = Het antwoord van de identiteitsaanbieder hoort niet bij het inloggen dat in deze browser begon. Begin opnieuw.
reason-id_token_expired = Het ID-token van de identiteitsaanbieder is verlopen (staan de klokken goed?).
reason-id_token_signature = De handtekening van het ID-token van de identiteitsaanbieder kon niet worden gecontroleerd.
reason-oauth_failed = Een stap van het inloggen bij de identiteitsaanbieder is mislukt.
reason-authorization_url_failed = Het inloggen bij de identiteitsaanbieder kon niet worden gestart.
reason-account_not_linked = Dit e-mailadres hoort bij een account dat op een andere manier inlogt.
reason-create_user_failed = Het account kon niet worden aangemaakt.
reason-email_address_invalid = Het e-mailadres is ongeldig.
reason-email_not_sent = De inlog-e-mail kon niet worden verzonden. Probeer het later opnieuw.
reason-link_expired = De inloglink is verlopen. Vraag een nieuwe aan.
reason-link_used_or_unknown = De inloglink is al gebruikt, of het is niet de laatst verzonden link.
reason-link_malformed = De inloglink is onvolledig. Open hem precies zoals hij is verzonden.
reason-credentials_refused = De opgegeven gegevens zijn niet geaccepteerd.
reason-webhook_failed = De inlogcontrole is op de server mislukt. Probeer het later opnieuw.
reason-webhook_unreachable = De inlogcontrole is niet bereikbaar. Probeer het later opnieuw.
reason-storage_failed = De server kon het inloggen niet opslaan. Probeer het later opnieuw.
reason-jwt_callback_failed = De sessie kon niet worden aangemaakt. Probeer het later opnieuw.
reason-signin_refused = Dit account mag hier niet inloggen.
reason-rate_limited = Er waren te veel pogingen.
mail-subject = Inloggen bij { $host }
mail-button = Inloggen
mail-ignore = Als je deze e-mail niet hebt aangevraagd, kun je hem negeren.
