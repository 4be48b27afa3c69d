/**
 * The UI's files as HTTP resources: bytes, content type and entity tag.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { APP_JS } from "./assets/app-js.js";
import { INDEX_HTML } from "./assets/index-html.js";
import { STYLE_CSS } from "./assets/style-css.js";

/** One file the UI serves. */
export interface UiAsset {
  contentType: string;
  body: Buffer;
  /** Strong entity tag from the content, so a reload revalidates instead of refetching. */
  etag: string;
}

function asset(contentType: string, text: string): UiAsset {
  const body = Buffer.from(text, "utf8");
  return { contentType, body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
}

const INDEX = asset("text/html; charset=utf-8", INDEX_HTML);

const FILES: ReadonlyMap<string, UiAsset> = new Map([
  ["index.html", INDEX],
  ["app.js", asset("text/javascript; charset=utf-8", APP_JS)],
  ["style.css", asset("text/css; charset=utf-8", STYLE_CSS)],
]);

/**
 * The asset at `rel` (the path after /ui/). The page routes with the URL hash,
 * but any other extension-less path also gets the page, so a link someone
 * rewrote to a path still lands in the UI; an unknown file name gets nothing.
 */
export function uiAsset(rel: string): UiAsset | undefined {
  const file = FILES.get(rel);
  if (file) return file;
  const last = rel.slice(rel.lastIndexOf("/") + 1);
  return last.includes(".") ? undefined : INDEX;
}
