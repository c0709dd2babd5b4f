// Reference values from JavaScript itself (Node >= 20), for what next-auth leaves to the language:
// `encodeURIComponent` (the `cookie` package's default encoder of Set-Cookie values) and
// `Date.prototype.toISOString` / `toUTCString` (the session's `expires`; the cookie's `Expires`
// attribute, which `cookie` writes with `toUTCString`, RFC 7231's IMF-fixdate).
//
//   node crates/nextauth-core/testdata/make-js-reference.mjs > crates/nextauth-core/testdata/js_reference.json
const uri = [];
// Every code point below U+0100, one per entry (U+0080..U+00FF are two UTF-8 bytes).
for (let c = 0; c < 0x100; c++) uri.push(String.fromCodePoint(c));
// Multi-byte text, an astral character, the last code points, and mixed values.
for (const s of ["\u0800", "\u20ac", "\u2603", "\ufffd", "\uffff", "\u{10000}", "\u{1f600}", "\u{10ffff}",
  "caf\u00e9 \u2603 \u{1f600}", "http://127.0.0.1:3000/a b?c=d|e&f=g#h", "plain-JWE.value_~!*'()", "a%20b", ""]) uri.push(s);
const dates = [];
for (const ms of [0, 1, 999, 1000, 86399999, 86400000, 784111777000 /* RFC 7231's example */,
  951782400000, 951782400009, 951868799999, 978307199999, 1700000000000, 1702592000000,
  1798435754439, 1798435754000, 4102444800000, 4107542400000, 253402300799000, 253402300799999,
  32503680000000 /* 3000-01-01 */, 946684800000, 1709164800000 /* 2024-02-29 */, 1735689599999,
  -1, -86400000, -2208988800000 /* 1900-01-01 */, -30610224000000 /* 1000-01-01 */]) {
  const d = new Date(ms);
  dates.push({ ms, iso: d.toISOString(), utc: d.toUTCString() });
}
process.stdout.write(JSON.stringify({
  generated_by: `node ${process.version} make-js-reference.mjs`,
  encode_uri_component: uri.map((s) => ({ in: s, out: encodeURIComponent(s) })),
  dates,
}, null, 1) + "\n");
