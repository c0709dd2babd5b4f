# nextauth-rs built-in pages and mails: German. Same keys as ../en/nextauth.ftl.

title-signin = Anmelden
title-signout = Abmelden
title-verify-request = E-Mail prüfen
title-error = Fehler
signin-heading = Anmelden
signin-with = Anmelden mit { $provider }
signin-email-label = E-Mail
signin-error-default = Versuchen Sie, sich mit einem anderen Konto anzumelden.
signin-error-account-not-linked = Um Ihre Identität zu bestätigen, melden Sie sich mit demselben Konto an, das Sie ursprünglich verwendet haben.
signin-error-email = Die E-Mail konnte nicht gesendet werden.
signin-error-credentials = Anmeldung fehlgeschlagen. Prüfen Sie, ob Ihre Angaben korrekt sind.
signin-error-session-required = Bitte melden Sie sich an, um diese Seite aufzurufen.
signin-error-rate-limited = Zu viele Anmeldeversuche. Versuchen Sie es später erneut.
signin-error-unknown = Anmeldung nicht möglich.
signout-heading = Abmelden
signout-question = Möchten Sie sich wirklich abmelden?
signout-button = Abmelden
verify-heading = Prüfen Sie Ihre E-Mails
verify-text = Ein Anmeldelink wurde an Ihre E-Mail-Adresse gesendet.
confirm-heading = Anmelden
confirm-text = Weiter zur Anmeldung als { $email }.
confirm-button = Weiter
error-heading = Fehler
error-signin-button = Anmelden
error-request-id = Anfrage-ID:
error-rate-limited-heading = Zu viele Versuche
error-rate-limited-text = Es gab zu viele Anmeldeversuche.
error-try-later = Versuchen Sie es später erneut.
error-try-again-seconds = { $n ->
    [one] Versuchen Sie es in { $n } Sekunde erneut.
   *[other] Versuchen Sie es in { $n } Sekunden erneut.
}
error-try-again-minutes = { $n ->
    [one] Versuchen Sie es in { $n } Minute erneut.
   *[other] Versuchen Sie es in { $n } Minuten erneut.
}
error-try-again-hours = { $n ->
    [one] Versuchen Sie es in { $n } Stunde erneut.
   *[other] Versuchen Sie es in { $n } Stunden erneut.
}
error-configuration-heading = Serverfehler
error-configuration-text = Es gibt ein Problem mit der Serverkonfiguration.
error-configuration-hint = Weitere Informationen finden Sie in den Serverprotokollen.
error-access-denied-heading = Zugriff verweigert
error-access-denied-text = Sie haben keine Berechtigung, sich anzumelden.
error-verification-heading = Anmeldung nicht möglich
error-verification-text = Der Anmeldelink ist nicht mehr gültig.
error-verification-hint = Er wurde möglicherweise bereits verwendet oder ist abgelaufen.
reason-state_cookie_missing = Die Anmeldung wurde nicht in diesem Browser begonnen, Cookies sind blockiert, oder dieser Anmeldelink wurde bereits verwendet.
reason-state_cookie_expired = Die Anmeldung hat länger als 15 Minuten gedauert. Beginnen Sie erneut.
reason-state_cookie_invalid = Das Anmelde-Cookie konnte nicht gelesen werden. Beginnen Sie erneut.
reason-state_cookie_other_provider = Nach dieser Anmeldung wurde in diesem Browser eine Anmeldung bei einem anderen Anbieter begonnen. Beginnen Sie erneut.
reason-pkce_cookie_missing = Die Anmeldung wurde nicht in diesem Browser begonnen, Cookies sind blockiert, oder dieser Anmeldelink wurde bereits verwendet.
reason-pkce_cookie_expired = Die Anmeldung hat länger als 15 Minuten gedauert. Beginnen Sie erneut.
reason-pkce_cookie_invalid = Das Anmelde-Cookie konnte nicht gelesen werden. Beginnen Sie erneut.
reason-pkce_cookie_other_provider = Nach dieser Anmeldung wurde in diesem Browser eine Anmeldung bei einem anderen Anbieter begonnen. Beginnen Sie erneut.
reason-nonce_cookie_missing = Die Anmeldung wurde nicht in diesem Browser begonnen, Cookies sind blockiert, oder dieser Anmeldelink wurde bereits verwendet.
reason-nonce_cookie_expired = Die Anmeldung hat länger als 15 Minuten gedauert. Beginnen Sie erneut.
reason-nonce_cookie_invalid = Das Anmelde-Cookie konnte nicht gelesen werden. Beginnen Sie erneut.
reason-nonce_cookie_other_provider = Nach dieser Anmeldung wurde in diesem Browser eine Anmeldung bei einem anderen Anbieter begonnen. Beginnen Sie erneut.
reason-state_mismatch = Die Antwort des Identitätsanbieters gehört nicht zu der in diesem Browser begonnenen Anmeldung. Beginnen Sie erneut.
reason-state_param_invalid = Die Antwort des Identitätsanbieters ist unvollständig. Beginnen Sie erneut.
reason-issuer_mismatch = Die Antwort kam von einem anderen Identitätsanbieter als dem angefragten.
reason-code_missing = Die Antwort des Identitätsanbieters enthält keinen Autorisierungscode.
reason-idp_access_denied = Die Anmeldung wurde beim Identitätsanbieter abgebrochen oder abgelehnt.
reason-idp_interaction_required = Der Identitätsanbieter verlangt, dass Sie sich zuerst dort anmelden oder zustimmen.
reason-idp_unavailable = Der Identitätsanbieter ist nicht verfügbar. Versuchen Sie es später erneut.
reason-idp_error = Der Identitätsanbieter hat die Anfrage abgelehnt (seine Konfiguration für diese Website ist möglicherweise falsch).
reason-token_endpoint_refused = Der Identitätsanbieter hat die Anmeldung nicht angenommen (sie wurde möglicherweise bereits verwendet). Beginnen Sie erneut.
reason-idp_unreachable = Der Identitätsanbieter ist nicht erreichbar. Versuchen Sie es später erneut.
reason-idp_bad_response = Der Identitätsanbieter hat eine unbrauchbare Antwort gegeben.
reason-id_token_invalid = Das ID-Token des Identitätsanbieters war ungültig.
reason-id_token_nonce_mismatch = Die Antwort des Identitätsanbieters gehört nicht zu der in diesem Browser begonnenen Anmeldung. Beginnen Sie erneut.
reason-id_token_expired = Das ID-Token des Identitätsanbieters ist abgelaufen (gehen die Uhren richtig?).
reason-id_token_signature = Die Signatur des ID-Tokens des Identitätsanbieters konnte nicht geprüft werden.
reason-oauth_failed = Ein Schritt der Anmeldung beim Identitätsanbieter ist fehlgeschlagen.
reason-authorization_url_failed = Die Anmeldung beim Identitätsanbieter konnte nicht gestartet werden.
reason-account_not_linked = Diese E-Mail-Adresse gehört zu einem Konto, das sich auf andere Weise anmeldet.
reason-create_user_failed = Das Konto konnte nicht angelegt werden.
reason-email_address_invalid = Die E-Mail-Adresse ist ungültig.
reason-email_not_sent = Die Anmelde-E-Mail konnte nicht gesendet werden. Versuchen Sie es später erneut.
reason-link_expired = Der Anmeldelink ist abgelaufen. Fordern Sie einen neuen an.
reason-link_used_or_unknown = Der Anmeldelink wurde bereits verwendet, oder er ist nicht der zuletzt gesendete.
reason-link_malformed = Der Anmeldelink ist unvollständig. Öffnen Sie ihn genau so, wie er gesendet wurde.
reason-credentials_refused = Ihre Angaben wurden nicht akzeptiert.
reason-webhook_failed = Die Anmeldeprüfung ist auf dem Server fehlgeschlagen. Versuchen Sie es später erneut.
reason-webhook_unreachable = Die Anmeldeprüfung war nicht erreichbar. Versuchen Sie es später erneut.
reason-storage_failed = Der Server konnte die Anmeldung nicht speichern. Versuchen Sie es später erneut.
reason-jwt_callback_failed = Die Sitzung konnte nicht erstellt werden. Versuchen Sie es später erneut.
reason-signin_refused = Dieses Konto darf sich hier nicht anmelden.
reason-rate_limited = Es gab zu viele Versuche.
mail-subject = Anmelden bei { $host }
mail-button = Anmelden
mail-ignore = Wenn Sie diese E-Mail nicht angefordert haben, können Sie sie ignorieren.
