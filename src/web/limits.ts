/**
 * How large a request may be. Held apart from the app's assembly so that a module can name a limit
 * without importing the app (which imports every module).
 */

/** The largest file an upload form or the API accepts (documents and data files): 50 MiB. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
