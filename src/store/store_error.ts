/** A failure of the SQLite store: the file cannot be opened, read or written. */
export class StoreError extends Error {
  /** The SQLite file. */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`store ${file}: ${message}`, options);
    this.name = "StoreError";
    this.file = file;
  }
}
