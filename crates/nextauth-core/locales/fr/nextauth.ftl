# nextauth-rs built-in pages and mails: French. Same keys as ../en/nextauth.ftl.

title-signin = Connexion
title-signout = Déconnexion
title-verify-request = Vérifiez vos e-mails
title-error = Erreur
signin-heading = Se connecter
signin-with = Se connecter avec { $provider }
signin-email-label = E-mail
signin-error-default = Essayez de vous connecter avec un autre compte.
signin-error-account-not-linked = Pour confirmer votre identité, connectez-vous avec le compte que vous avez utilisé à l’origine.
signin-error-email = L’e-mail n’a pas pu être envoyé.
signin-error-credentials = Échec de la connexion. Vérifiez que les informations fournies sont correctes.
signin-error-session-required = Veuillez vous connecter pour accéder à cette page.
signin-error-rate-limited = Trop de tentatives de connexion. Réessayez plus tard.
signin-error-unknown = Connexion impossible.
signout-heading = Se déconnecter
signout-question = Voulez-vous vraiment vous déconnecter ?
signout-button = Se déconnecter
verify-heading = Vérifiez vos e-mails
verify-text = Un lien de connexion a été envoyé à votre adresse e-mail.
confirm-heading = Se connecter
confirm-text = Continuer la connexion en tant que { $email }.
confirm-button = Continuer
error-heading = Erreur
error-signin-button = Se connecter
error-request-id = Identifiant de requête :
error-rate-limited-heading = Trop de tentatives
error-rate-limited-text = Il y a eu trop de tentatives de connexion.
error-try-later = Réessayez plus tard.
error-try-again-seconds = { $n ->
    [one] Réessayez dans { $n } seconde.
   *[other] Réessayez dans { $n } secondes.
}
error-try-again-minutes = { $n ->
    [one] Réessayez dans { $n } minute.
   *[other] Réessayez dans { $n } minutes.
}
error-try-again-hours = { $n ->
    [one] Réessayez dans { $n } heure.
   *[other] Réessayez dans { $n } heures.
}
error-configuration-heading = Erreur du serveur
error-configuration-text = La configuration du serveur pose problème.
error-configuration-hint = Consultez les journaux du serveur pour plus d’informations.
error-access-denied-heading = Accès refusé
error-access-denied-text = Vous n’êtes pas autorisé à vous connecter.
error-verification-heading = Connexion impossible
error-verification-text = Le lien de connexion n’est plus valide.
error-verification-hint = Il a peut-être déjà été utilisé ou il a expiré.
reason-state_cookie_missing = La connexion n’a pas été commencée dans ce navigateur, les cookies sont bloqués, ou ce lien de connexion a déjà été utilisé.
reason-state_cookie_expired = La connexion a pris plus de 15 minutes. Recommencez.
reason-state_cookie_invalid = Le cookie de connexion n’a pas pu être lu. Recommencez.
reason-state_cookie_other_provider = Une connexion avec un autre fournisseur a été commencée dans ce navigateur après celle-ci. Recommencez.
reason-pkce_cookie_missing = La connexion n’a pas été commencée dans ce navigateur, les cookies sont bloqués, ou ce lien de connexion a déjà été utilisé.
reason-pkce_cookie_expired = La connexion a pris plus de 15 minutes. Recommencez.
reason-pkce_cookie_invalid = Le cookie de connexion n’a pas pu être lu. Recommencez.
reason-pkce_cookie_other_provider = Une connexion avec un autre fournisseur a été commencée dans ce navigateur après celle-ci. Recommencez.
reason-nonce_cookie_missing = La connexion n’a pas été commencée dans ce navigateur, les cookies sont bloqués, ou ce lien de connexion a déjà été utilisé.
reason-nonce_cookie_expired = La connexion a pris plus de 15 minutes. Recommencez.
reason-nonce_cookie_invalid = Le cookie de connexion n’a pas pu être lu. Recommencez.
reason-nonce_cookie_other_provider = Une connexion avec un autre fournisseur a été commencée dans ce navigateur après celle-ci. Recommencez.
reason-state_mismatch = La réponse du fournisseur d’identité ne correspond pas à la connexion commencée dans ce navigateur. Recommencez.
reason-state_param_invalid = La réponse du fournisseur d’identité est incomplète. Recommencez.
reason-issuer_mismatch = La réponse provient d’un autre fournisseur d’identité que celui sollicité.
reason-code_missing = La réponse du fournisseur d’identité ne contient pas de code d’autorisation.
reason-idp_access_denied = La connexion a été annulée ou refusée chez le fournisseur d’identité.
reason-idp_interaction_required = Le fournisseur d’identité vous demande d’abord de vous y connecter ou de donner votre accord.
reason-idp_unavailable = Le fournisseur d’identité est indisponible. Réessayez plus tard.
reason-idp_error = Le fournisseur d’identité a refusé la demande (sa configuration pour ce site est peut-être incorrecte).
reason-token_endpoint_refused = Le fournisseur d’identité n’a pas accepté la connexion (elle a peut-être déjà été utilisée). Recommencez.
reason-idp_unreachable = Le fournisseur d’identité est injoignable. Réessayez plus tard.
reason-idp_bad_response = Le fournisseur d’identité a renvoyé une réponse inutilisable.
reason-id_token_invalid = Le jeton d’identité du fournisseur n’était pas valide.
reason-id_token_nonce_mismatch = La réponse du fournisseur d’identité ne correspond pas à la connexion commencée dans ce navigateur. Recommencez.
reason-id_token_expired = Le jeton d’identité du fournisseur a expiré (les horloges sont-elles à l’heure ?).
reason-id_token_signature = La signature du jeton d’identité du fournisseur n’a pas pu être vérifiée.
reason-oauth_failed = Une étape de la connexion avec le fournisseur d’identité a échoué.
reason-authorization_url_failed = La connexion avec le fournisseur d’identité n’a pas pu démarrer.
reason-account_not_linked = Cette adresse e-mail appartient à un compte qui se connecte autrement.
reason-create_user_failed = Le compte n’a pas pu être créé.
reason-email_address_invalid = L’adresse e-mail n’est pas valide.
reason-email_not_sent = L’e-mail de connexion n’a pas pu être envoyé. Réessayez plus tard.
reason-link_expired = Le lien de connexion a expiré. Demandez-en un nouveau.
reason-link_used_or_unknown = Le lien de connexion a déjà été utilisé, ou ce n’est pas le dernier envoyé.
reason-link_malformed = Le lien de connexion est incomplet. Ouvrez-le exactement tel qu’il a été envoyé.
reason-credentials_refused = Les informations fournies n’ont pas été acceptées.
reason-webhook_failed = La vérification de connexion a échoué sur le serveur. Réessayez plus tard.
reason-webhook_unreachable = La vérification de connexion est injoignable. Réessayez plus tard.
reason-storage_failed = Le serveur n’a pas pu enregistrer la connexion. Réessayez plus tard.
reason-jwt_callback_failed = La session n’a pas pu être créée. Réessayez plus tard.
reason-signin_refused = Ce compte n’est pas autorisé à se connecter ici.
reason-rate_limited = Il y a eu trop de tentatives.
mail-subject = Connexion à { $host }
mail-button = Se connecter
mail-ignore = Si vous n’avez pas demandé cet e-mail, vous pouvez l’ignorer.
