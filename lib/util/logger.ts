/**
 * Logging. The library prints nothing unless the host gives it a logger;
 * any pino-shaped object works.
 *
 * @module
 */

/** A structured logger, pino-compatible. `child` is optional. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child?(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => {};

/** The default logger: discards everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Returns `logger.child({ component })` when the logger supports it, else the logger itself. */
export function childLogger(logger: Logger, component: string): Logger {
  return logger.child ? logger.child({ component }) : logger;
}
