# nextauth-rs built-in pages and mails: Brazilian Portuguese. Same keys as ../en/nextauth.ftl.

title-signin = Entrar
title-signout = Sair
title-verify-request = Verifique seu e-mail
title-error = Erro
signin-heading = Entrar
signin-with = Entrar com { $provider }
signin-email-label = E-mail
signin-error-default = Tente entrar com outra conta.
signin-error-account-not-linked = Para confirmar sua identidade, entre com a mesma conta que você usou originalmente.
signin-error-email = Não foi possível enviar o e-mail.
signin-error-credentials = Falha ao entrar. Verifique se os dados informados estão corretos.
signin-error-session-required = Entre para acessar esta página.
signin-error-rate-limited = Muitas tentativas de entrada. Tente novamente mais tarde.
signin-error-unknown = Não foi possível entrar.
signout-heading = Sair
signout-question = Tem certeza de que deseja sair?
signout-button = Sair
verify-heading = Verifique seu e-mail
verify-text = Um link de acesso foi enviado para o seu endereço de e-mail.
confirm-heading = Entrar
confirm-text = Continuar para entrar como { $email }.
confirm-button = Continuar
error-heading = Erro
error-signin-button = Entrar
error-request-id = ID da solicitação:
error-rate-limited-heading = Muitas tentativas
error-rate-limited-text = Houve muitas tentativas de entrada.
error-try-later = Tente novamente mais tarde.
error-try-again-seconds = { $n ->
    [one] Tente novamente em { $n } segundo.
   *[other] Tente novamente em { $n } segundos.
}
error-try-again-minutes = { $n ->
    [one] Tente novamente em { $n } minuto.
   *[other] Tente novamente em { $n } minutos.
}
error-try-again-hours = { $n ->
    [one] Tente novamente em { $n } hora.
   *[other] Tente novamente em { $n } horas.
}
error-configuration-heading = Erro no servidor
error-configuration-text = Há um problema na configuração do servidor.
error-configuration-hint = Consulte os logs do servidor para mais informações.
error-access-denied-heading = Acesso negado
error-access-denied-text = Você não tem permissão para entrar.
error-verification-heading = Não foi possível entrar
error-verification-text = O link de acesso não é mais válido.
error-verification-hint = Ele pode já ter sido usado ou ter expirado.
reason-state_cookie_missing = A entrada não foi iniciada neste navegador, os cookies estão bloqueados ou este link já foi usado.
reason-state_cookie_expired = A entrada levou mais de 15 minutos. Comece de novo.
reason-state_cookie_invalid = Não foi possível ler o cookie de entrada. Comece de novo.
reason-state_cookie_other_provider = Depois desta, uma entrada com outro provedor foi iniciada neste navegador. Comece de novo.
reason-pkce_cookie_missing = A entrada não foi iniciada neste navegador, os cookies estão bloqueados ou este link já foi usado.
reason-pkce_cookie_expired = A entrada levou mais de 15 minutos. Comece de novo.
reason-pkce_cookie_invalid = Não foi possível ler o cookie de entrada. Comece de novo.
reason-pkce_cookie_other_provider = Depois desta, uma entrada com outro provedor foi iniciada neste navegador. Comece de novo.
reason-nonce_cookie_missing = A entrada não foi iniciada neste navegador, os cookies estão bloqueados ou este link já foi usado.
reason-nonce_cookie_expired = A entrada levou mais de 15 minutos. Comece de novo.
reason-nonce_cookie_invalid = Não foi possível ler o cookie de entrada. Comece de novo.
reason-nonce_cookie_other_provider = Depois desta, uma entrada com outro provedor foi iniciada neste navegador. Comece de novo.
reason-state_mismatch = A resposta do provedor de identidade não pertence à entrada iniciada neste navegador. Comece de novo.
reason-state_param_invalid = A resposta do provedor de identidade está incompleta. Comece de novo.
reason-issuer_mismatch = A resposta veio de um provedor de identidade diferente do consultado.
reason-code_missing = A resposta do provedor de identidade não tem código de autorização.
reason-idp_access_denied = A entrada foi cancelada ou recusada no provedor de identidade.
reason-idp_interaction_required = O provedor de identidade precisa que você entre ou dê consentimento lá primeiro.
reason-idp_unavailable = O provedor de identidade está indisponível. Tente novamente mais tarde.
reason-idp_error = O provedor de identidade recusou a solicitação (a configuração dele para este site pode estar errada).
reason-token_endpoint_refused = O provedor de identidade não aceitou a entrada (ela pode já ter sido usada). Comece de novo.
reason-idp_unreachable = Não foi possível contatar o provedor de identidade. Tente novamente mais tarde.
reason-idp_bad_response = O provedor de identidade respondeu algo inutilizável.
reason-id_token_invalid = O token de ID do provedor de identidade não era válido.
reason-id_token_nonce_mismatch = A resposta do provedor de identidade não pertence à entrada iniciada neste navegador. Comece de novo.
reason-id_token_expired = O token de ID do provedor de identidade expirou (os relógios estão certos?).
reason-id_token_signature = Não foi possível verificar a assinatura do token de ID do provedor de identidade.
reason-oauth_failed = Uma etapa da entrada com o provedor de identidade falhou.
reason-authorization_url_failed = Não foi possível iniciar a entrada com o provedor de identidade.
reason-account_not_linked = Este endereço de e-mail pertence a uma conta que entra de outra forma.
reason-create_user_failed = Não foi possível criar a conta.
reason-email_address_invalid = O endereço de e-mail não é válido.
reason-email_not_sent = Não foi possível enviar o e-mail de acesso. Tente novamente mais tarde.
reason-link_expired = O link de acesso expirou. Peça um novo.
reason-link_used_or_unknown = O link de acesso já foi usado ou não é o último enviado.
reason-link_malformed = O link de acesso está incompleto. Abra-o exatamente como foi enviado.
reason-credentials_refused = Os dados informados não foram aceitos.
reason-webhook_failed = A verificação de entrada falhou no servidor. Tente novamente mais tarde.
reason-webhook_unreachable = Não foi possível contatar a verificação de entrada. Tente novamente mais tarde.
reason-storage_failed = O servidor não conseguiu salvar a entrada. Tente novamente mais tarde.
reason-jwt_callback_failed = Não foi possível criar a sessão. Tente novamente mais tarde.
reason-signin_refused = Esta conta não pode entrar aqui.
reason-rate_limited = Houve muitas tentativas.
mail-subject = Entrar em { $host }
mail-button = Entrar
mail-ignore = Se você não solicitou este e-mail, pode ignorá-lo.
