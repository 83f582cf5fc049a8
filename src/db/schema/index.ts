export * from "./core.js";
export * from "./projects.js";
export * from "./indicators.js";
