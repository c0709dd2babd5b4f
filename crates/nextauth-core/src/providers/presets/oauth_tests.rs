//! One test per preset: the provider's documented profile response (userinfo JSON or ID-token
//! claims, trimmed to representative fields) through the preset's mapping.

use serde_json::{Value, json};

use super::*;
use crate::flows::oauth::map_profile;

fn provider(name: &str) -> OAuthProvider {
    let (id, p) = preset(name, "client-id", Secret::new("client-secret")).unwrap();
    assert_eq!(id, find(name).unwrap().id);
    p.validate()
        .or_else(|e| {
            // Tenant presets need an issuer from the configuration.
            assert!(p.issuer_hint.is_some(), "{name}: {e}");
            let mut with = p.clone();
            with.issuer = Some("https://tenant.example.com".into());
            with.validate()
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    p
}

fn mapped(name: &str, raw: Value) -> Value {
    Value::Object(map_profile(&provider(name).profile, &raw).unwrap())
}

#[test]
fn at_least_fifteen_presets_with_unique_names() {
    let names = names();
    assert!(names.len() >= 15, "{names:?}");
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len());
    for p in PRESETS {
        // No logo may point at another host (the pages make no external requests).
        assert!(p.provider("c", Secret::new("s")).style.logo.is_none());
        assert!(
            p.id_token || p.userinfo_url.is_some() || p.issuer.is_some() || p.issuer_hint.is_some()
        );
    }
    assert!(preset("nope", "c", Secret::new("s")).is_none());
}

#[test]
fn github() {
    let p = provider("github");
    assert_eq!(p.scope.as_deref(), Some("read:user user:email"));
    assert!(!p.id_token && p.emails_url.is_some());
    // https://docs.github.com/en/rest/users/users#get-the-authenticated-user
    let user = mapped(
        "github",
        json!({"login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=",
               "avatar_url": "https://github.com/images/error/octocat_happy.gif",
               "name": "monalisa octocat", "email": "Octocat@GitHub.com", "type": "User"}),
    );
    assert_eq!(
        user,
        json!({"id": "1", "name": "monalisa octocat", "email": "octocat@github.com",
               "image": "https://github.com/images/error/octocat_happy.gif"})
    );
    // No display name and no public e-mail: the login stands in (v4: name ?? login).
    let user = mapped(
        "github",
        json!({"login": "octocat", "id": 1, "name": null, "email": null}),
    );
    assert_eq!(user, json!({"id": "1", "name": "octocat"}));
}

#[test]
fn google() {
    let p = provider("google");
    assert_eq!(p.issuer.as_deref(), Some("https://accounts.google.com"));
    assert_eq!(p.checks, vec![Check::Pkce, Check::State]);
    assert!(p.id_token);
    let user = mapped(
        "google",
        json!({"iss": "https://accounts.google.com", "azp": "client-id", "aud": "client-id",
               "sub": "110169484474386276334", "email": "Jane.Doe@gmail.com", "email_verified": true,
               "name": "Jane Doe", "picture": "https://lh3.googleusercontent.com/a/photo.jpg",
               "given_name": "Jane", "family_name": "Doe", "iat": 1, "exp": 2}),
    );
    assert_eq!(
        user,
        json!({"id": "110169484474386276334", "name": "Jane Doe", "email": "jane.doe@gmail.com",
               "image": "https://lh3.googleusercontent.com/a/photo.jpg"})
    );
}

#[test]
fn gitlab() {
    let p = provider("gitlab");
    assert_eq!(p.scope.as_deref(), Some("read_user"));
    // https://docs.gitlab.com/ee/api/users.html#for-normal-users-1
    let user = mapped(
        "gitlab",
        json!({"id": 1, "username": "john_smith", "email": "john@example.com", "name": "John Smith",
               "state": "active", "avatar_url": "http://localhost:3000/uploads/user/avatar/1/index.jpg",
               "web_url": "http://localhost:3000/john_smith"}),
    );
    assert_eq!(
        user,
        json!({"id": "1", "name": "John Smith", "email": "john@example.com",
               "image": "http://localhost:3000/uploads/user/avatar/1/index.jpg"})
    );
}

#[test]
fn discord() {
    let p = provider("discord");
    assert_eq!(p.scope.as_deref(), Some("identify email"));
    // https://discord.com/developers/docs/resources/user#user-object
    let user = mapped(
        "discord",
        json!({"id": "80351110224678912", "username": "Nelly", "discriminator": "1337",
               "avatar": "8342729096ea3675442027381ff50dfe", "verified": true,
               "email": "nelly@discord.com", "flags": 64}),
    );
    assert_eq!(
        user,
        json!({"id": "80351110224678912", "name": "Nelly", "email": "nelly@discord.com",
               "image": "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png"})
    );
    let user = mapped(
        "discord",
        json!({"id": "1", "username": "x", "avatar": null}),
    );
    assert_eq!(user, json!({"id": "1", "name": "x"}));
}

#[test]
fn azure_ad_and_microsoft_entra_id() {
    for name in ["azure-ad", "microsoft-entra-id"] {
        let p = provider(name);
        assert!(p.issuer.is_none() && p.issuer_hint.is_some());
        assert!(p.validate().unwrap_err().0.contains("`issuer` is required"));
        // https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
        let user = mapped(
            name,
            json!({"aud": "client-id", "iss": "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
                   "iat": 1, "nbf": 1, "exp": 2, "name": "Abe Lincoln",
                   "oid": "00000000-0000-0000-66f3-3332eca7ea81", "preferred_username": "AbeLi@microsoft.com",
                   "email": "AbeLi@microsoft.com", "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
                   "tid": "9188040d-6c67-4c5b-b112-36a304b66dad", "ver": "2.0"}),
        );
        assert_eq!(
            user,
            json!({"id": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", "name": "Abe Lincoln",
                   "email": "abeli@microsoft.com"})
        );
    }
    assert_eq!(
        display_name("microsoft-entra-id"),
        Some("Microsoft Entra ID")
    );
}

#[test]
fn apple() {
    let p = provider("apple");
    assert_eq!(p.checks, vec![Check::Pkce]);
    assert_eq!(
        p.authorization_params,
        vec![("response_mode".to_string(), "form_post".to_string())]
    );
    // https://developer.apple.com/documentation/sign_in_with_apple/sign_in_with_apple_rest_api/authenticating_users_with_sign_in_with_apple
    let user = mapped(
        "apple",
        json!({"iss": "https://appleid.apple.com", "aud": "client-id", "exp": 2, "iat": 1,
               "sub": "001234.abcdef0123456789abcdef0123456789.1234", "email": "xyz@privaterelay.appleid.com",
               "email_verified": "true", "is_private_email": "true", "auth_time": 1, "nonce_supported": true}),
    );
    assert_eq!(
        user,
        json!({"id": "001234.abcdef0123456789abcdef0123456789.1234", "email": "xyz@privaterelay.appleid.com"})
    );
}

#[test]
fn auth0() {
    let p = provider("auth0");
    assert_eq!(p.checks, vec![Check::Pkce]);
    let user = mapped(
        "auth0",
        json!({"sub": "auth0|507f1f77bcf86cd799439020", "nickname": "janedoe", "name": "jane@example.com",
               "picture": "https://s.gravatar.com/avatar/a.png", "email": "Jane@Example.com",
               "email_verified": true, "iss": "https://tenant.auth0.com/", "aud": "client-id"}),
    );
    assert_eq!(
        user,
        json!({"id": "auth0|507f1f77bcf86cd799439020", "name": "janedoe", "email": "jane@example.com",
               "image": "https://s.gravatar.com/avatar/a.png"})
    );
}

#[test]
fn keycloak() {
    provider("keycloak");
    let raw = json!({"exp": 2, "iat": 1, "iss": "https://kc.example.com/realms/demo", "aud": "client-id",
                     "sub": "f:9d0e:jdoe", "typ": "ID", "azp": "client-id", "email_verified": true,
                     "preferred_username": "jdoe", "email": "jdoe@example.com"});
    // No `name` claim: preferred_username stands in (v4: name ?? preferred_username).
    assert_eq!(
        mapped("keycloak", raw),
        json!({"id": "f:9d0e:jdoe", "name": "jdoe", "email": "jdoe@example.com"})
    );
}

#[test]
fn okta() {
    provider("okta");
    let user = mapped(
        "okta",
        json!({"sub": "00uid4BxXw6I6TV4m0g3", "name": "John Doe", "preferred_username": "john.doe@example.com",
               "email": "john.doe@example.com", "ver": 1, "iss": "https://org.okta.com", "aud": "client-id",
               "picture": "https://org.okta.com/avatar.png"}),
    );
    assert_eq!(
        user,
        json!({"id": "00uid4BxXw6I6TV4m0g3", "name": "John Doe", "email": "john.doe@example.com",
               "image": "https://org.okta.com/avatar.png"})
    );
}

#[test]
fn slack() {
    let p = provider("slack");
    assert_eq!(p.issuer.as_deref(), Some("https://slack.com"));
    // https://api.slack.com/authentication/sign-in-with-slack#response
    let user = mapped(
        "slack",
        json!({"ok": true, "sub": "U0R7JM", "https://slack.com/user_id": "U0R7JM",
               "https://slack.com/team_id": "T0R7GR", "email": "krane@slack-corp.com",
               "email_verified": true, "name": "krane", "picture": "https://secure.gravatar.com/avatar/x.jpg",
               "https://slack.com/user_image_24": "https://secure.gravatar.com/avatar/24.jpg"}),
    );
    assert_eq!(
        user,
        json!({"id": "U0R7JM", "name": "krane", "email": "krane@slack-corp.com",
               "image": "https://secure.gravatar.com/avatar/x.jpg"})
    );
}

#[test]
fn twitch() {
    let p = provider("twitch");
    assert!(p.authorization_params[0].1.contains("preferred_username"));
    let user = mapped(
        "twitch",
        json!({"aud": "client-id", "exp": 2, "iat": 1, "iss": "https://id.twitch.tv/oauth2",
               "sub": "713936733", "email": "Streamer@Example.com", "email_verified": true,
               "picture": "https://static-cdn.jtvnw.net/user-default-pictures.png",
               "preferred_username": "streamer"}),
    );
    assert_eq!(
        user,
        json!({"id": "713936733", "name": "streamer", "email": "streamer@example.com",
               "image": "https://static-cdn.jtvnw.net/user-default-pictures.png"})
    );
}

#[test]
fn linkedin() {
    let p = provider("linkedin");
    assert_eq!(p.client_auth, Some(ClientAuth::ClientSecretPost));
    // https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
    let user = mapped(
        "linkedin",
        json!({"iss": "https://www.linkedin.com/oauth", "aud": "client-id", "iat": 1, "exp": 2,
               "sub": "782bbtaQ", "name": "John Doe", "given_name": "John", "family_name": "Doe",
               "picture": "https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile.jpg",
               "email": "doe@email.com", "email_verified": "true", "locale": "en-US"}),
    );
    assert_eq!(
        user,
        json!({"id": "782bbtaQ", "name": "John Doe", "email": "doe@email.com",
               "image": "https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile.jpg"})
    );
}

#[test]
fn facebook() {
    let p = provider("facebook");
    assert!(
        p.userinfo_url
            .as_deref()
            .unwrap()
            .contains("fields=id,name,email,picture")
    );
    // https://developers.facebook.com/docs/graph-api/reference/user/picture/
    let user = mapped(
        "facebook",
        json!({"id": "10158893345567890", "name": "Jane Doe", "email": "jane@example.com",
               "picture": {"data": {"height": 50, "is_silhouette": false,
                                    "url": "https://platform-lookaside.fbsbx.com/pic.jpg", "width": 50}}}),
    );
    assert_eq!(
        user,
        json!({"id": "10158893345567890", "name": "Jane Doe", "email": "jane@example.com",
               "image": "https://platform-lookaside.fbsbx.com/pic.jpg"})
    );
}

#[test]
fn spotify() {
    provider("spotify");
    // https://developer.spotify.com/documentation/web-api/reference/get-current-users-profile
    let user = mapped(
        "spotify",
        json!({"country": "SE", "display_name": "JM Wizzler", "email": "email@example.com",
               "id": "wizzler", "images": [{"height": 300, "url": "https://i.scdn.co/image/ab67.jpg", "width": 300}],
               "product": "premium", "type": "user"}),
    );
    assert_eq!(
        user,
        json!({"id": "wizzler", "name": "JM Wizzler", "email": "email@example.com",
               "image": "https://i.scdn.co/image/ab67.jpg"})
    );
    assert_eq!(
        mapped("spotify", json!({"id": "x", "images": []})),
        json!({"id": "x"})
    );
}

#[test]
fn bitbucket() {
    provider("bitbucket");
    // https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/#api-user-get
    let user = mapped(
        "bitbucket",
        json!({"type": "user", "uuid": "{d301aafa-d676-4ee0-88be-962be7417567}",
               "account_id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443", "nickname": "evzijst",
               "display_name": "Erik van Zijst", "username": "evzijst",
               "links": {"avatar": {"href": "https://bitbucket.org/account/evzijst/avatar/"}}}),
    );
    assert_eq!(
        user,
        json!({"id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443", "name": "Erik van Zijst",
               "image": "https://bitbucket.org/account/evzijst/avatar/"})
    );
}
