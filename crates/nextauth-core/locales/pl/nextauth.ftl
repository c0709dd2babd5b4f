# nextauth-rs built-in pages and mails: Polish. Same keys as ../en/nextauth.ftl.

title-signin = Logowanie
title-signout = Wylogowanie
title-verify-request = Sprawdź pocztę
title-error = Błąd
signin-heading = Zaloguj się
signin-with = Zaloguj się przez { $provider }
signin-email-label = E-mail
signin-error-default = Spróbuj zalogować się na inne konto.
signin-error-account-not-linked = Aby potwierdzić tożsamość, zaloguj się na to samo konto, którego użyto pierwotnie.
signin-error-email = Nie udało się wysłać wiadomości e-mail.
signin-error-credentials = Logowanie nie powiodło się. Sprawdź, czy podane dane są poprawne.
signin-error-session-required = Zaloguj się, aby zobaczyć tę stronę.
signin-error-rate-limited = Zbyt wiele prób logowania. Spróbuj ponownie później.
signin-error-unknown = Nie można się zalogować.
signout-heading = Wyloguj się
signout-question = Czy na pewno chcesz się wylogować?
signout-button = Wyloguj się
verify-heading = Sprawdź pocztę
verify-text = Link do logowania został wysłany na Twój adres e-mail.
confirm-heading = Zaloguj się
confirm-text = Kontynuuj logowanie jako { $email }.
confirm-button = Kontynuuj
error-heading = Błąd
error-signin-button = Zaloguj się
error-request-id = ID żądania:
error-rate-limited-heading = Zbyt wiele prób
error-rate-limited-text = Było zbyt wiele prób logowania.
error-try-later = Spróbuj ponownie później.
error-try-again-seconds = { $n ->
    [one] Spróbuj ponownie za { $n } sekundę.
    [few] Spróbuj ponownie za { $n } sekundy.
    [many] Spróbuj ponownie za { $n } sekund.
   *[other] Spróbuj ponownie za { $n } sekundy.
}
error-try-again-minutes = { $n ->
    [one] Spróbuj ponownie za { $n } minutę.
    [few] Spróbuj ponownie za { $n } minuty.
    [many] Spróbuj ponownie za { $n } minut.
   *[other] Spróbuj ponownie za { $n } minuty.
}
error-try-again-hours = { $n ->
    [one] Spróbuj ponownie za { $n } godzinę.
    [few] Spróbuj ponownie za { $n } godziny.
    [many] Spróbuj ponownie za { $n } godzin.
   *[other] Spróbuj ponownie za { $n } godziny.
}
error-configuration-heading = Błąd serwera
error-configuration-text = Wystąpił problem z konfiguracją serwera.
error-configuration-hint = Więcej informacji znajdziesz w logach serwera.
error-access-denied-heading = Odmowa dostępu
error-access-denied-text = Nie masz uprawnień do zalogowania się.
error-verification-heading = Nie można się zalogować
error-verification-text = Link do logowania jest już nieważny.
error-verification-hint = Mógł już zostać użyty lub wygasł.
reason-state_cookie_missing = Logowanie nie zostało rozpoczęte w tej przeglądarce, pliki cookie są zablokowane albo ten link został już użyty.
reason-state_cookie_expired = Logowanie trwało dłużej niż 15 minut. Zacznij od nowa.
reason-state_cookie_invalid = Nie udało się odczytać pliku cookie logowania. Zacznij od nowa.
reason-state_cookie_other_provider = Po tym logowaniu w tej przeglądarce rozpoczęto logowanie u innego dostawcy. Zacznij od nowa.
reason-pkce_cookie_missing = Logowanie nie zostało rozpoczęte w tej przeglądarce, pliki cookie są zablokowane albo ten link został już użyty.
reason-pkce_cookie_expired = Logowanie trwało dłużej niż 15 minut. Zacznij od nowa.
reason-pkce_cookie_invalid = Nie udało się odczytać pliku cookie logowania. Zacznij od nowa.
reason-pkce_cookie_other_provider = Po tym logowaniu w tej przeglądarce rozpoczęto logowanie u innego dostawcy. Zacznij od nowa.
reason-nonce_cookie_missing = Logowanie nie zostało rozpoczęte w tej przeglądarce, pliki cookie są zablokowane albo ten link został już użyty.
reason-nonce_cookie_expired = Logowanie trwało dłużej niż 15 minut. Zacznij od nowa.
reason-nonce_cookie_invalid = Nie udało się odczytać pliku cookie logowania. Zacznij od nowa.
reason-nonce_cookie_other_provider = Po tym logowaniu w tej przeglądarce rozpoczęto logowanie u innego dostawcy. Zacznij od nowa.
reason-state_mismatch = Odpowiedź dostawcy tożsamości nie należy do logowania rozpoczętego w tej przeglądarce. Zacznij od nowa.
reason-state_param_invalid = Odpowiedź dostawcy tożsamości jest niekompletna. Zacznij od nowa.
reason-issuer_mismatch = Odpowiedź pochodzi od innego dostawcy tożsamości niż ten, o którego pytano.
reason-code_missing = Odpowiedź dostawcy tożsamości nie zawiera kodu autoryzacji.
reason-idp_access_denied = Logowanie zostało anulowane lub odrzucone u dostawcy tożsamości.
reason-idp_interaction_required = Dostawca tożsamości wymaga, aby najpierw się u niego zalogować lub wyrazić zgodę.
reason-idp_unavailable = Dostawca tożsamości jest niedostępny. Spróbuj ponownie później.
reason-idp_error = Dostawca tożsamości odrzucił żądanie (jego konfiguracja dla tej witryny może być błędna).
reason-token_endpoint_refused = Dostawca tożsamości nie przyjął logowania (mogło już zostać użyte). Zacznij od nowa.
reason-idp_unreachable = Nie można połączyć się z dostawcą tożsamości. Spróbuj ponownie później.
reason-idp_bad_response = Dostawca tożsamości zwrócił nieużyteczną odpowiedź.
reason-id_token_invalid = Token ID dostawcy tożsamości był nieprawidłowy.
reason-id_token_nonce_mismatch = Odpowiedź dostawcy tożsamości nie należy do logowania rozpoczętego w tej przeglądarce. Zacznij od nowa.
reason-id_token_expired = Token ID dostawcy tożsamości wygasł (czy zegary są ustawione poprawnie?).
reason-id_token_signature = Nie udało się zweryfikować podpisu tokenu ID dostawcy tożsamości.
reason-oauth_failed = Jeden z kroków logowania u dostawcy tożsamości nie powiódł się.
reason-authorization_url_failed = Nie udało się rozpocząć logowania u dostawcy tożsamości.
reason-account_not_linked = Ten adres e-mail należy do konta, które loguje się w inny sposób.
reason-create_user_failed = Nie udało się utworzyć konta.
reason-email_address_invalid = Adres e-mail jest nieprawidłowy.
reason-email_not_sent = Nie udało się wysłać wiadomości z linkiem. Spróbuj ponownie później.
reason-link_expired = Link do logowania wygasł. Poproś o nowy.
reason-link_used_or_unknown = Link do logowania został już użyty albo nie jest ostatnim wysłanym.
reason-link_malformed = Link do logowania jest niekompletny. Otwórz go dokładnie w takiej postaci, w jakiej został wysłany.
reason-credentials_refused = Podane dane nie zostały zaakceptowane.
reason-webhook_failed = Weryfikacja logowania na serwerze nie powiodła się. Spróbuj ponownie później.
reason-webhook_unreachable = Usługa weryfikacji logowania jest nieosiągalna. Spróbuj ponownie później.
reason-storage_failed = Serwer nie mógł zapisać logowania. Spróbuj ponownie później.
reason-jwt_callback_failed = Nie udało się utworzyć sesji. Spróbuj ponownie później.
reason-signin_refused = To konto nie może się tu zalogować.
reason-rate_limited = Było zbyt wiele prób.
mail-subject = Zaloguj się do { $host }
mail-button = Zaloguj się
mail-ignore = Jeśli nie prosiłeś o tę wiadomość, możesz ją zignorować.
