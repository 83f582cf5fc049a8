export * from "./core.js";
export * from "./projects.js";
