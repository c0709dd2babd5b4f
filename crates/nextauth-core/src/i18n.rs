//! Translations of the built-in pages and the sign-in mail (issue 16), through Project Fluent
//! (`fluent-bundle`, Mozilla's reference implementation: plural rules from CLDR, placeables that
//! cannot inject markup because every page value is escaped when rendered).
//!
//! The catalogues are `locales/<lang>/nextauth.ftl`, embedded in the binary; `en` is v4's
//! wording byte for byte. An operator's `[pages] locales_dir` holds files of the same layout
//! (`<locales_dir>/<lang>/nextauth.ftl`) whose messages override or add to the built-in ones; a
//! locale only the operator has falls back to `en` for what it lacks.
//!
//! The locale of a request ([`Catalogues::negotiate`]): `?lang=`, then the `next-auth.locale`
//! cookie, then `Accept-Language` (q-values; `de-AT` finds `de`, `pt` finds `pt-BR`, by
//! `fluent-langneg`), then `[pages] default_locale`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_langneg::{NegotiationStrategy, negotiate_languages};
use unic_langid::LanguageIdentifier;

use crate::error::ConfigError;

/// The built-in locales and their catalogues, `en` first.
pub const BUILT_IN: [(&str, &str); 10] = [
    ("en", include_str!("../locales/en/nextauth.ftl")),
    ("de", include_str!("../locales/de/nextauth.ftl")),
    ("fr", include_str!("../locales/fr/nextauth.ftl")),
    ("es", include_str!("../locales/es/nextauth.ftl")),
    ("pt-BR", include_str!("../locales/pt-BR/nextauth.ftl")),
    ("it", include_str!("../locales/it/nextauth.ftl")),
    ("nl", include_str!("../locales/nl/nextauth.ftl")),
    ("pl", include_str!("../locales/pl/nextauth.ftl")),
    ("ja", include_str!("../locales/ja/nextauth.ftl")),
    ("zh-CN", include_str!("../locales/zh-CN/nextauth.ftl")),
];

/// The cookie that keeps a chosen locale (`?lang=` does not set it; an app may).
pub const LOCALE_COOKIE: &str = "next-auth.locale";

/// One locale: its tag, its bundle, and its text direction.
struct Locale {
    id: LanguageIdentifier,
    tag: String,
    bundle: FluentBundle<FluentResource>,
}

/// Every locale's messages, ready to format. Built once at start-up.
pub struct Catalogues {
    locales: Vec<Locale>,
    /// Index of the default locale.
    default: usize,
    /// Indexes into `locales`' ids, for negotiation.
    ids: Vec<LanguageIdentifier>,
}

impl std::fmt::Debug for Catalogues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogues")
            .field(
                "locales",
                &self
                    .locales
                    .iter()
                    .map(|l| l.tag.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("default", &self.locales[self.default].tag)
            .finish()
    }
}

/// A chosen locale of [`Catalogues`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocaleId(pub(crate) usize);

/// 1-based line of byte offset `pos` in `text`.
fn line_of(text: &str, pos: usize) -> usize {
    text[..pos.min(text.len())].matches('\n').count() + 1
}

/// Parses one catalogue; an error names `source` and the line.
fn parse(text: String, source: &str) -> Result<FluentResource, ConfigError> {
    FluentResource::try_new(text.clone()).map_err(|(_, errors)| {
        let e = &errors[0];
        ConfigError(format!(
            "{source}:{}: not a Fluent catalogue: {}",
            line_of(&text, e.pos.start),
            e.kind
        ))
    })
}

fn new_bundle(id: &LanguageIdentifier) -> FluentBundle<FluentResource> {
    let mut bundle = FluentBundle::new_concurrent(vec![id.clone()]);
    // No Unicode isolation marks around placeables: the English pages stay byte for byte v4's.
    bundle.set_use_isolating(false);
    bundle
}

impl Catalogues {
    /// The built-in catalogues, with `locales_dir`'s merged over them, and `default_locale`
    /// (which must be one of them). Errors name the file and line, or the unknown locale.
    pub fn load(
        default_locale: &str,
        locales_dir: Option<&Path>,
    ) -> Result<Catalogues, ConfigError> {
        let mut locales = Vec::new();
        for (tag, text) in BUILT_IN {
            let id: LanguageIdentifier = tag
                .parse()
                .map_err(|_| ConfigError(format!("built-in locale {tag:?} is not a tag")))?;
            let mut bundle = new_bundle(&id);
            let res = parse(text.to_string(), &format!("locales/{tag}/nextauth.ftl"))?;
            bundle
                .add_resource(res)
                .map_err(|e| ConfigError(format!("locales/{tag}/nextauth.ftl: {e:?}")))?;
            locales.push(Locale {
                id,
                tag: tag.to_string(),
                bundle,
            });
        }
        if let Some(dir) = locales_dir {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| ConfigError(format!("`pages.locales_dir` {}: {e}", dir.display())))?;
            let mut files: Vec<(String, PathBuf)> = Vec::new();
            for entry in entries.flatten() {
                let path = entry.path().join("nextauth.ftl");
                if let Some(tag) = entry.file_name().to_str()
                    && path.is_file()
                {
                    files.push((tag.to_string(), path));
                }
            }
            files.sort();
            for (tag, path) in files {
                let id: LanguageIdentifier = tag.parse().map_err(|_| {
                    ConfigError(format!(
                        "{}: {tag:?} is not a language tag (de, pt-BR, …)",
                        path.display()
                    ))
                })?;
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
                let res = parse(text, &path.display().to_string())?;
                let at = match locales.iter().position(|l| l.id == id) {
                    Some(i) => i,
                    None => {
                        locales.push(Locale {
                            bundle: new_bundle(&id),
                            id,
                            tag: tag.clone(),
                        });
                        locales.len() - 1
                    }
                };
                locales[at].bundle.add_resource_overriding(res);
            }
        }
        let ids: Vec<LanguageIdentifier> = locales.iter().map(|l| l.id.clone()).collect();
        let default = locales
            .iter()
            .position(|l| l.tag.eq_ignore_ascii_case(default_locale))
            .ok_or_else(|| {
                ConfigError(format!(
                    "`pages.default_locale` = {default_locale:?}: use one of {}",
                    locales
                        .iter()
                        .map(|l| l.tag.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        Ok(Catalogues {
            locales,
            default,
            ids,
        })
    }

    /// How many locales there are (built-in and the operator's).
    pub fn len(&self) -> usize {
        self.locales.len()
    }

    /// Never: `en` is always there.
    pub fn is_empty(&self) -> bool {
        self.locales.is_empty()
    }

    /// The default locale.
    pub fn default_locale(&self) -> LocaleId {
        LocaleId(self.default)
    }

    /// The locale for `?lang=`, the cookie and `Accept-Language` (in that order; each only when
    /// it names a locale we have, a range of one, or one its likely subtags lead to), else the
    /// default.
    pub fn negotiate(
        &self,
        lang: Option<&str>,
        cookie: Option<&str>,
        accept_language: Option<&str>,
    ) -> LocaleId {
        for wish in [lang, cookie].into_iter().flatten() {
            if let Some(found) = self.best(&[wish]) {
                return found;
            }
        }
        if let Some(header) = accept_language {
            let wishes = by_quality(header);
            let wishes: Vec<&str> = wishes.iter().map(String::as_str).collect();
            if let Some(found) = self.best(&wishes) {
                return found;
            }
        }
        self.default_locale()
    }

    fn best(&self, wishes: &[&str]) -> Option<LocaleId> {
        let requested: Vec<LanguageIdentifier> = wishes
            .iter()
            .filter(|w| w.len() <= 35)
            .filter_map(|w| w.parse().ok())
            .collect();
        if requested.is_empty() {
            return None;
        }
        let found = negotiate_languages(&requested, &self.ids, None, NegotiationStrategy::Lookup);
        let first = found.first()?;
        self.ids.iter().position(|i| i == *first).map(LocaleId)
    }

    /// The locale's tag (`pt-BR`), for `<html lang>`.
    pub fn tag(&self, l: LocaleId) -> &str {
        &self.locales[l.0].tag
    }

    /// `rtl` for right-to-left scripts (Arabic, Hebrew, Persian, Urdu…), else `ltr`.
    pub fn dir(&self, l: LocaleId) -> &'static str {
        let lang = self.locales[l.0].id.language.as_str();
        if matches!(
            lang,
            "ar" | "he" | "fa" | "ur" | "yi" | "ps" | "dv" | "ku" | "sd"
        ) {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// Message `key` in locale `l` with `args`; falls back to `en`, then to the key itself (a
    /// missing key is logged: the completeness test keeps the built-ins whole).
    pub fn message(&self, l: LocaleId, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.clone());
        }
        for bundle in [&self.locales[l.0].bundle, &self.locales[0].bundle] {
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(key, locale = %self.locales[l.0].tag, ?errors, "a translation did not format cleanly");
                }
                return text.into_owned();
            }
        }
        tracing::warn!(key, "no translation in any catalogue");
        key.to_string()
    }

    /// [`Catalogues::message`] without arguments.
    pub fn text(&self, l: LocaleId, key: &str) -> String {
        self.message(l, key, &[])
    }

    /// Every message without arguments of locale `l` (with `en`'s for what it lacks), for the
    /// templates' `t` map: `t["signin-heading"]`.
    pub fn table(&self, l: LocaleId) -> BTreeMap<String, String> {
        let mut keys: Vec<&str> = Vec::new();
        for (_, text) in BUILT_IN.iter().take(1) {
            for line in text.lines() {
                if let Some((id, _)) = line.split_once(" =")
                    && !id.starts_with(['#', ' '])
                    && !id.is_empty()
                {
                    keys.push(id);
                }
            }
        }
        // Messages that need arguments (`signin-with`, the plurals) are left out: the renderer
        // formats those itself.
        let mut out = BTreeMap::new();
        for key in keys {
            for bundle in [&self.locales[l.0].bundle, &self.locales[0].bundle] {
                if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                    let mut errors = Vec::new();
                    let text = bundle.format_pattern(pattern, None, &mut errors);
                    if errors.is_empty() {
                        out.insert(key.to_string(), text.into_owned());
                    }
                    break;
                }
            }
        }
        out
    }
}

/// The language ranges of an `Accept-Language` header, highest quality first (RFC 9110
/// §12.5.4; ties keep their order; `q=0` and `*` are left out).
fn by_quality(header: &str) -> Vec<String> {
    let mut ranges: Vec<(u16, usize, String)> = Vec::new();
    for (i, part) in header.split(',').take(32).enumerate() {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim();
        if tag.is_empty() || tag == "*" {
            continue;
        }
        let mut q = 1000u16;
        for p in pieces {
            // The parameter name is case-insensitive (RFC 9110 §5.6.6): `Q=0.5` is a weight too.
            let p = p.trim();
            if let Some(v) = p
                .get(..2)
                .filter(|k| k.eq_ignore_ascii_case("q="))
                .and_then(|_| p.get(2..))
            {
                q = v
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
                    .map_or(0, |q| (q * 1000.0).round() as u16);
            }
        }
        if q > 0 {
            ranges.push((q, i, tag.to_string()));
        }
    }
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().map(|(_, _, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_weights_by_q_in_either_case() {
        assert_eq!(by_quality("de;Q=0.5, fr"), ["fr", "de"]);
        assert_eq!(
            by_quality("ja;q=0.2,de-AT;q=1.0,de;q=0.9"),
            ["de-AT", "de", "ja"]
        );
        assert_eq!(by_quality("en;q=0, *, é;q=x"), Vec::<String>::new());
    }

    /// The message ids of a catalogue and the `$variables` each uses.
    fn messages(text: &str) -> BTreeMap<String, Vec<String>> {
        let res = FluentResource::try_new(text.to_string()).expect("parses");
        let mut out = BTreeMap::new();
        for entry in res.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                let mut vars = Vec::new();
                let src = format!("{:?}", m.value);
                for piece in src
                    .split("VariableReference { id: Identifier { name: \"")
                    .skip(1)
                {
                    if let Some(name) = piece.split('"').next() {
                        vars.push(name.to_string());
                    }
                }
                vars.sort();
                vars.dedup();
                out.insert(m.id.name.to_string(), vars);
            }
        }
        out
    }

    /// Every built-in catalogue has exactly `en`'s keys, each using only `en`'s placeholders.
    #[test]
    fn every_catalogue_has_every_key_of_en() {
        let en = messages(BUILT_IN[0].1);
        assert!(en.len() > 50, "{}", en.len());
        for (tag, text) in &BUILT_IN[1..] {
            let other = messages(text);
            for (key, vars) in &en {
                let got = other
                    .get(key)
                    .unwrap_or_else(|| panic!("locales/{tag}/nextauth.ftl lacks {key}"));
                for v in got {
                    assert!(vars.contains(v), "{tag} {key}: unknown placeholder ${v}");
                }
            }
            for key in other.keys() {
                assert!(en.contains_key(key), "{tag}: {key} is not a key of en");
            }
        }
    }

    #[test]
    fn negotiation_order_and_fallbacks() {
        let c = Catalogues::load("en", None).unwrap();
        let tag = |l| c.tag(l).to_string();
        assert_eq!(tag(c.negotiate(None, None, Some("de-AT,de;q=0.9"))), "de");
        assert_eq!(tag(c.negotiate(Some("ja"), Some("fr"), Some("de"))), "ja");
        assert_eq!(tag(c.negotiate(Some("xx"), Some("fr"), Some("de"))), "fr");
        assert_eq!(
            tag(c.negotiate(None, None, Some("fr;q=0.5, nl;q=0.8"))),
            "nl"
        );
        assert_eq!(tag(c.negotiate(None, None, Some("pt"))), "pt-BR");
        assert_eq!(tag(c.negotiate(None, None, Some("zh"))), "zh-CN");
        assert_eq!(tag(c.negotiate(None, None, Some("sv, *;q=0.1"))), "en");
        assert_eq!(tag(c.negotiate(None, None, Some("de;q=0"))), "en");
        assert_eq!(tag(c.negotiate(None, None, None)), "en");
        let c = Catalogues::load("pl", None).unwrap();
        assert_eq!(c.tag(c.negotiate(None, None, Some("sv"))), "pl");
        assert!(Catalogues::load("xx", None).is_err());
    }

    /// The templates' table holds the messages without arguments, and no others.
    #[test]
    fn the_table_has_the_plain_messages() {
        let c = Catalogues::load("en", None).unwrap();
        let t = c.table(c.negotiate(Some("de"), None, None));
        assert_eq!(t["signout-button"], "Abmelden");
        assert!(!t.contains_key("signin-with"));
        assert!(!t.contains_key("error-try-again-minutes"));
    }

    #[test]
    fn plurals_and_placeholders() {
        let c = Catalogues::load("en", None).unwrap();
        let en = c.default_locale();
        let n = |l, k, n: u64| c.message(l, k, &[("n", FluentValue::from(n))]);
        assert_eq!(
            n(en, "error-try-again-minutes", 1),
            "Try again in 1 minute."
        );
        assert_eq!(
            n(en, "error-try-again-minutes", 5),
            "Try again in 5 minutes."
        );
        let pl = c.negotiate(Some("pl"), None, None);
        assert_ne!(
            n(pl, "error-try-again-minutes", 2),
            n(pl, "error-try-again-minutes", 5)
        );
        assert_eq!(
            c.message(en, "signin-with", &[("provider", "<b>".into())]),
            "Sign in with <b>"
        );
    }

    #[test]
    fn operator_catalogues_override_and_broken_ones_name_file_and_line() {
        let dir = std::env::temp_dir().join(format!("nextauth-i18n-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("de")).unwrap();
        std::fs::write(dir.join("de/nextauth.ftl"), "signin-heading = Willkommen\n").unwrap();
        let c = Catalogues::load("en", Some(&dir)).unwrap();
        let de = c.negotiate(Some("de"), None, None);
        assert_eq!(c.text(de, "signin-heading"), "Willkommen");
        assert_eq!(c.text(de, "signout-button"), "Abmelden");
        std::fs::write(dir.join("de/nextauth.ftl"), "a = b\n\nbroken = {}\nc = d\n").unwrap();
        let e = Catalogues::load("en", Some(&dir)).unwrap_err().to_string();
        assert!(e.contains("de/nextauth.ftl:3:"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
