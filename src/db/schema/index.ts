export * from "./core.js";
export * from "./projects.js";
export * from "./indicators.js";
export * from "./notifications.js";
export * from "./password-resets.js";
export * from "./tenders.js";
