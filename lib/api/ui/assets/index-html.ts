/**
 * The UI's page shell; the script fills in its `main` element.
 *
 * Kept as a string module so `tsc` ships it in dist with no copy step. It may
 * not contain a backtick or a dollar-brace, which would end or interpolate the
 * template.
 *
 * @module
 */

/** The page served at /ui/ (and for any /ui/ path that is not an asset). */
export const INDEX_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>disco</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/style.css">
<script src="/ui/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/services">disco</a>
  <nav>
    <a href="#/services" data-tab="services">Services</a>
    <a href="#/nodes" data-tab="nodes">Nodes</a>
    <a href="#/kv/" data-tab="kv">Key/Value</a>
  </nav>
  <span id="agent" class="agent"></span>
  <span id="live" class="live" role="status">connecting…</span>
</header>
<main id="main"></main>
<noscript><p>This page needs JavaScript.</p></noscript>
</body>
</html>
`;
