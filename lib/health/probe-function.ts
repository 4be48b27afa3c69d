/**
 * One run of a function check: call the application's function and map what
 * it returns to a status.
 *
 * @module
 */
import type { CheckResult, FunctionCheckDefinition } from "./definition.js";
import { capOutput } from "./output.js";
import { isCheckStatus, isRecord, typeName } from "./parse-fields.js";
import type { Probe } from "./probe.js";
import { reasonText } from "./probe.js";

/**
 * Maps a function check's return value to a result: `undefined`/`true`
 * passing, a string passing with that output, `{ status, output? }` as given,
 * `false` critical. Anything else is critical, saying what came back.
 */
export function resultOfValue(value: unknown): CheckResult {
  if (value === undefined || value === true) return { status: "passing", output: "" };
  if (value === false) return { status: "critical", output: "check function returned false" };
  if (typeof value === "string") return { status: "passing", output: capOutput(value) };
  if (isRecord(value) && isCheckStatus(value["status"])) {
    const output = value["output"];
    if (output === undefined || typeof output === "string") {
      return { status: value["status"], output: capOutput(output ?? "") };
    }
  }
  return {
    status: "critical",
    output: `check function returned ${typeName(value)}; expected undefined, a boolean, a string or { status, output? }`,
  };
}

/** Builds the probe for a function check definition. */
export function createFunctionProbe(def: FunctionCheckDefinition): Probe {
  return (signal) => {
    let call: Promise<unknown>;
    try {
      // Promise.resolve().then would delay a synchronous throw; call now and wrap.
      call = Promise.resolve(def.fn({ signal }));
    } catch (err) {
      call = Promise.reject(err);
    }
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    const outcome = call.then(resultOfValue, (err: unknown) => ({
      status: "critical" as const,
      output: capOutput(reasonText(err)),
    }));
    // The function may ignore the signal; the run's result must not wait for it.
    const aborted = new Promise<CheckResult>((resolve) => {
      const onAbort = (): void => resolve({ status: "critical", output: capOutput(reasonText(signal.reason)) });
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        void settled.then(() => signal.removeEventListener("abort", onAbort));
      }
    });
    return { result: Promise.race([outcome, aborted]), settled };
  };
}
