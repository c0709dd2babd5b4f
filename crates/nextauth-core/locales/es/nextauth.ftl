# nextauth-rs built-in pages and mails: Spanish. Same keys as ../en/nextauth.ftl.

title-signin = Iniciar sesión
title-signout = Cerrar sesión
title-verify-request = Revisa tu correo
title-error = Error
signin-heading = Iniciar sesión
signin-with = Iniciar sesión con { $provider }
signin-email-label = Correo electrónico
signin-error-default = Intenta iniciar sesión con otra cuenta.
signin-error-account-not-linked = Para confirmar tu identidad, inicia sesión con la misma cuenta que usaste originalmente.
signin-error-email = No se pudo enviar el correo.
signin-error-credentials = No se pudo iniciar sesión. Comprueba que los datos sean correctos.
signin-error-session-required = Inicia sesión para acceder a esta página.
signin-error-rate-limited = Demasiados intentos de inicio de sesión. Inténtalo más tarde.
signin-error-unknown = No se puede iniciar sesión.
signout-heading = Cerrar sesión
signout-question = ¿Seguro que quieres cerrar sesión?
signout-button = Cerrar sesión
verify-heading = Revisa tu correo
verify-text = Se ha enviado un enlace de inicio de sesión a tu dirección de correo.
confirm-heading = Iniciar sesión
confirm-text = Continuar para iniciar sesión como { $email }.
confirm-button = Continuar
error-heading = Error
error-signin-button = Iniciar sesión
error-request-id = ID de solicitud:
error-rate-limited-heading = Demasiados intentos
error-rate-limited-text = Hubo demasiados intentos de inicio de sesión.
error-try-later = Inténtalo más tarde.
error-try-again-seconds = { $n ->
    [one] Inténtalo de nuevo en { $n } segundo.
   *[other] Inténtalo de nuevo en { $n } segundos.
}
error-try-again-minutes = { $n ->
    [one] Inténtalo de nuevo en { $n } minuto.
   *[other] Inténtalo de nuevo en { $n } minutos.
}
error-try-again-hours = { $n ->
    [one] Inténtalo de nuevo en { $n } hora.
   *[other] Inténtalo de nuevo en { $n } horas.
}
error-configuration-heading = Error del servidor
error-configuration-text = Hay un problema con la configuración del servidor.
error-configuration-hint = Consulta los registros del servidor para más información.
error-access-denied-heading = Acceso denegado
error-access-denied-text = No tienes permiso para iniciar sesión.
error-verification-heading = No se puede iniciar sesión
error-verification-text = El enlace de inicio de sesión ya no es válido.
error-verification-hint = Puede que ya se haya usado o que haya caducado.
reason-state_cookie_missing = El inicio de sesión no se empezó en este navegador, las cookies están bloqueadas o este enlace ya se usó.
reason-state_cookie_expired = El inicio de sesión tardó más de 15 minutos. Vuelve a empezar.
reason-state_cookie_invalid = No se pudo leer la cookie de inicio de sesión. Vuelve a empezar.
reason-state_cookie_other_provider = Después de este se empezó en este navegador un inicio de sesión con otro proveedor. Vuelve a empezar.
reason-pkce_cookie_missing = El inicio de sesión no se empezó en este navegador, las cookies están bloqueadas o este enlace ya se usó.
reason-pkce_cookie_expired = El inicio de sesión tardó más de 15 minutos. Vuelve a empezar.
reason-pkce_cookie_invalid = No se pudo leer la cookie de inicio de sesión. Vuelve a empezar.
reason-pkce_cookie_other_provider = Después de este se empezó en este navegador un inicio de sesión con otro proveedor. Vuelve a empezar.
reason-nonce_cookie_missing = El inicio de sesión no se empezó en este navegador, las cookies están bloqueadas o este enlace ya se usó.
reason-nonce_cookie_expired = El inicio de sesión tardó más de 15 minutos. Vuelve a empezar.
reason-nonce_cookie_invalid = No se pudo leer la cookie de inicio de sesión. Vuelve a empezar.
reason-nonce_cookie_other_provider = Después de este se empezó en este navegador un inicio de sesión con otro proveedor. Vuelve a empezar.
reason-state_mismatch = La respuesta del proveedor de identidad no corresponde al inicio de sesión empezado en este navegador. Vuelve a empezar.
reason-state_param_invalid = La respuesta del proveedor de identidad está incompleta. Vuelve a empezar.
reason-issuer_mismatch = La respuesta vino de un proveedor de identidad distinto del consultado.
reason-code_missing = La respuesta del proveedor de identidad no tiene código de autorización.
reason-idp_access_denied = El inicio de sesión se canceló o se rechazó en el proveedor de identidad.
reason-idp_interaction_required = El proveedor de identidad necesita que primero inicies sesión o des tu consentimiento allí.
reason-idp_unavailable = El proveedor de identidad no está disponible. Inténtalo más tarde.
reason-idp_error = El proveedor de identidad rechazó la solicitud (puede que su configuración para este sitio sea incorrecta).
reason-token_endpoint_refused = El proveedor de identidad no aceptó el inicio de sesión (puede que ya se haya usado). Vuelve a empezar.
reason-idp_unreachable = No se pudo contactar con el proveedor de identidad. Inténtalo más tarde.
reason-idp_bad_response = El proveedor de identidad respondió algo inutilizable.
reason-id_token_invalid = El token de ID del proveedor de identidad no era válido.
reason-id_token_nonce_mismatch = La respuesta del proveedor de identidad no corresponde al inicio de sesión empezado en este navegador. Vuelve a empezar.
reason-id_token_expired = El token de ID del proveedor de identidad ha caducado (¿están bien los relojes?).
reason-id_token_signature = No se pudo verificar la firma del token de ID del proveedor de identidad.
reason-oauth_failed = Falló un paso del inicio de sesión con el proveedor de identidad.
reason-authorization_url_failed = No se pudo empezar el inicio de sesión con el proveedor de identidad.
reason-account_not_linked = Esta dirección de correo pertenece a una cuenta que inicia sesión de otra forma.
reason-create_user_failed = No se pudo crear la cuenta.
reason-email_address_invalid = La dirección de correo no es válida.
reason-email_not_sent = No se pudo enviar el correo de inicio de sesión. Inténtalo más tarde.
reason-link_expired = El enlace de inicio de sesión ha caducado. Solicita uno nuevo.
reason-link_used_or_unknown = El enlace de inicio de sesión ya se usó o no es el último enviado.
reason-link_malformed = El enlace de inicio de sesión está incompleto. Ábrelo exactamente como se envió.
reason-credentials_refused = Los datos proporcionados no fueron aceptados.
reason-webhook_failed = La comprobación de inicio de sesión falló en el servidor. Inténtalo más tarde.
reason-webhook_unreachable = No se pudo contactar con la comprobación de inicio de sesión. Inténtalo más tarde.
reason-storage_failed = El servidor no pudo guardar el inicio de sesión. Inténtalo más tarde.
reason-jwt_callback_failed = No se pudo crear la sesión. Inténtalo más tarde.
reason-signin_refused = Esta cuenta no puede iniciar sesión aquí.
reason-rate_limited = Hubo demasiados intentos.
mail-subject = Inicia sesión en { $host }
mail-button = Iniciar sesión
mail-ignore = Si no solicitaste este correo, puedes ignorarlo.
