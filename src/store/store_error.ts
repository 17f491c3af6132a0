/** A failure of the SQLite store: the file cannot be opened, read or written. */
export class StoreError extends Error {
  /** A file the user points at is bad: the CLI exits with this code. */
  readonly exitCode = 2;

  /** The SQLite file. */
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`store ${file}: ${message}`, options);
    this.name = "StoreError";
    this.file = file;
  }
}
