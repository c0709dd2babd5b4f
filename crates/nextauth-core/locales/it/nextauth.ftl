# nextauth-rs built-in pages and mails: Italian. Same keys as ../en/nextauth.ftl.

title-signin = Accedi
title-signout = Esci
title-verify-request = Controlla la tua email
title-error = Errore
signin-heading = Accedi
signin-with = Accedi con { $provider }
signin-email-label = Email
signin-error-default = Prova ad accedere con un account diverso.
signin-error-account-not-linked = Per confermare la tua identità, accedi con lo stesso account usato in origine.
signin-error-email = Non è stato possibile inviare l’email.
signin-error-credentials = Accesso non riuscito. Verifica che i dati forniti siano corretti.
signin-error-session-required = Accedi per visualizzare questa pagina.
signin-error-rate-limited = Troppi tentativi di accesso. Riprova più tardi.
signin-error-unknown = Impossibile accedere.
signout-heading = Esci
signout-question = Vuoi davvero uscire?
signout-button = Esci
verify-heading = Controlla la tua email
verify-text = È stato inviato un link di accesso al tuo indirizzo email.
confirm-heading = Accedi
confirm-text = Continua per accedere come { $email }.
confirm-button = Continua
error-heading = Errore
error-signin-button = Accedi
error-request-id = ID richiesta:
error-rate-limited-heading = Troppi tentativi
error-rate-limited-text = Ci sono stati troppi tentativi di accesso.
error-try-later = Riprova più tardi.
error-try-again-seconds = { $n ->
    [one] Riprova tra { $n } secondo.
   *[other] Riprova tra { $n } secondi.
}
error-try-again-minutes = { $n ->
    [one] Riprova tra { $n } minuto.
   *[other] Riprova tra { $n } minuti.
}
error-try-again-hours = { $n ->
    [one] Riprova tra { $n } ora.
   *[other] Riprova tra { $n } ore.
}
error-configuration-heading = Errore del server
error-configuration-text = C’è un problema nella configurazione del server.
error-configuration-hint = Consulta i log del server per maggiori informazioni.
error-access-denied-heading = Accesso negato
error-access-denied-text = Non hai il permesso di accedere.
error-verification-heading = Impossibile accedere
error-verification-text = Il link di accesso non è più valido.
error-verification-hint = Potrebbe essere già stato usato o essere scaduto.
reason-state_cookie_missing = L’accesso non è stato avviato in questo browser, i cookie sono bloccati o questo link è già stato usato.
reason-state_cookie_expired = L’accesso ha richiesto più di 15 minuti. Ricomincia.
reason-state_cookie_invalid = Non è stato possibile leggere il cookie di accesso. Ricomincia.
reason-state_cookie_other_provider = Dopo questo, in questo browser è stato avviato un accesso con un altro provider. Ricomincia.
reason-pkce_cookie_missing = L’accesso non è stato avviato in questo browser, i cookie sono bloccati o questo link è già stato usato.
reason-pkce_cookie_expired = L’accesso ha richiesto più di 15 minuti. Ricomincia.
reason-pkce_cookie_invalid = Non è stato possibile leggere il cookie di accesso. Ricomincia.
reason-pkce_cookie_other_provider = Dopo questo, in questo browser è stato avviato un accesso con un altro provider. Ricomincia.
reason-nonce_cookie_missing = L’accesso non è stato avviato in questo browser, i cookie sono bloccati o questo link è già stato usato.
reason-nonce_cookie_expired = L’accesso ha richiesto più di 15 minuti. Ricomincia.
reason-nonce_cookie_invalid = Non è stato possibile leggere il cookie di accesso. Ricomincia.
reason-nonce_cookie_other_provider = Dopo questo, in questo browser è stato avviato un accesso con un altro provider. Ricomincia.
reason-state_mismatch = La risposta del provider di identità non appartiene all’accesso avviato in questo browser. Ricomincia.
reason-state_param_invalid = La risposta del provider di identità è incompleta. Ricomincia.
reason-issuer_mismatch = La risposta proviene da un provider di identità diverso da quello interpellato.
reason-code_missing = La risposta del provider di identità non contiene un codice di autorizzazione.
reason-idp_access_denied = L’accesso è stato annullato o rifiutato presso il provider di identità.
reason-idp_interaction_required = Il provider di identità richiede prima l’accesso o il consenso presso di sé.
reason-idp_unavailable = Il provider di identità non è disponibile. Riprova più tardi.
reason-idp_error = Il provider di identità ha rifiutato la richiesta (la sua configurazione per questo sito potrebbe essere errata).
reason-token_endpoint_refused = Il provider di identità non ha accettato l’accesso (potrebbe essere già stato usato). Ricomincia.
reason-idp_unreachable = Il provider di identità non è raggiungibile. Riprova più tardi.
reason-idp_bad_response = Il provider di identità ha risposto in modo inutilizzabile.
reason-id_token_invalid = Il token ID del provider di identità non era valido.
reason-id_token_nonce_mismatch = La risposta del provider di identità non appartiene all’accesso avviato in questo browser. Ricomincia.
reason-id_token_expired = Il token ID del provider di identità è scaduto (gli orologi sono giusti?).
reason-id_token_signature = Non è stato possibile verificare la firma del token ID del provider di identità.
reason-oauth_failed = Un passaggio dell’accesso con il provider di identità non è riuscito.
reason-authorization_url_failed = Non è stato possibile avviare l’accesso con il provider di identità.
reason-account_not_linked = Questo indirizzo email appartiene a un account che accede in un altro modo.
reason-create_user_failed = Non è stato possibile creare l’account.
reason-email_address_invalid = L’indirizzo email non è valido.
reason-email_not_sent = Non è stato possibile inviare l’email di accesso. Riprova più tardi.
reason-link_expired = Il link di accesso è scaduto. Richiedine uno nuovo.
reason-link_used_or_unknown = Il link di accesso è già stato usato, oppure non è l’ultimo inviato.
reason-link_malformed = Il link di accesso è incompleto. Aprilo esattamente come è stato inviato.
reason-credentials_refused = I dati forniti non sono stati accettati.
reason-webhook_failed = La verifica dell’accesso non è riuscita sul server. Riprova più tardi.
reason-webhook_unreachable = La verifica dell’accesso non è raggiungibile. Riprova più tardi.
reason-storage_failed = Il server non è riuscito a salvare l’accesso. Riprova più tardi.
reason-jwt_callback_failed = Non è stato possibile creare la sessione. Riprova più tardi.
reason-signin_refused = Questo account non può accedere qui.
reason-rate_limited = Ci sono stati troppi tentativi.
mail-subject = Accedi a { $host }
mail-button = Accedi
mail-ignore = Se non hai richiesto questa email, puoi ignorarla.
