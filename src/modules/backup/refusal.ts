/** A backup or restore that was refused; nothing was changed. */
export class BackupRefusedError extends Error {}
