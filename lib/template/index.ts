/**
 * consul-template for @disco/core: templates in Go text/template syntax with
 * consul-template's functions, rendered from an agent's catalog and KV and
 * re-rendered when those change.
 *
 * @module
 */
export { startTemplate } from "./start.js";
export type { StartTemplateOptions, TemplateHandle } from "./start.js";
export type { TemplateOptions, RenderEvent } from "./options.js";
export { resolveTemplateOptions } from "./options.js";
export { Template } from "./template.js";
export type { RenderResult } from "./template.js";
export { TemplateRunner } from "./runner.js";
export type { RunnerEnvironment } from "./runner.js";
export { DependencyWatcher } from "./watcher.js";
export type { WatcherOptions } from "./watcher.js";
export { TemplateSyntaxError, TemplateExecError } from "./errors.js";
export type { Position } from "./errors.js";
export type { Dependency, ServiceStatus } from "./dependency.js";
export { TemplateSourceError } from "./source.js";
export type { TemplateSource, FetchOptions, FetchResult } from "./source.js";
export { httpTemplateSource } from "./http-source.js";
export type { HttpSourceOptions } from "./http-source.js";
export { catalogTemplateSource, agentTemplateSource } from "./catalog-source.js";
export type { CatalogSourceOptions } from "./catalog-source.js";
export { shellCommandRunner } from "./command.js";
export type { CommandOutcome, CommandRunner } from "./command.js";
export type { WaitBounds } from "./quiescence.js";
export { templateCommand, templateHelp } from "./cli.js";
export type { TemplateIo } from "./cli.js";
