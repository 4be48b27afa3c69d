// The functions handed to page.evaluate/waitForFunction run in the browser.
/// <reference lib="dom" />
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { startUiServer, type UiServer } from "./ui-server.js";

const CHROMIUM = "/usr/bin/chromium";
/** Longest wait for the page to show a change; blocking queries deliver in well under a second. */
const DOM_WAIT_MS = 5000;

type Browser = import("playwright-core").Browser;
type Page = import("playwright-core").Page;

if (!existsSync(CHROMIUM)) {
  t.fail(`chromium is missing at ${CHROMIUM}: install it with \`apt-get install -y chromium\``);
} else {
  await run();
}

async function run(): Promise<void> {
  let playwright: typeof import("playwright-core");
  try {
    playwright = await import("playwright-core");
  } catch (err) {
    t.fail(`playwright-core is not installed (a devDependency): ${(err as Error).message}`);
    return;
  }
  const browser: Browser = await playwright.chromium.launch({
    executablePath: CHROMIUM, timeout: 15_000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  t.teardown(() => browser.close());
  const server: UiServer = await startUiServer("ui-node");
  t.teardown(() => server.close());
  const page: Page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.setDefaultTimeout(DOM_WAIT_MS);
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    // A missing key answers 404, as in Consul; Chromium logs every 404 fetch.
    if (/status of 404/.test(msg.text()) && new URL(msg.location().url).pathname.startsWith("/v1/kv/")) return;
    problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on("dialog", (d) => {
    problems.push(`unexpected dialog: ${d.message()}`);
    void d.dismiss();
  });

  /** Waits until the element's text contains `text` (the page must change by itself: no reload). */
  const waitText = (selector: string, text: string): Promise<unknown> =>
    page.waitForFunction(
      ([sel, want]) => (document.querySelector(sel!)?.textContent ?? "").includes(want!),
      [selector, text], { timeout: DOM_WAIT_MS },
    );
  const waitGone = (selector: string): Promise<unknown> =>
    page.waitForFunction((sel) => document.querySelector(sel) === null, selector, { timeout: DOM_WAIT_MS });

  await t.test("the root redirects to /ui/ and the page loads with no inline script, error or dialog", async (t) => {
    const res = await page.goto(server.base + "/");
    t.equal(new URL(page.url()).pathname, "/ui/");
    t.match(res?.headers()["content-security-policy"] ?? "", /script-src 'self'/);
    await waitText("#live", "live");
    await waitText("#agent", "ui-node");
    // Marks this document: a reload would lose it.
    await page.evaluate(() => { (window as unknown as { uiMark: number }).uiMark = 42; });
  });

  await t.test("services list: a registered instance appears and the count follows register/deregister without a reload", async (t) => {
    const web = await server.agent.register({ name: "web", port: 8080, tags: ["v1"], check: { ttl: "60s" } });
    await waitText('[data-service="web"]', "1 instance");
    const web2 = await server.agent.register({ name: "web", id: "web-2", port: 8081, tags: ["v2"], check: { ttl: "60s" } });
    await waitText('[data-service="web"]', "2 instances");
    await waitText('[data-service="web"]', "v2");
    await server.agent.register({ name: "db", port: 5432, check: { ttl: "60s" } });
    await waitText("#services", "db");
    await web2.deregister();
    await waitText('[data-service="web"]', "1 instance");
    const dbId = "db";
    await server.agent.deregister(dbId);
    await waitGone('[data-service="db"]');
    t.match(await page.textContent('[data-service="web"]'), /1 instance/, "the list followed every change");

    await t.test("a check going critical shows in the list and on the instance with its output", async (t) => {
      await web.fail("connection refused on :8080");
      await waitText('[data-service="web"] .health', "1 critical");
      await page.click('[data-service="web"] a');
      await waitText('[data-instance="web"]', "connection refused on :8080");
      const status = await page.getAttribute('[data-instance="web"] [data-check="service:web"] .badge', "data-status");
      t.equal(status, "critical");
      await web.pass("back up");
      await page.waitForSelector('[data-instance="web"] [data-check="service:web"] .badge[data-status="passing"]');
      await waitText('[data-instance="web"]', "back up");
      t.equal(await page.getAttribute('[data-instance="web"] [data-check="service:web"] .badge', "data-status"), "passing", "critical, then passing again, live");
    });
  });

  await t.test("nodes list shows the node alive with its services", async (t) => {
    await page.click('[data-tab="nodes"]');
    await waitText('[data-node="ui-node"]', "alive");
    await waitText('[data-node="ui-node"]', "web:8080");
    t.match(await page.textContent('[data-node="ui-node"]'), /alive[\s\S]*web:8080|web:8080[\s\S]*alive/, "the node row shows its status and services");
  });

  await t.test("catalog text is shown as text, never run as markup", async (t) => {
    const payload = '<img src=x onerror="window.uiXss=1">';
    await server.agent.register({ name: "tagged", port: 1, tags: [payload] });
    await server.agent.kv.put("xss/<b>bold", payload);
    await page.goto(server.base + "/ui/#/services");
    await waitText('[data-service="tagged"]', payload);
    await page.goto(server.base + "/ui/#/kv/xss/");
    await waitText("#keys", "<b>bold");
    t.equal(await page.evaluate(() => document.querySelectorAll("main img, main b").length), 0, "no element made from data");
    t.equal(await page.evaluate(() => (window as unknown as { uiXss?: number }).uiXss), undefined, "no handler ran");
    await page.evaluate(() => { (window as unknown as { uiMark: number }).uiMark = 42; });
  });

  await t.test("kv: browse by prefix, edit a value through the page, see outside writes, create and delete", async (t) => {
    await server.agent.kv.put("config/app/name", "first");
    await server.agent.kv.put("config/app/port", "8080");
    await page.click('[data-tab="kv"]');
    await page.click('[data-key="config/"] a');
    await page.click('[data-key="config/app/"] a');
    await waitText("#keys", "port");
    await page.click('[data-key="config/app/name"] a');
    await page.waitForFunction(() => (document.querySelector("#kv-value") as HTMLTextAreaElement | null)?.value === "first");

    await page.fill("#kv-value", "second, edited in the browser");
    await page.click("#kv-save");
    await waitText("#kv-status", "Saved");
    t.equal((await server.agent.kv.get("config/app/name"))?.value.toString(), "second, edited in the browser");

    await server.agent.kv.put("config/app/name", "third, from the agent");
    await page.waitForFunction(() => (document.querySelector("#kv-value") as HTMLTextAreaElement).value === "third, from the agent");

    await page.fill("#kv-value", "my edit");
    await server.agent.kv.put("config/app/name", "fourth, racing");
    await waitText("#kv-status", "changed on the agent");
    t.equal(await page.inputValue("#kv-value"), "my edit", "an edit in progress is not overwritten");
    await page.click("#kv-save");
    await waitText("#kv-status", "Not saved");
    t.equal((await server.agent.kv.get("config/app/name"))?.value.toString(), "fourth, racing", "cas kept the racing write");

    await page.click(".crumbs a:nth-of-type(3)");
    await waitText("#keys", "port");
    await page.fill("#kv-new-key", "debug");
    await page.fill("#kv-new-value", "true");
    await page.click("#kv-create button[type=submit]");
    await waitText('[data-key="config/app/debug"]', "debug");
    t.equal((await server.agent.kv.get("config/app/debug"))?.value.toString(), "true");

    await page.fill("#kv-new-key", "debug");
    await page.click("#kv-create button[type=submit]");
    await waitText("#kv-create", "already exists");
    t.equal((await server.agent.kv.get("config/app/debug"))?.value.toString(), "true", "create never overwrites");

    await page.click('[data-key="config/app/debug"] a');
    await page.waitForFunction(() => (document.querySelector("#kv-value") as HTMLTextAreaElement | null)?.value === "true");
    await page.click("#kv-delete");
    await waitText("#kv-delete", "again");
    await page.click("#kv-delete");
    await waitGone('[data-key="config/app/debug"]');
    t.equal(await server.agent.kv.get("config/app/debug"), undefined);
  });

  await t.test("screenshot of the services view, then: nothing reloaded and no page errors", async (t) => {
    await server.agent.register({ name: "api", port: 9000, tags: ["v1", "grpc"], check: { ttl: "60s" } });
    const bad = await server.agent.register({ name: "worker", port: 7000, check: { ttl: "60s" } });
    await bad.warn("queue depth 812 > 500");
    await page.click('[data-tab="services"]');
    await waitText('[data-service="worker"]', "1 warning");
    const dir = mkdtempSync(join(tmpdir(), "disco-ui-"));
    const file = join(dir, "services.png");
    await page.screenshot({ path: file, fullPage: true });
    if (process.env["DISCO_UI_SCREENSHOT"] === undefined) rmSync(dir, { recursive: true, force: true });
    else t.comment(`screenshot: ${file}`);
    t.equal(await page.evaluate(() => (window as unknown as { uiMark?: number }).uiMark), 42, "the document was never reloaded");
    t.same(problems, [], "no page errors, console errors or dialogs");
  });
}
