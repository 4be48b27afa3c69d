/**
 * Health checks: TTL, HTTP, TCP and function checks. `parseCheckInput`
 * validates what users write; `createCheckRunner` runs it and reports results
 * for the agent to write to the catalog.
 *
 * @module
 */
export type {
  CheckDefinition,
  CheckDefinitionBase,
  CheckFunction,
  CheckResult,
  FunctionCheckContext,
  FunctionCheckDefinition,
  FunctionCheckValue,
  HttpCheckDefinition,
  IntervalCheckDefinition,
  TcpCheckDefinition,
  TtlCheckDefinition,
} from "./definition.js";
export { checkTimingsOf, checkTypeOf } from "./definition.js";
export type {
  CheckInput,
  CheckInputCommon,
  FunctionCheckInput,
  HttpCheckInput,
  TcpCheckInput,
  TtlCheckInput,
} from "./input.js";
export { parseCheckInput, type CheckParseContext } from "./parse.js";
export { createCheckRunner, type CheckRunner, type CheckRunnerDeps } from "./runner.js";
export { NotTtlCheckError } from "./errors.js";
export { capOutput } from "./output.js";
export {
  CHECK_BODY_BYTES_MAX,
  CHECK_HEADER_VALUES_MAX,
  CHECK_HEADERS_COUNT_MAX,
  CHECK_INTERVAL_MS_MIN,
  CHECK_METHOD_LENGTH_MAX,
  CHECK_NOTES_LENGTH_MAX,
  CHECK_TARGET_LENGTH_MAX,
  CHECK_TIMEOUT_MS_DEFAULT,
  CHECK_TIMER_MS_MAX,
} from "./limits.js";
