/**
 * The handle `register()` returns.
 *
 * @module
 */
import type { CheckStatus } from "../catalog/types.js";
import type { LocalServices } from "./local-services.js";

/** A registered service instance. */
export class Registration {
  /** @internal Built by `register()`. */
  constructor(
    /** The instance ID. */
    readonly id: string,
    private readonly local: LocalServices,
  ) {}

  private set(status: CheckStatus, note?: string): Promise<void> {
    return this.local.updateTtl(this.id, status, note);
  }

  /** Marks the instance's TTL checks passing (and re-arms their TTL). */
  pass(note?: string): Promise<void> {
    return this.set("passing", note);
  }

  /** Marks the instance's TTL checks warning. */
  warn(note?: string): Promise<void> {
    return this.set("warning", note);
  }

  /** Marks the instance's TTL checks critical. */
  fail(note?: string): Promise<void> {
    return this.set("critical", note);
  }

  /** Removes the instance from the catalog and stops its checks. */
  async deregister(): Promise<void> {
    await this.local.deregister(this.id);
  }

  /** Deregisters on `await using reg = await register(…)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.deregister();
  }
}
