/**
 * Bounds of the template engine and runner. Each guards the host process
 * against a template (or its data) that would otherwise grow without limit.
 *
 * @module
 */

/** Largest template source: config files are kilobytes; a megabyte is surely a mistake. */
export const TEMPLATE_BYTES_MAX = 1024 * 1024;

/** Largest rendered output: a runaway `range` must not fill the memory or the disk. */
export const OUTPUT_BYTES_MAX = 16 * 1024 * 1024;

/**
 * Most evaluation steps (nodes executed) in one render: a template ranging
 * over a huge integer or nesting ranges stops with an error instead of hanging
 * the host's event loop.
 */
export const EXEC_STEPS_MAX = 5_000_000;

/** Deepest nesting of control structures and parentheses the parser accepts (stack safety). */
export const PARSE_DEPTH_MAX = 200;

/** Deepest `{{template}}` call chain at render time (stops infinite recursion). */
export const TEMPLATE_CALL_DEPTH_MAX = 100;

/**
 * Most distinct data dependencies one render may use. A template ranging over
 * every service and calling `service` for each uses one per service; tens of
 * thousands would be a watch storm against the agent.
 */
export const DEPENDENCIES_MAX = 4096;

/** Output of a command kept for the log, per stream: enough for an nginx error message. */
export const COMMAND_OUTPUT_BYTES_MAX = 4096;

/** Longest `printf` width or precision (Go caps these too; keeps one verb from allocating gigabytes). */
export const PRINTF_WIDTH_MAX = 10_000;
