import t from "tap";
import fc from "fast-check";
import { parseTarget } from "../../../lib/api/http/request.js";

type Parsed = { path: string; query: [string, string][] } | "invalid";

/** What the server did before the fast path: WHATWG URL parsing against a dummy base. */
function viaUrl(target: string): Parsed {
  try {
    const url = new URL(target, "http://agent");
    return { path: url.pathname, query: [...url.searchParams] };
  } catch {
    return "invalid";
  }
}

function viaParse(target: string): Parsed {
  try {
    const { path, query } = parseTarget(target);
    return { path, query: [...query] };
  } catch {
    return "invalid";
  }
}

t.test("parseTarget gives the path and query WHATWG URL parsing gives, tricky targets included", async (t) => {
  const targets = [
    "/v1/health/service/web?passing", "/v1/health/service/web", "/v1/kv/a/b/?keys&separator=/", "/",
    "/v1/kv/a%2Fb?cas=0&flags=5", "/v1/kv/a/%2e%2e/b", "/v1/kv/a/.%2E/b", "/v1/kv/a/./b", "/v1/kv/a/..", "/a/%2e",
    "//host/v1/kv/x?y", "/a\\b", "/a b?c d", "/a?b#frag", "/a#frag?b", "/a?x=%zz&y=%41", "/v1/kv/é?x=é", "/a^b|c",
    "/a?x=a\tb", "/a\tb", "/a{b}`", "/a?x=1+2&y=a%2Bb", "/a?'q'=\"v\"", "/v1/kv/key with space",
    "/a?x=<>", "/a/../../..", "/a?", "/a?&&=&", "/v1/kv/a.b/c..d/...", "//", "//[bad",
  ];
  for (const target of targets) t.same(viaParse(target), viaUrl(target), JSON.stringify(target));
});

t.test("parseTarget agrees with URL parsing on generated targets (property)", async (t) => {
  // Characters chosen to hit every branch: dots, percent signs, slashes, backslashes, '#', spaces, tabs, non-ASCII.
  const piece = fc.constantFrom(
    "a", "Z", "0", "-", "_", "~", ".", "..", "%", "%2e", "%2E", "%41", "%zz", "/", "//", "\\", "?", "&", "=", "+",
    "#", " ", "\t", "é", "'", "\"", "<", "{", "|", ":", "@", "!", "*", ";", ",",
  );
  fc.assert(fc.property(fc.array(piece, { maxLength: 16 }), (pieces) => {
    const target = "/" + pieces.join("");
    t.strictSame(viaParse(target), viaUrl(target), JSON.stringify(target));
  }), { numRuns: 2000, seed: 5 });
});

t.test("parseTarget keeps the query string as received (it keys the response cache)", async (t) => {
  t.equal(parseTarget("/v1/health/service/web?passing&index=7").search, "passing&index=7");
  t.equal(parseTarget("/v1/catalog/services").search, "");
  t.equal(parseTarget("/a b?c d").search, "c%20d", "a target URL parsing had to normalise gives URL's search");
});
