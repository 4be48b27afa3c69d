/**
 * The environment for child processes that tests start. tap measures
 * coverage through NODE_V8_COVERAGE; children compiled by tsx (not tap's
 * loader) would write V8 coverage with other source maps into the same
 * folder, which made tap's coverage report come out partial now and then.
 * Children are fixtures: their coverage is not the suite's to count.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env["NODE_V8_COVERAGE"];
  return env;
}
